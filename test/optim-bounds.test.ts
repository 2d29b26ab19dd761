// Bounds (issue 15): { lower?, upper? } mirroring x0/p0 for minimize (L-BFGS-B, projected Adam
// and GD) and leastSquares; every malformed bound is ERR_ARG naming the leaf.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const { add, sub, mul, sum, square } = w;

// minimizer W = W*, b = b* without bounds
const Wstar = [[1, -2], [0.5, 3]], bstar = [4, -1, 0.25];
const quad = (p: { W: T; b: T }) => add(sum(square(sub(p.W, Wstar))), mul(3, sum(square(sub(p.b, bstar)))));
const quad0 = () => ({ W: [[0, 0], [0, 0]], b: new Float64Array(3) });
const rejects = (p: Promise<unknown>, msg: RegExp) => expect(p).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(msg) });

describeBackends('bounds', () => {
  it('L-BFGS-B on a pytree: the solution is the projection of the unbounded one (separable quadratic)', async () => {
    const bounds = { lower: { W: -1, b: [0, 0, 0] }, upper: { W: [[0.5, 5], [5, 2]], b: 2 } };
    const r = await w.minimize(quad, quad0(), { bounds });
    expect(r.converged).toBe(true);
    const W = r.x.W as number[][], b = r.x.b as Float64Array;
    expect(W[0][0]).toBe(0.5); expect(W[0][1]).toBe(-1); expect(W[1][0]).toBeCloseTo(0.5, 6); expect(W[1][1]).toBe(2);
    expect(b[0]).toBe(2); expect(b[1]).toBe(0); expect(b[2]).toBeCloseTo(0.25, 6);
    expect(r.history.at(-1)!.gradientNorm).toBeLessThanOrEqual(1e-6);   // the projected gradient (the full one is ≥ 6)
  });

  it('projected Adam and gradient descent stay inside the box and converge on the projected gradient', async () => {
    const bounds = { lower: { W: -Infinity, b: null }, upper: { W: 0.75, b: [3, 0, 0.1] } };
    for (const method of ['adam', 'gd'] as const) {
      const seen: number[] = [];
      const r = await w.minimize(quad, quad0(), { method, learningRate: method === 'adam' ? 0.05 : 0.1, maxIterations: 20000, bounds,
        onIteration: () => { seen.push(0); } });
      expect(r.reason, method).toBe('gradient-tolerance');
      const W = r.x.W as number[][], b = r.x.b as Float64Array;
      expect(W.flat().every((v) => v <= 0.75)).toBe(true);
      expect(W[0][0]).toBeCloseTo(0.75, 7); expect(W[0][1]).toBeCloseTo(-2, 7);
      expect(b[0]).toBeCloseTo(3, 7); expect(b[1]).toBeCloseTo(-1, 7); expect(b[2]).toBeCloseTo(0.1, 7);
    }
  });

  it('a start on a bound with the gradient pushing out converges at once; infinite bounds change nothing', async () => {
    const r = await w.minimize((x: T) => sum(square(sub(x, 5))), new Float64Array([2, 2]), { bounds: { upper: 2 } });
    expect(r.reason).toBe('gradient-tolerance');
    expect(r.iterations).toBe(0);
    expect(Array.from(r.x as Float64Array)).toEqual([2, 2]);
    const rosen = (x: T) => add(mul(100, square(sub(w.at(x, 1), square(w.at(x, 0))))), square(sub(1, w.at(x, 0))));
    const free = await w.minimize(rosen, new Float64Array([-1.2, 1]), { bounds: { lower: -Infinity, upper: null } });
    const plain = await w.minimize(rosen, new Float64Array([-1.2, 1]));
    expect(Array.from(free.x as Float64Array)).toEqual(Array.from(plain.x as Float64Array));
  });

  it('ERR_ARG naming the leaf for malformed bounds and starts outside them', async () => {
    await rejects(w.minimize(quad, quad0(), { bounds: { lower: { W: 0, b: [0, 1, 0] }, upper: { W: 1, b: [1, 0.5, 1] } } }), /bounds\.lower\.b\[1\] = 1 is above bounds\.upper\.b\[1\] = 0\.5/);
    await rejects(w.minimize(quad, quad0(), { bounds: { lower: { W: [[0, NaN], [0, 0]], b: 0 } } }), /bounds\.lower\.W\[1\].*NaN/);
    await rejects(w.minimize(quad, quad0(), { bounds: { lower: { W: 0 } as never } }), /bounds\.lower\.b: missing/);
    await rejects(w.minimize(quad, quad0(), { bounds: { upper: { W: 1, b: 1, c: 1 } as never } }), /bounds\.upper\.c/);
    await rejects(w.minimize(quad, quad0(), { bounds: { upper: { W: [1, 2, 3, 4], b: 1 } as never } }), /bounds\.upper\.W: expected f64\[2,2\].*received f64\[4\]/);
    await rejects(w.minimize(quad, quad0(), { bounds: { lower: { W: -1, b: [0.5, -5, -5] } } }), /x0\.b\[0\] = 0 lies outside its bounds \[0\.5, Infinity\]/);
    await rejects(w.minimize(quad, quad0(), { bounds: { low: 0 } as never }), /option bounds.*'low'/);
    await rejects(w.minimize(quad, quad0(), { bounds: 3 as never }), /option bounds/);
    await rejects(w.leastSquares((p: T) => sub(p, [1, 2]), new Float64Array([0, 0]), { bounds: { lower: [0, 'x'] as never } }), /bounds\.lower/);
    await rejects(w.leastSquares((p: { a: T; b: T }) => w.stack([p.a, p.b]), { a: 0, b: 0 }, { bounds: { upper: { a: 1, b: -1 } } }), /p0\.b = 0 lies outside/);
  });
});
