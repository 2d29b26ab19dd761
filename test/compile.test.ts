import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { captureWarnings } from './support/warnings.js';
import { newtonSqrt } from './support/functions.js';

const rosen = (x: w.Tensor) => {
  const a = w.at(x, 0), b = w.at(x, 1);
  return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)));
};
const rosenGrad = ([a, b]: number[]) => [-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)];

describeBackends('compile', () => {
  it('replays value and gradient without re-running f (recorded twice at compile: the purity check)', () => {
    let runs = 0;
    const p = w.compile((x: w.Tensor) => { runs++; return rosen(x); }, new Float64Array([-1.2, 1]));
    expect(runs).toBe(2);
    for (const x of [[-1.2, 1], [0.3, -0.7], [2, 2]]) {
      const [v, g] = p.valueAndGrad(new Float64Array(x)) as [number, Float64Array];
      expect(v).toBeCloseTo(100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2, 12);
      const want = rosenGrad(x);
      expect(g[0]).toBeCloseTo(want[0], 10);
      expect(g[1]).toBeCloseTo(want[1], 10);
    }
    expect(runs).toBe(2);
    expect(p.stats.retraces).toBe(0);
    // 0-d programs run in the scalar loop; array chains run fused
    const v = w.compile((x: w.Tensor) => w.sum(w.mul(w.sin(x), w.exp(x))), new Float64Array(8));
    v.grad(new Float64Array(8));
    expect(v.stats.fusedKernels).toBeGreaterThan(0);
    expect(v.stats.ops).toBeGreaterThan(v.stats.fusedKernels);
    expect(p.value(new Float64Array([1, 1])).item()).toBe(0);
  });

  it('gradInto / valueAndGradInto write into caller arrays (structure mirrors argument 0)', () => {
    const p = w.compile((q: { a: w.Tensor; b: w.Tensor }, s: w.Tensor) => w.sum(w.mul(w.mul(q.a, q.b), s)), { a: new Float64Array([1, 2]), b: new Float64Array([3, 4]) }, 2);
    const out = { a: new Float64Array(2), b: new Float64Array(2) };
    const v = p.valueAndGradInto(out, { a: new Float64Array([1, 2]), b: new Float64Array([3, 4]) }, 2);
    expect(v).toBe(22);
    expect(Array.from(out.a)).toEqual([6, 8]);
    expect(Array.from(out.b)).toEqual([2, 4]);
    expect(p.gradInto(out, { a: new Float64Array([0, 1]), b: new Float64Array([1, 1]) }, 3)).toBe(out);
    expect(Array.from(out.a)).toEqual([3, 3]);
  });

  it('ERR_SIGNATURE for another structure or shape, naming the leaf', () => {
    const p = w.compile(rosen, new Float64Array([1, 2]));
    expect(() => p.grad(new Float64Array(3))).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE', message: expect.stringMatching(/f64\[2\].*f64\[3\]/) }));
    expect(() => p.grad({ x: 1 })).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
    expect(() => p.grad()).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
    // still usable afterwards
    expect(p.value(new Float64Array([1, 1])).item()).toBe(0);
  });

  it('the ReverseDiff trap: a branch on a read value is guarded, never replayed blindly', () => {
    const f = (x: w.Tensor) => (x.item() < 0 ? w.mul(x, 0) : x);
    const p = w.compile(f, -1.3);
    expect(p.grad(-1.3)).toBe(0);
    expect(p.grad(1.34)).toBe(1);   // ReverseDiff's compiled tape returns 0 here
    expect(p.stats.retraces).toBe(1);
    expect(p.stats.lastRetraceReason).toMatch(/changed from -1.3 to 1.34/);
    expect(w.grad(f)(1.34)).toBe(1);
    expect(w.grad(f)(-2)).toBe(0);
  });

  it('outcome guards: comparing as a tensor re-records only when the outcome changes', () => {
    const f = (x: w.Tensor) => (w.less(x, 0).item() ? w.neg(x) : w.square(x));
    const p = w.compile(f, -1);
    expect(p.grad(-2)).toBe(-1);
    expect(p.grad(-5)).toBe(-1);
    expect(p.grad(3)).toBe(6);
    expect(p.grad(4)).toBe(8);
    expect(p.grad(-1)).toBe(-1);
    expect(p.stats.retraces).toBe(1);   // one new path for x ≥ 0; both paths kept
    expect(p.stats.paths).toBe(2);
  });

  it('a Newton iteration with a value-dependent count differentiates correctly at inputs needing different counts', () => {
    const nsqrt = newtonSqrt;
    const p = w.compile(nsqrt, 2);
    for (const a of [2, 100, 1e6, 0.25]) {
      expect(p.value(a).item()).toBeCloseTo(Math.sqrt(a), 12);
      expect(p.grad(a)).toBeCloseTo(0.5 / Math.sqrt(a), 12);
    }
    expect(p.stats.retraces).toBeGreaterThan(0);
  });

  it('a where-based piecewise function compiles into one program for both signs', () => {
    const f = (x: w.Tensor) => w.sum(w.where(w.greater(x, 0), w.sqrt(x), w.mul(x, x)));
    const p = w.compile(f, new Float64Array([1, -1, 0]));
    const g = p.grad(new Float64Array([4, -3, 0])) as Float64Array;
    expect(Array.from(g)).toEqual([0.25, -6, 0]);
    expect(p.stats.guards).toBe(0);
    expect(p.stats.retraces).toBe(0);
  });

  it('a cached replay is bit-identical to a fresh recording for the same inputs', () => {
    const f = (x: w.Tensor) => w.sum(w.mul(w.tanh(w.mul(x, 3)), w.exp(w.neg(w.square(x)))));
    const p = w.compile(f, new Float64Array([0.1, 0.2, 0.3]));
    for (const x of [[0.4, -1.2, 2.5], [1e-3, 7, -0.5]]) {
      const replay = p.valueAndGrad(new Float64Array(x)) as [number, Float64Array];
      const fresh = w.compile(f, new Float64Array(x)).valueAndGrad(new Float64Array(x)) as [number, Float64Array];
      expect(Object.is(replay[0], fresh[0])).toBe(true);
      expect(Array.from(replay[1])).toEqual(Array.from(fresh[1]));
    }
    expect(p.stats.retraces).toBe(0);
  });

  it('stats.retraces counts exactly; a Program whose guards fail on most calls warns once and re-records each call', async () => {
    const { warnings } = await captureWarnings(() => {
      const f = (x: w.Tensor) => (x.item() > 0 ? w.square(x) : w.neg(x));   // guards the value itself
      const p = w.compile(f, 1);
      for (let k = 0; k < 10; k++) p.grad(k + 2);
      expect(p.stats.retraces).toBe(10);
      for (let k = 0; k < 30; k++) expect(p.grad(k + 0.5)).toBe(2 * (k + 0.5));   // still right after degrading
      expect(p.grad(-3)).toBe(-1);
    });
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/re-record/);
    expect(warnings[0]).toMatch(/where/);
  });

  it('p.hvp(x, v) is H·v without forming H; v mirrors x; guards hold for hvp too', () => {
    const p = w.compile(rosen, new Float64Array([-1.2, 1]));
    const hv = p.hvp(new Float64Array([-1.2, 1]), new Float64Array([0.3, -2])) as Float64Array;
    expect(hv).toBeInstanceOf(Float64Array);
    expect(hv[0]).toBeCloseTo(1330 * 0.3 + 480 * -2, 10);
    expect(hv[1]).toBeCloseTo(480 * 0.3 + 200 * -2, 10);
    const q = w.compile((t: { a: w.Tensor; b: w.Tensor }) => w.sum(w.mul(w.square(t.a), t.b)), { a: [1, 2], b: [3, 4] });
    // H of Σ a²b: ∂²/∂a² = 2b, ∂²/∂a∂b = 2a
    expect(q.hvp({ a: [1, 2], b: [3, 4] }, { a: [1, 0], b: [0, 1] })).toEqual({ a: [6, 4], b: [2, 0] });
    expect(() => q.hvp({ a: [1, 2], b: [3, 4] }, { a: [1, 0, 0], b: [0, 1] })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => q.hvp({ a: [1, 2], b: [3, 4] }, [1, 2])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    const branchy = w.compile((x: w.Tensor) => (w.less(x, 0).item() ? w.mul(w.square(x), 3) : w.pow(x, 3)), -1);
    expect(branchy.hvp(-1, 1)).toBe(6);
    expect(branchy.hvp(2, 1)).toBe(12);   // the other branch: d²(x³) = 6x
    expect(branchy.hvp(-5, 2)).toBe(12);
  });

  it('grad of a non-scalar output says so', () => {
    const p = w.compile((x: w.Tensor) => w.mul(x, 2), new Float64Array([1, 2]));
    expect(Array.from((p.value(new Float64Array([1, 2])) as w.Tensor).data())).toEqual([2, 4]);
    expect(() => p.grad(new Float64Array([1, 2]))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });
});
