// w.vmap: inAxes per argument (null = broadcast), outAxes, pytrees, nesting, composition with
// grad/jvp/jacobian/compile, closures over outer tracers, per-example gradients against a JS loop,
// and its errors. Every op's batching rule is exercised through w.vmap by test/rules.test.ts.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const arr = (t: unknown) => (t instanceof w.Tensor ? t.toArray() : t);
const close = (a: unknown, b: unknown) => {
  const x = (a as T).data(), y = (b as T).data();
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(Math.abs(v - y[i]), `[${i}] ${v} vs ${y[i]}`).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(y[i]))));
};

describeBackends('vmap', () => {
  const X = w.tensor([[1, 2, 3], [4, 5, 6]]);

  it('maps axis 0 by default; inAxes per argument with null for a broadcast argument; outAxes', () => {
    expect(arr(w.vmap((r: T) => w.sum(r))(X))).toEqual([6, 15]);
    expect(arr(w.vmap((c: T) => w.sum(c), { inAxes: 1 })(X))).toEqual([5, 7, 9]);
    expect(arr(w.vmap((r: T, v: T) => w.dot(r, v), { inAxes: [0, null] })(X, [1, 0, -1]))).toEqual([-2, -2]);
    expect(arr(w.vmap((r: T) => w.mul(r, 2), { outAxes: 1 })(X))).toEqual([[2, 8], [4, 10], [6, 12]]);
    expect(arr(w.vmap((r: T) => w.mul(r, 2), { inAxes: -1, outAxes: -1 })(X))).toEqual([[2, 4, 6], [8, 10, 12]]);
  });

  it('an unmapped size-1 argument keeps its shape (a [1, 1] matrix stays a matrix)', () => {
    const Bs = w.tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(arr(w.vmap((a: T, b: T) => w.matmul(a, b), { inAxes: [null, 0] })(w.tensor([[2]]), Bs))).toEqual([[[2, 4, 6]], [[8, 10, 12]]]);
    expect(arr(w.vmap((a: T, b: T) => w.linalg.solve(a, b), { inAxes: [null, 0] })(w.tensor([[2]]), Bs))).toEqual([[[0.5, 1, 1.5]], [[2, 2.5, 3]]]);
  });

  it('pytrees in and out; an output that does not depend on the mapped input is broadcast', () => {
    const f = (p: { a: T; b: T }) => ({ s: w.add(p.a, p.b), c: w.tensor(7), pair: [w.neg(p.a), p.b] });
    const out = w.vmap(f)({ a: [1, 2], b: [[10], [20]] }) as unknown as { s: T; c: T; pair: [T, T] };
    expect(arr(out.s)).toEqual([[11], [22]]);
    expect(arr(out.c)).toEqual([7, 7]);
    expect(arr(out.pair[0])).toEqual([-1, -2]);
    const [u, v] = w.vmap((r: T) => [w.sum(r), w.max(r)], { outAxes: [0, 0] })(X) as T[];
    expect([arr(u), arr(v)]).toEqual([[6, 15], [3, 6]]);
  });

  it('nested vmap is an outer product of mappings', () => {
    const f = w.vmap(w.vmap((a: T, b: T) => w.mul(a, b), { inAxes: [null, 0] }), { inAxes: [0, null] });
    expect(arr(f([1, 2], [10, 20, 30]))).toEqual([[10, 20, 30], [20, 40, 60]]);
  });

  it('per-example gradients: vmap(grad(loss)) equals a JS loop of grad, and is one program', () => {
    const loss = (p: { W: T; b: T }, x: T, y: T) => w.square(w.sub(w.add(w.dot(p.W, x), p.b), y));
    const p = { W: w.tensor([0.5, -1, 2]), b: w.tensor(0.1) };
    const ys = w.tensor([1, -1]);
    const per = w.vmap(w.grad(loss), { inAxes: [null, 0, 0] })(p, X, ys) as unknown as { W: T; b: T };
    const rows = Array.from(X), yv = Array.from(ys);
    rows.forEach((x, i) => {
      const g = w.grad(loss)(p, x, yv[i]) as unknown as { W: T; b: T };
      close(w.at(per.W, i), g.W);
      expect(per.b.data()[i]).toBeCloseTo(g.b.item(), 13);
    });
    const prog = w.compile((q: { W: T; b: T }, xs: T, y: T) => w.vmap(w.grad(loss), { inAxes: [null, 0, 0] })(q, xs, y), p, X, ys);
    close((prog.value(p, X, ys) as unknown as { W: T }).W, per.W);
  });

  it('composes: grad of vmap, jvp of vmap, jacobian of vmap, vmap of jacobian, closures over outer tracers', () => {
    const f = (r: T) => w.sum(w.sin(r));
    const g = w.grad((m: T) => w.sum(w.vmap(f)(m)))(X) as T;
    close(g, w.cos(X));
    const [, t] = w.jvp((m: T) => w.vmap(f)(m), [X], [w.onesLike(X)]);
    close(t, w.sum(w.cos(X), 1));
    const J = w.jacobian((v: T) => w.vmap((a: T) => w.mul(a, a))(v))(w.tensor([1, 2, 3])) as T;
    close(J, w.tensor([[2, 0, 0], [0, 4, 0], [0, 0, 6]]));
    const Js = w.vmap(w.jacobian((v: T) => w.mul(v, v)))(X) as T;
    expect(Js.shape).toEqual([2, 3, 3]);
    // the mapped function closes over a tracer of the outer transformation
    const outer = w.grad((s: T) => w.sum(w.vmap((r: T) => w.mul(r, s))(X)))(2);
    expect(outer).toBe(21);
  });

  it('errors: mismatched sizes, axes out of range, nothing mapped, reading a value inside', () => {
    expect(() => w.vmap((a: T, b: T) => w.add(a, b))(X, [1, 2, 3])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => w.vmap((a: T) => a, { inAxes: 2 })(X)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    expect(() => w.vmap((a: T) => a, { inAxes: [null] })(X)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    expect(() => w.vmap((a: T) => a, { inAxes: [0, 0] })(X)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    expect(() => w.vmap((a: T) => (w.sum(a).item() > 0 ? a : w.neg(a)))(X)).toThrow(expect.objectContaining({ code: 'ERR_TRACE' }));
  });
});
