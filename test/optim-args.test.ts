// The `args` option (issue 15): fixed extra arguments for f, or a function of the iteration
// returning them (possibly async) — minibatches, data that changes between fits without
// recompiling — and the checks on their arity and structure.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const { sub, mul, add, sum, square, matmul, mean, at, exp, neg } = w;

/** seeded generator (mulberry32) */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => { s = (s + 0x6d2b79f5) >>> 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32; };
}

// linear regression data: y = X·β + small deterministic noise
const rows = 400, k = 3, beta = [1.5, -2, 0.5];
const gen = rng(3);
const Xd = Float64Array.from({ length: rows * k }, () => 2 * gen() - 1);
const X = w.tensor(Xd, [rows, k]);
const yd = Float64Array.from({ length: rows }, (_, r) => beta.reduce((s, b, j) => s + b * Xd[r * k + j], 0) + 0.01 * Math.cos(7 * r));
const mse = (b: T, x: T, y: T) => mean(square(sub(matmul(x, b), y)));

/** least-squares solution of X β = y by the normal equations (3×3, reference only) */
function solve3(xd: Float64Array, y: Float64Array, n: number): number[] {
  const A = [0, 1, 2].map((i) => [0, 1, 2].map((j) => { let s = 0; for (let r = 0; r < n; r++) s += xd[r * 3 + i] * xd[r * 3 + j]; return s; }));
  const b = [0, 1, 2].map((i) => { let s = 0; for (let r = 0; r < n; r++) s += xd[r * 3 + i] * y[r]; return s; });
  for (let c = 0; c < 3; c++) for (let r = c + 1; r < 3; r++) { const f = A[r][c] / A[c][c]; for (let j = c; j < 3; j++) A[r][j] -= f * A[c][j]; b[r] -= f * b[c]; }
  const x = [0, 0, 0];
  for (let r = 2; r >= 0; r--) { let s = b[r]; for (let j = r + 1; j < 3; j++) s -= A[r][j] * x[j]; x[r] = s / A[r][r]; }
  return x;
}

describeBackends('args: extra arguments for f', () => {
  it('fixed args give what a closure gives, for minimize and leastSquares', async () => {
    const viaArgs = await w.minimize(mse, new Float64Array(3), { args: [X, yd] });
    const viaClosure = await w.minimize((b: T) => mse(b, X, w.tensor(yd)), new Float64Array(3));
    expect(viaArgs.converged).toBe(true);
    const want = solve3(Xd, yd, rows);
    viaArgs.x.forEach((v: number, i: number) => { expect(v).toBeCloseTo(want[i], 7); expect(v).toBeCloseTo(viaClosure.x[i], 7); });
    const lsq = await w.leastSquares((b: T, x: T, y: T) => sub(matmul(x, b), y), new Float64Array(3), { args: [X, yd] });
    lsq.x.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i], 9));
  });

  it('new data through args reuses the compiled programs and fits the new data', async () => {
    let calls = 0;
    const model = (p: T, t: T, y: T) => { calls++; return sub(mul(at(p, 0), exp(mul(neg(at(p, 1)), t))), y); };
    const t = Float64Array.from({ length: 50 }, (_, i) => i / 10);
    for (const [a, b] of [[2, 0.5], [3, 1.5], [0.5, 0.2]]) {
      const y = t.map((ti) => a * Math.exp(-b * ti));
      calls = 0;
      const r = await w.leastSquares(model, new Float64Array([1, 1]), { args: [t, y] });
      expect(r.x[0]).toBeCloseTo(a, 8);
      expect(r.x[1]).toBeCloseTo(b, 8);
      if (a !== 2) expect(calls).toBe(1);   // after the first fit: one recording, no compilation
    }
  });

  it('a closure that changed between calls is never served a stale program', async () => {
    let target = 1;
    const f = (x: T) => sum(square(sub(x, target)));
    expect((await w.minimize(f, new Float64Array(2))).x[0]).toBeCloseTo(1, 8);
    target = 3;
    expect((await w.minimize(f, new Float64Array(2))).x[0]).toBeCloseTo(3, 8);
  });

  it('minibatch Adam: args(iteration) draws a batch each iteration', async () => {
    const batch = 40, next = rng(7), seen: number[] = [];
    const draw = (i: number) => {
      seen.push(i);
      const xb = new Float64Array(batch * k), ybt = new Float64Array(batch);
      for (let r = 0; r < batch; r++) {
        const q = Math.floor(next() * rows);
        xb.set(Xd.subarray(q * k, q * k + k), r * k);
        ybt[r] = yd[q];
      }
      return [w.tensor(xb, [batch, k]), ybt];
    };
    const r = await w.minimize(mse, new Float64Array(3), { method: 'adam', learningRate: 0.05, maxIterations: 600, gradientTolerance: 0, args: draw });
    expect(r.reason).toBe('max-iterations');
    expect(seen.slice(0, 4)).toEqual([0, 1, 2, 3]);   // once per iteration, in order
    expect(seen).toHaveLength(601);
    r.x.forEach((v: number, i: number) => expect(Math.abs(v - beta[i])).toBeLessThan(0.05));
  });

  it('an async args function is awaited; L-BFGS evaluates each iteration on its own args', async () => {
    let draws = 0;
    const r = await w.minimize(mse, new Float64Array(3), { args: async () => { draws++; await new Promise((res) => setTimeout(res, 0)); return [X, yd]; } });
    expect(r.converged).toBe(true);
    expect(draws).toBe(r.iterations);     // args(0) for the start, then one draw per later iteration
    const want = solve3(Xd, yd, rows);
    r.x.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i], 6));
  });

  it('ERR_ARG for args of the wrong arity, type or structure, naming the argument', async () => {
    const code = { code: 'ERR_ARG' };
    await expect(w.minimize(mse, new Float64Array(3), { args: [X] })).rejects.toMatchObject({ ...code, message: expect.stringMatching(/declares 3 parameters.*1 argument/) });
    await expect(w.minimize(mse, new Float64Array(3), { args: [X, yd, 3] })).rejects.toMatchObject({ ...code, message: expect.stringMatching(/args\[2\]/) });
    await expect(w.minimize((b: T) => sum(square(b)), new Float64Array(3), { args: [1] })).rejects.toMatchObject(code);
    await expect(w.minimize(mse, new Float64Array(3), { args: X as unknown as unknown[] })).rejects.toMatchObject({ ...code, message: expect.stringMatching(/option args/) });
    await expect(w.minimize(mse, new Float64Array(3), { args: () => 5 as unknown as unknown[] })).rejects.toMatchObject({ ...code, message: expect.stringMatching(/args\(0\).*array/) });
    // a later draw with another shape
    const shrinking = (i: number) => (i < 3 ? [X, yd] : [w.tensor(Xd.subarray(0, 30), [10, 3]), yd.subarray(0, 10)]);
    await expect(w.minimize(mse, new Float64Array(3), { method: 'gd', args: shrinking })).rejects.toMatchObject({ ...code, message: expect.stringMatching(/args\(3\)\[0\].*f64\[400,3\].*f64\[10,3\]/) });
    // rest parameters take any number
    const rest = (b: T, ...more: T[]) => add(sum(square(b)), mul(0, sum(more[0])));
    await expect(w.minimize(rest, new Float64Array(2), { args: [[1, 2], 3] })).resolves.toMatchObject({ converged: true });
  });
});
