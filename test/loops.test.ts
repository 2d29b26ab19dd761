// Loops kept as loops: scan and foriLoop traced once, differentiated as loops, the same bits as the
// unrolled JS loop.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const bits = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : v.toString(16)) : v instanceof w.Tensor ? v.toArray() : v));
const same = (a: unknown, b: unknown) => expect(bits(a)).toBe(bits(b));

// x_{k+1} = sin(p·x_k) + c·x_k, written as a scan and as a plain JS loop
const step = (p: T, c: T) => (x: T) => w.add(w.sin(w.mul(p, x)), w.mul(c, x));
const viaScan = (n: number) => (q: T) => {
  const [p, c] = w.unstack(q);
  return w.scan((x: T) => [step(p, c)(x), null], w.tensor(0.5), null, { length: n })[0] as T;
};
const unrolled = (n: number) => (q: T) => {
  const [p, c] = w.unstack(q);
  let x: T = w.tensor(0.5);
  for (let k = 0; k < n; k++) x = step(p, c)(x);
  return x;
};

describeBackends('scan', () => {
  it('cumulative sum: the final carry and the stacked ys', () => {
    const [c, ys] = w.scan((acc: T, x: T) => { const s = w.add(acc, x); return [s, s]; }, 0, [1, 2, 3, 4]);
    expect(c.item()).toBe(10);
    expect((ys as T).toArray()).toEqual([1, 3, 6, 10]);
    const [cr, ysr] = w.scan((acc: T, x: T) => { const s = w.add(acc, x); return [s, s]; }, 0, [1, 2, 3, 4], { reverse: true });
    expect(cr.item()).toBe(10);
    expect((ysr as T).toArray()).toEqual([10, 9, 7, 4]);   // ys keep the order of xs
  });

  it('value, gradient and second derivatives are the bits of the unrolled loop', () => {
    for (const n of [1, 3, 10, 37]) {
      const q = [1.3, 0.4];
      same(w.valueAndGrad(viaScan(n))(q), w.valueAndGrad(unrolled(n))(q));
      same(w.hessian(viaScan(n))(q), w.hessian(unrolled(n))(q));
      same(w.jacobian(viaScan(n), { mode: 'forward' })(q), w.jacobian(unrolled(n), { mode: 'forward' })(q));
      same(w.jvp(viaScan(n), [q], [[0.3, -1]]), w.jvp(unrolled(n), [q], [[0.3, -1]]));
      same(w.hvp(viaScan(n))(q, [1, 2]), w.hvp(unrolled(n))(q, [1, 2]));
      same(w.grad((v: T) => w.sum(w.grad(viaScan(n))(v) as T))(q), w.grad((v: T) => w.sum(w.grad(unrolled(n))(v) as T))(q));
    }
  });

  it('pytree carries, xs and ys; cotangents for xs, init and closed-over values', () => {
    const W = w.tensor([[0.5, -0.2], [0.1, 0.3]]);
    const f = (h0: T, xs: T, b: T) => {
      const [{ h, s }, ys] = w.scan(({ h, s }: { h: T; s: T }, x: { a: T; u: T }) => {
        const hn = w.tanh(w.add(w.add(w.matmul(W, h), w.mul(x.a, b)), x.u));
        return [{ h: hn, s: w.add(s, w.sum(hn)) }, { out: w.mul(hn, 2) }];
      }, { h: h0, s: 0 }, { a: w.sin(xs), u: w.mul(xs, 0.5) });
      return w.add(w.add(w.sum(h), s), w.sum(w.mul((ys as { out: T }).out, xs)));
    };
    const g = (h0: T, xs: T, b: T) => {
      let h = h0, s: T = w.tensor(0);
      const outs: T[] = [];
      for (const x of w.unstack(xs)) {
        h = w.tanh(w.add(w.add(w.matmul(W, h), w.mul(w.sin(x), b)), w.mul(x, 0.5)));
        s = w.add(s, w.sum(h));
        outs.push(w.mul(h, 2));
      }
      return w.add(w.add(w.sum(h), s), w.sum(w.mul(w.stack(outs), xs)));
    };
    const args = [[0.1, -0.4], [[1, 2], [0.5, -1], [2, 0.25]], [0.7, -0.3]];
    const ga = w.grad(f, { argnums: [0, 1, 2] })(...args) as number[][];
    const gb = w.grad(g, { argnums: [0, 1, 2] })(...args) as number[][];
    ga.flat(2).forEach((v, i) => expect(v).toBeCloseTo((gb.flat(2) as number[])[i], 13));
  });

  it('reverse scans and xs cotangents match the unrolled loop', () => {
    const f = (xs: T) => w.scan((c: T, x: T) => [w.add(w.mul(c, x), w.sin(c)), w.mul(c, c)], w.tensor(0.3), xs, { reverse: true });
    const loss = (xs: T) => { const [c, ys] = f(xs); return w.add(c, w.sum(ys as T)); };
    const unr = (xs: T) => {
      let c: T = w.tensor(0.3);
      const ys: T[] = [];
      for (const x of w.unstack(xs).reverse()) { ys.unshift(w.mul(c, c)); c = w.add(w.mul(c, x), w.sin(c)); }
      return w.add(c, w.sum(w.stack(ys)));
    };
    same(w.valueAndGrad(loss)([0.9, 1.1, -0.5, 0.2]), w.valueAndGrad(unr)([0.9, 1.1, -0.5, 0.2]));
  });

  it('nested scans, and grad inside a scan body', () => {
    // (inits other than 0: an unrolled loop folds c + 0 → c in its first iteration, a scan cannot)
    const inner = (a: T) => w.scan((c: T) => [w.sin(w.add(c, a)), null], w.tensor(0.05), null, { length: 4 })[0] as T;
    const outer = (a: T) => w.scan((c: T) => [w.add(inner(w.add(a, c)), 0.1), null], w.tensor(0.05), null, { length: 3 })[0] as T;
    const plainInner = (a: T) => { let c: T = w.tensor(0.05); for (let k = 0; k < 4; k++) c = w.sin(w.add(c, a)); return c; };
    const plainOuter = (a: T) => { let c: T = w.tensor(0.05); for (let k = 0; k < 3; k++) c = w.add(plainInner(w.add(a, c)), 0.1); return c; };
    same(w.valueAndGrad(outer)(0.7), w.valueAndGrad(plainOuter)(0.7));   // the reverse scans continue the unrolled sum: same bits
    same(w.hessian(outer)(0.7), w.hessian(plainOuter)(0.7));
    same(w.grad(w.grad(outer))(0.7), w.grad(w.grad(plainOuter))(0.7));
    // gradient descent written as a scan whose body takes a gradient
    const loss = (x: T) => w.sum(w.square(w.sub(x, [1, 2])));
    const [x] = w.scan((x: T) => [w.sub(x, w.mul(0.25, w.grad(loss)(x) as T)), null], w.tensor([0, 0]), null, { length: 30 });
    (x as T).toArray().forEach((v: number, i: number) => expect(v).toBeCloseTo([1, 2][i], 8));
  });

  it('inside compile: replays without re-running f, gradients through the loop', () => {
    const p = w.compile(viaScan(25), [1.1, 0.3]);
    same(p.valueAndGrad([0.9, 0.2]), w.valueAndGrad(viaScan(25))([0.9, 0.2]));
    same(p.hvp([0.9, 0.2], [1, -1]), w.hvp(viaScan(25))([0.9, 0.2], [1, -1]));
    const [v, g] = p.valueAndGrad([0.9, 0.2]) as [number, number[]], [vu, gu] = w.valueAndGrad(unrolled(25))([0.9, 0.2]) as [number, number[]];
    expect(v).toBeCloseTo(vu, 14);
    g.forEach((x, i) => expect(x).toBeCloseTo(gu[i], 12));
  });

  it('recording cost is linear in the body, not the trip count', () => {
    const eqns = (n: number) => traceFunction(viaScan(n), [[1, 1]], 'test').graph.eqns.length;
    expect(eqns(1000)).toBe(eqns(3));
    expect(eqns(1000)).toBeLessThan(10);
  });

  it('length 0 returns init; eager scans run without any transformation', () => {
    const [c, ys] = w.scan((x: T) => [w.mul(x, 2), x], w.tensor([1, 2]), null, { length: 0 });
    expect((c as T).toArray()).toEqual([1, 2]);
    expect((ys as T).shape).toEqual([0, 2]);
  });
});

describeBackends('foriLoop', () => {
  it('body(i, carry) for i = lower … upper − 1, differentiable', () => {
    const f = (x: T) => w.foriLoop(2, 6, (i: T, c: T) => w.add(w.mul(c, x), i), w.tensor(1));
    const g = (x: T) => { let c: T = w.tensor(1); for (let i = 2; i < 6; i++) c = w.add(w.mul(c, x), i); return c; };
    same(w.valueAndGrad(f)(1.5), w.valueAndGrad(g)(1.5));
    // the carry comes back as init's structure with Tensor leaves (a number init too)
    const none = w.foriLoop(5, 5, (_i: T, c: T) => w.mul(c, 0), 3);
    expect(none).toBeInstanceOf(w.Tensor);
    expect(none.item()).toBe(3);
    const { s } = w.foriLoop(0, 4, (i: T, c: { s: T }) => ({ s: w.add(c.s, i) }), { s: 0 });
    expect(s.item()).toBe(6);
  });
});

describeBackends('loop bad input', () => {
  it('names the loop and the leaf', () => {
    const err = (code: string, re: RegExp) => expect.objectContaining({ code, message: expect.stringMatching(re) });
    expect(() => w.scan((c: T) => [w.stack([c, c]), null], w.tensor(1), null, { length: 2 })).toThrow(err('ERR_SHAPE', /^scan: carry leaf init: the body returned f64\[2\], expected f64\[\]/));
    expect(() => w.scan((c: { a: T }) => [{ b: c.a }, null], { a: 1 }, null, { length: 2 })).toThrow(err('ERR_SHAPE', /structure of init/));
    expect(() => w.scan((c: T, x: { a: T; b: T }) => [c, x.a], 0, { a: [1, 2], b: [1, 2, 3] })).toThrow(err('ERR_SHAPE', /share their leading length/));
    expect(() => w.scan((c: T) => [c, null], 0, null)).toThrow(err('ERR_ARG', /number of iterations must be given/));
    expect(() => w.scan((c: T) => [c, null], 0, null, { length: 2.5 })).toThrow(err('ERR_ARG', /non-negative integer/));
    expect(() => w.scan((c: T) => [c, null], 0, [1, 2], { length: 3 })).toThrow(err('ERR_SHAPE', /length 3 does not match/));
    expect(() => w.scan((c: T) => c as any, 0, null, { length: 1 })).toThrow(err('ERR_ARG', /must return \[carry, y\]/));
    expect(() => w.scan((c: T) => [c.item() > 0 ? c : w.neg(c), null], 1, null, { length: 2 })).toThrow(err('ERR_TRACE', /scan body cannot read a value \(item\(\)\).*where/));
    expect(() => w.scan((c: T) => [c, null], 0, null, { length: 1, unroll: 2 } as any)).toThrow(err('ERR_ARG', /unknown option 'unroll'/));
    expect(() => w.foriLoop(0, Infinity, (_i: T, c: T) => c, 0)).toThrow(err('ERR_ARG', /upper to be an integer/));
    expect(w.grad((x: T) => w.scan((c: T) => [w.add(c, x), null], 0, null, { length: 3 })[0])(2)).toBe(3);
  });
});

describeBackends('whileLoop', () => {
  const newton = (a: T) => w.whileLoop(
    (x: T) => w.greater(w.abs(w.sub(w.mul(x, x), a)), w.mul(1e-12, a)),
    (x: T) => w.mul(0.5, w.add(x, w.div(a, x))), a);
  const powerLoop = (c: T) => w.whileLoop((s: { k: T; x: T }) => w.less(s.k, 5),
    (s: { k: T; x: T }) => ({ k: w.add(s.k, 1), x: w.sin(w.mul(s.x, c)) }), { k: 0, x: 0.5 }).x as T;
  const powerPlain = (c: T) => { let x: T = w.tensor(0.5); for (let k = 0; k < 5; k++) x = w.sin(w.mul(x, c)); return x; };

  it('Newton square root: values and derivatives of every order', () => {
    for (const a of [2, 9, 1e-4, 1e6]) {
      expect((newton(w.tensor(a)) as T).item() / Math.sqrt(a)).toBeCloseTo(1, 12);
      expect(w.grad(newton)(a)).toBeCloseTo(0.5 / Math.sqrt(a), 10);
      expect(w.derivative(newton)(a)).toBeCloseTo(0.5 / Math.sqrt(a), 10);
      expect((w.hessian(newton)(a) as number) / (-0.25 * a ** -1.5)).toBeCloseTo(1, 10);
    }
  });

  it('the same bits as the unrolled loop, in both modes and at second order', () => {
    same(w.valueAndGrad(powerLoop)(1.3), w.valueAndGrad(powerPlain)(1.3));
    same(w.derivative(powerLoop)(1.3), w.derivative(powerPlain)(1.3));
    same(w.hessian(powerLoop)(1.3), w.hessian(powerPlain)(1.3));
    same(w.hvp(powerLoop)(1.3, 2), w.hvp(powerPlain)(1.3, 2));
    same(w.jacobian((v: T) => w.stack(w.unstack(v).map(powerLoop)), { mode: 'forward' })([1.3, 0.4]),
      w.jacobian((v: T) => w.stack(w.unstack(v).map(powerPlain)), { mode: 'forward' })([1.3, 0.4]));
  });

  it('a compiled Newton loop does not re-record when it needs more or fewer iterations', () => {
    const p = w.compile(newton, 2);
    for (const a of [2, 100, 1e-4, 3e7]) expect(p.grad(a)).toBeCloseTo(0.5 / Math.sqrt(a), 9);
    expect(p.stats.retraces).toBe(0);
  });

  it('maxIterations bounds a loop that does not end; bad cond and carries are named', () => {
    const err = (code: string, re: RegExp) => expect.objectContaining({ code, message: expect.stringMatching(re) });
    expect(() => w.grad((x: T) => w.whileLoop((y: T) => w.greater(y, 0), (y: T) => w.add(y, 1), x, { maxIterations: 10 }))(1))
      .toThrow(err('ERR_ARG', /did not end within maxIterations = 10/));
    expect(() => w.whileLoop((y: T) => w.greater(y, 0), (y: T) => w.sub(y, 1), [1, 2])).toThrow(err('ERR_SHAPE', /cond must return one 0-d tensor .* but returned f64\[2\]/));
    expect(() => w.whileLoop((y: T) => w.greater(y, 0), (y: T) => w.stack([y, y]), 1)).toThrow(err('ERR_SHAPE', /carry leaf init/));
    expect(() => w.whileLoop((y: T) => w.greater(y, 0), (y: T) => w.sub(y, 1), 1, { maxIterations: -1 })).toThrow(err('ERR_ARG', /maxIterations/));
  });
});

describeBackends('checkpointing', () => {
  const body = (p: T) => (c: T, x: T) => { const h = w.tanh(w.add(w.mul(c, p), x)); return [w.add(w.mul(h, 0.9), w.sin(c)), w.square(h)]; };
  const loss = (checkpoint: 'none' | 'sqrt' | number, reverse = false) => (p: T) => {
    const xs = w.sin(w.mul(w.tensor(Array.from({ length: 23 }, (_, i) => i)), 0.3));
    const [c, ys] = w.scan(body(p), w.tensor([0.1, -0.2]), w.stack([xs, w.cos(xs)], 1), { checkpoint, reverse });
    return w.add(w.sum(c), w.sum(ys as T));
  };

  it("scan's checkpoint option: every k-th carry stored, the same bits as storing everything", () => {
    for (const reverse of [false, true]) {
      const want = bits([w.valueAndGrad(loss('none', reverse))([0.7, 1.1]), w.hessian(loss('none', reverse))([0.7, 1.1])]);
      for (const k of ['sqrt', 1, 2, 5, 7, 23, 40] as const) {
        expect(bits([w.valueAndGrad(loss(k, reverse))([0.7, 1.1]), w.hessian(loss(k, reverse))([0.7, 1.1])])).toBe(want);
      }
    }
  });

  it('w.checkpoint(f): the same derivatives at every order, f recomputed in the reverse sweep', () => {
    const f = (x: T, y: T) => w.sum(w.mul(w.exp(w.sin(x)), w.tanh(w.mul(x, y))));
    const g = w.checkpoint(f);
    const h = (x: T) => w.add(g(x, w.mul(x, 2)), f(x, x));
    const plain = (x: T) => w.add(f(x, w.mul(x, 2)), f(x, x));
    same(w.valueAndGrad(h)([0.3, -1.2]), w.valueAndGrad(plain)([0.3, -1.2]));
    same(w.hessian(h)([0.3, -1.2]), w.hessian(plain)([0.3, -1.2]));
    same(w.jvp(h, [[0.3, -1.2]], [[1, 2]]), w.jvp(plain, [[0.3, -1.2]], [[1, 2]]));
    expect(() => w.scan((c: T) => [c, null], 0, null, { length: 3, checkpoint: 0 })).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringMatching(/checkpoint/) }));
  });
});
