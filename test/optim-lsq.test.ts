// leastSquares semantics (issue 15, DESIGN §8): scaling, the three tolerances and what each
// stops on, `converged` only for a certified stationary point, iterations = accepted steps,
// standard errors mirroring p0, covariance from R, bounds, compiled programs, bad input.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { loadNist, fitNist, score } from './data/nist.js';

type T = w.Tensor;
const { at, add, sub, mul, exp, neg } = w;

const m = 60;
const tt = Float64Array.from({ length: m }, (_, i) => (i * 6) / (m - 1));
const truth = { a: 2.5, b: 1.3, c: 0.5 };
const noise = Float64Array.from({ length: m }, (_, i) => 0.02 * Math.sin(12.9898 * i + 4.1) * Math.cos(78.233 * i));
const yy = tt.map((t, i) => truth.a * Math.exp(-truth.b * t) + truth.c + noise[i]);
const decay = (p: { a: T; b: T; c: T }) => sub(add(mul(p.a, exp(mul(neg(p.b), tt))), p.c), yy);
const decayFlat = (p: T) => decay({ a: at(p, 0), b: at(p, 1), c: at(p, 2) });
const p0 = () => ({ a: 1, b: 1, c: 0 });

/** max over columns of |J_jᵀ r| / (‖J_j‖ ‖r‖) at x, computed independently with w.jacobian */
function cosine(f: (p: T) => T, x: Float64Array): number {
  const J = (w.jacobian(f)(x) as T).toArray() as number[][], r = (f(w.tensor(x)) as T).data();
  const rn = Math.hypot(...r);
  return Math.max(...J[0].map((_, j) => {
    const col = J.map((row) => row[j]);
    return Math.abs(col.reduce((s, v, i) => s + v * r[i], 0)) / (Math.hypot(...col) * rn);
  }));
}

describeBackends('leastSquares: MINPACK-style scaled Levenberg–Marquardt', () => {
  it('Misra1a (columns 1e6 apart): scaled LM gets 10 digits; unscaled never claims a wrong answer', async () => {
    const p = loadNist('Misra1a');
    const scaled = await fitNist(p, 0);
    expect(score(p, scaled.x, 2 * scaled.cost).paramLre).toBeGreaterThan(9);
    expect(scaled.converged).toBe(true);
    const plain = await fitNist(p, 0, { scaling: 'none' });
    if (score(p, plain.x, 2 * plain.cost).paramLre < 4) expect(plain.converged).toBe(false);
  });

  it('gradientTolerance is the cosine between r and every column of J', async () => {
    const r = await w.leastSquares(decayFlat, new Float64Array([1, 1, 0]), { gradientTolerance: 1e-4, valueTolerance: 0, stepTolerance: 0 });
    expect(r.reason).toBe('gradient-tolerance');
    expect(r.converged).toBe(true);
    expect(cosine(decayFlat, r.x)).toBeLessThanOrEqual(1e-4);
    const tight = await w.leastSquares(decayFlat, new Float64Array([1, 1, 0]));
    expect(cosine(decayFlat, tight.x)).toBeLessThanOrEqual(1e-10 * 10);
  });

  it('an early value or step stop is not convergence unless the gradient cosine is small', async () => {
    const p = loadNist('Misra1a');
    for (const opts of [{ valueTolerance: 0.5 }, { stepTolerance: 0.5 }]) {
      const r = await fitNist(p, 0, opts);
      expect(['value-tolerance', 'step-tolerance']).toContain(r.reason);
      expect(r.converged).toBe(false);
    }
  });

  it("'max-iterations' counts accepted steps; 'no-progress' at machine precision", async () => {
    const capped = await w.leastSquares(decay, p0(), { maxIterations: 2 });
    expect(capped.reason).toBe('max-iterations');
    expect(capped.iterations).toBe(2);
    expect(capped.converged).toBe(false);
    expect(capped.evaluations).toBeGreaterThanOrEqual(3);
    const none = await w.leastSquares(decay, p0(), { gradientTolerance: 0, stepTolerance: 0, valueTolerance: 0 });
    expect(none.reason).toBe('no-progress');
    const dflt = await w.leastSquares(decay, p0());
    for (const k of ['a', 'b', 'c'] as const) expect(Math.abs(none.x[k] - dflt.x[k])).toBeLessThan(1e-9);
  });

  it('iterations, evaluations and Jacobian evaluations', async () => {
    const r = await w.leastSquares(decay, p0());
    expect(r.converged).toBe(true);
    expect(r.history).toHaveLength(r.iterations);
    expect(r.history.every((h) => h.step > 0)).toBe(true);   // only accepted steps are iterations
    expect(r.jacobianEvaluations).toBe(r.iterations + 1);
    expect(r.evaluations).toBeGreaterThanOrEqual(r.iterations + 1);
    for (let k = 1; k < r.history.length; k++) expect(r.history[k].value).toBeLessThan(r.history[k - 1].value);
  });

  it('standardErrors mirror p0 and equal √diag(covariance)', async () => {
    const r = await w.leastSquares(decay, p0());
    const cov = (r.covariance as T).toArray() as number[][];
    expect((r.covariance as T).shape).toEqual([3, 3]);
    const se = r.standardErrors!;
    expect(Object.keys(se)).toEqual(['a', 'b', 'c']);
    ['a', 'b', 'c'].forEach((k, i) => expect(se[k as 'a']).toBeCloseTo(Math.sqrt(cov[i][i]), 14));
    const flat = await w.leastSquares(decayFlat, new Float64Array([1, 1, 0]));
    expect(flat.standardErrors).toBeInstanceOf(Float64Array);
    const nested = await w.leastSquares((p: T) => decayFlat(w.reshape(p, [3])), [[1], [1], [0]]);
    expect(nested.standardErrors).toEqual([[expect.any(Number)], [expect.any(Number)], [expect.any(Number)]]);
  });

  it('a rank-deficient Jacobian fits but has no covariance', async () => {
    // r depends on a + b only: the columns of J are equal
    const r = await w.leastSquares((p: T) => sub(mul(add(at(p, 0), at(p, 1)), tt), mul(3, tt)), new Float64Array([0.5, 0.5]));
    expect(r.converged).toBe(true);
    expect(r.x[0] + r.x[1]).toBeCloseTo(3, 10);
    expect(r.covariance).toBeNull();
    expect(r.standardErrors).toBeNull();
  });

  it('bounds: the fit stops at an active bound, converged on the projected gradient', async () => {
    const r = await w.leastSquares(decay, p0(), { bounds: { upper: { a: null, b: 1.0, c: null } } });
    expect(r.converged).toBe(true);
    expect(r.x.b).toBe(1);
    // the same fit with b fixed at 1
    const fixed = await w.leastSquares((q: { a: T; c: T }) => decay({ a: q.a, b: w.tensor(1), c: q.c }), { a: 1, c: 0 });
    expect(r.x.a).toBeCloseTo(fixed.x.a, 8);
    expect(r.x.c).toBeCloseTo(fixed.x.c, 8);
    const lo = await w.leastSquares(decay, p0(), { bounds: { lower: { a: 0, b: 0, c: 0 }, upper: 10 } });
    for (const k of ['a', 'b', 'c'] as const) expect(Math.abs(lo.x[k] - truth[k])).toBeLessThan(0.05);
  });

  it('never returns NaN parameters: trial points outside the domain are rejected', async () => {
    // r = √(p − 1) − 2: NaN below p = 1, the solution p = 5 lies beyond a wall the first steps hit
    const r = await w.leastSquares((p: T) => sub(w.sqrt(sub(p, 1)), w.tensor([2, 2])), 1.5);
    expect(Number.isFinite(r.x)).toBe(true);
    expect(r.x).toBeCloseTo(5, 8);
    const stuck = await w.leastSquares((p: T) => w.sqrt(sub(p, 2)), 1);
    expect(stuck.reason).toBe('non-finite');
    expect(stuck.x).toBe(1);
  });

  it('the residual and Jacobian programs are recorded once per fit, not per iteration', async () => {
    let calls = 0;
    const counted = (p: T) => { calls++; return decayFlat(p); };
    const first = await w.leastSquares(counted, new Float64Array([1, 1, 0]));
    expect(first.iterations).toBeGreaterThan(5);
    const perFit = calls;
    expect(perFit).toBeLessThanOrEqual(8);   // one check recording + compile (recorded twice) + the Jacobian program's
    calls = 0;
    const again = await w.leastSquares(counted, new Float64Array([2, 0.5, 1]));
    expect(again.converged).toBe(true);
    expect(calls).toBe(1);                    // the same closure: one recording confirms the cached programs
  });

  it('bad input is ERR_ARG naming what is wrong', async () => {
    await expect(w.leastSquares((() => undefined) as unknown as (p: T) => T, [1, 2])).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/undefined/) });
    await expect(w.leastSquares(decay, p0(), { tolerance: 1e-8 } as w.LeastSquaresOptions)).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/gradientTolerance.*stepTolerance.*valueTolerance/) });
    await expect(w.leastSquares(decay, p0(), { scaling: 'auto' as 'none' })).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/scaling/) });
    await expect(w.leastSquares(decay, p0(), { stepTolerance: -1 })).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(/stepTolerance/) });
  });
});
