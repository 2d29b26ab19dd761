// Re-rolling: plain JS loops recorded as repeated blocks become scans, with the same bits as the
// unrolled program (values, gradients, Hessians, grad of grad).
import { it, expect, afterEach } from 'vitest';
import * as w from '../src/index.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { reroll, setReroll } from '../src/plan/reroll.js';
import { ode } from '../bench/workloads.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const bits = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === 'number' ? (Object.is(v, -0) ? '-0' : v.toString(16)) : v instanceof w.Tensor ? v.toArray() : v instanceof Float64Array ? Array.from(v) : v));
/** f's results with and without rolling (all transformations) */
function both<R>(run: () => R): [R, R] {
  setReroll(false);
  try { var plain = run(); } finally { setReroll(true); }
  return [plain, run()];
}
const loopsIn = (f: (...a: any[]) => unknown, args: unknown[]) => reroll(traceFunction(f, args, 'test').graph);
afterEach(() => setReroll(true));

describeBackends('re-rolling plain JS loops', () => {
  it('W3 (RK4, 0-d ops) rolls into one loop body with the same bits, at any step count', () => {
    for (const steps of [3, 10, 37, 100]) {
      const W = ode(steps);
      const r = loopsIn(W.f, W.args);
      if (steps >= 10) {
        expect(r.loops).toBeGreaterThanOrEqual(1);
        expect(r.graph.eqns.length).toBeLessThan(80);
      }
      const [a, b] = both(() => [w.valueAndGrad(W.f)(...W.args), w.hessian(W.f)(...W.args)]);
      expect(bits(b)).toBe(bits(a));
    }
  });

  it('compile rolls the recording (stats.loops) and replays the same bits', () => {
    const W = ode(200);
    const [a, b] = both(() => { const p = w.compile(W.f, ...W.args); return [p.valueAndGrad(...W.args), p.hvp(W.args[0], [1, 0, 0, 1]), p.stats.loops]; });
    expect(a[2]).toBe(0);
    expect(b[2]).toBeGreaterThanOrEqual(1);
    expect(bits(b.slice(0, 2))).toBe(bits(a.slice(0, 2)));
  });

  it('values read after the loop: the last iteration as carries, earlier ones as rows of ys', () => {
    const f = (x: T) => {
      const hist: T[] = [];
      let s = x;
      for (let k = 0; k < 12; k++) { s = w.add(w.mul(s, 0.9), w.sin(s)); hist.push(w.cos(s)); }
      return w.add(w.sum(w.stack(hist)), w.mul(s, hist[3]));
    };
    expect(loopsIn(f, [[0.3, 0.7]]).loops).toBeGreaterThanOrEqual(1);
    const [a, b] = both(() => [w.valueAndGrad((x: T) => w.sum(f(x)))([0.3, 0.7]), w.grad((v: T) => w.sum(w.grad((x: T) => w.sum(f(x)))(v) as T))([0.3, 0.7])]);
    expect(bits(b)).toBe(bits(a));
  });

  it('a constant that changes every iteration is stacked (time steps as JS numbers)', () => {
    const f = (y0: T) => {
      let y = y0, t = 0;
      for (let k = 0; k < 20; k++) { y = w.add(y, w.mul(0.05, w.sin(w.mul(t, y)))); t += 0.05; }
      return y;
    };
    expect(loopsIn(f, [0.8]).loops).toBe(1);
    const [a, b] = both(() => [w.valueAndGrad(f)(0.8), w.hessian(f)(0.8)]);
    expect(bits(b)).toBe(bits(a));
  });

  it('nested JS loops roll into nested scans', () => {
    const f = (x: T) => {
      let s = x;
      for (let i = 0; i < 6; i++) {
        let u = s;
        for (let j = 0; j < 5; j++) u = w.sin(w.add(u, 0.1));
        s = w.add(w.mul(s, 0.5), u);
      }
      return s;
    };
    const r = loopsIn(f, [0.4]);
    expect(r.loops).toBeGreaterThanOrEqual(2);
    const [a, b] = both(() => [w.valueAndGrad(f)(0.4), w.hessian(f)(0.4)]);
    expect(bits(b)).toBe(bits(a));
  });

  it('blocks that do not fit stay unrolled: values read by guards, two iterations back, opaque calls', () => {
    const guarded = (x: T) => { let s = x; for (let k = 0; k < 10; k++) { s = w.add(s, 1); if (s.item() > 100) break; } return s; };
    expect(loopsIn(guarded, [1]).graph.guards.length).toBe(10);
    const fib = (x: T) => { let a = x, b = w.mul(x, 2); for (let k = 0; k < 10; k++) [a, b] = [b, w.add(w.sin(a), b)]; return b; };
    const [fa, fb] = both(() => w.valueAndGrad(fib)(0.3));
    expect(bits(fb)).toBe(bits(fa));
    const op = w.opaque((v) => v.map((t) => t * 2), { shape: (s) => s, vjp: (g) => [w.mul(g, 2)] });
    const withOpaque = (x: T) => { let s = x; for (let k = 0; k < 8; k++) s = op(w.sin(s)); return s; };
    expect(loopsIn(withOpaque, [0.2]).loops).toBe(0);
    const [oa, ob] = both(() => w.valueAndGrad(withOpaque)(0.2));
    expect(bits(ob)).toBe(bits(oa));
  });

  it('a period that appears late, a body that changes op or shape partway, two loops of other periods', () => {
    // straight-line prefix, then a loop: the loop is found where it starts
    const late = (x: T) => {
      let s = w.exp(w.mul(w.sin(x), w.cos(x)));
      s = w.sub(w.tanh(s), w.sqrt(w.add(w.square(s), 1)));
      for (let k = 0; k < 15; k++) s = w.add(w.mul(s, 0.9), w.sin(s));
      return s;
    };
    // the body changes op after 12 iterations, then its shape after 24
    const changes = (x: T) => {
      let s = x;
      for (let k = 0; k < 12; k++) s = w.add(w.mul(s, 0.9), w.sin(s));
      for (let k = 0; k < 12; k++) s = w.add(w.mul(s, 0.9), w.cos(s));
      let v = w.stack([s, w.mul(s, 2)]);
      for (let k = 0; k < 12; k++) v = w.add(w.mul(v, 0.9), w.sin(v));
      return w.sum(v);
    };
    // a loop of period 2 after a loop of period 4: found in the stretch the first one left free
    const two = (x: T) => {
      let s = x;
      for (let k = 0; k < 10; k++) s = w.sin(w.add(w.mul(s, 1.1), w.cos(s)));
      for (let k = 0; k < 10; k++) s = w.tanh(w.mul(s, 1.2));
      return s;
    };
    expect(loopsIn(late, [0.4]).loops).toBe(1);
    expect(loopsIn(changes, [0.4]).loops).toBeGreaterThanOrEqual(3);
    expect(loopsIn(two, [0.4]).loops).toBe(2);
    for (const f of [late, changes, two]) {
      const [a, b] = both(() => [w.valueAndGrad(f)(0.4), w.hessian(f)(0.4)]);
      expect(bits(b)).toBe(bits(a));
    }
  });

  it('a JS branch taken differently in one iteration: the loop rolls around it, same bits', () => {
    const f = (x: T) => {
      let s = x;
      for (let k = 0; k < 30; k++) s = k === 13 ? w.add(w.cos(s), 0.5) : w.add(w.mul(s, 0.9), w.sin(s));
      return s;
    };
    const r = loopsIn(f, [0.4]);
    expect(r.loops).toBeGreaterThanOrEqual(2);
    expect(r.graph.eqns.some((e) => e.op.name === 'cos')).toBe(true);
    const [a, b] = both(() => { const p = w.compile(f, 0.4); return [p.valueAndGrad(0.4), w.valueAndGrad(f)(0.4)]; });
    expect(bits(b)).toBe(bits(a));
  });

  it('a long recording whose program changes deep inside gets its own derivative (no cached one)', () => {
    let swapAt = -1;
    const f = (x: T) => {
      let s = x;
      for (let k = 0; k < 3000; k++) s = k === swapAt ? w.sub(w.mul(s, 1.0001), w.mul(0.001, w.sin(s))) : w.add(w.mul(s, 1.0001), w.mul(0.001, w.sin(s)));
      return s;
    };
    const g = w.valueAndGrad(f), expected = (at: number) => { swapAt = at; setReroll(false); try { return g(0.3); } finally { setReroll(true); } };
    const plain = [-1, 1777, 2999].map(expected);
    const rolled = [-1, 1777, 2999, -1].map((at) => { swapAt = at; return g(0.3); });
    expect(bits(rolled)).toBe(bits([...plain, plain[0]]));
    expect(bits(rolled[1])).not.toBe(bits(rolled[0]));
  });
});
