import { it, expect, describe } from 'vitest';
import { Writable } from 'node:stream';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const { at, add, sub, mul, square, pow, sum, stack } = w;

// ---- test problems (Moré, Garbow & Hillstrom 1981) -----------------------------------------
const rosen = (x: T) => add(mul(100, square(sub(at(x, 1), square(at(x, 0))))), square(sub(1, at(x, 0))));
/** extended Rosenbrock: Σᵢ 100(x₂ᵢ₊₁ − x₂ᵢ²)² + (1 − x₂ᵢ)² (separable pairs) */
const rosenN = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a))));
};
const wood = (x: T) => {
  const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(x, i));
  return sum(stack([mul(100, square(sub(x2, square(x1)))), square(sub(1, x1)), mul(90, square(sub(x4, square(x3)))),
    square(sub(1, x3)), mul(10.1, add(square(sub(x2, 1)), square(sub(x4, 1)))), mul(19.8, mul(sub(x2, 1), sub(x4, 1)))]));
};
const beale = (x: T) => {
  const a = at(x, 0), b = at(x, 1);
  return sum(stack([1.5, 2.25, 2.625].map((c, k) => square(sub(c, sub(a, mul(a, pow(b, k + 1))))))));
};
const powell = (x: T) => {
  const [x1, x2, x3, x4] = [0, 1, 2, 3].map((i) => at(x, i));
  return sum(stack([square(add(x1, mul(10, x2))), mul(5, square(sub(x3, x4))), pow(sub(x2, mul(2, x3)), 4), mul(10, pow(sub(x1, x4), 4))]));
};
const maxErr = (x: Float64Array, want: number[] | ((i: number) => number)) =>
  x.reduce((m, v, i) => Math.max(m, Math.abs(v - (typeof want === 'function' ? want(i) : want[i]))), 0);

// quadratic with object-shaped parameters; minimizer W = W*, b = b*
const Wstar = [[1, -2], [0.5, 3]], bstar = [4, -1, 0.25];
const quad = (p: { W: T; b: T }) => add(sum(square(sub(p.W, Wstar))), mul(3, sum(square(sub(p.b, bstar)))));
const quad0 = () => ({ W: [[0, 0], [0, 0]], b: new Float64Array(3) });

const rejectsArg = (p: Promise<unknown>, msg: RegExp) => expect(p).rejects.toMatchObject({ code: 'ERR_ARG', message: expect.stringMatching(msg) });

describeBackends('minimize: L-BFGS on standard problems', () => {
  it('Rosenbrock 2-D from (−1.2, 1)', async () => {
    const r = await w.minimize(rosen, new Float64Array([-1.2, 1]));
    expect(r.converged).toBe(true);
    expect(r.reason).toBe('gradient-tolerance');
    expect(maxErr(r.x, [1, 1])).toBeLessThan(1e-6);
    expect(r.iterations).toBeLessThanOrEqual(50);
    expect(r.evaluations).toBeGreaterThan(r.iterations);
    expect(r.evaluations).toBeLessThanOrEqual(2 * r.iterations);
    expect(r.history).toHaveLength(r.iterations);
    expect(r.value).toBeLessThan(1e-12);
    expect(r.gradient).toBeInstanceOf(Float64Array);
  });

  it('extended Rosenbrock, n = 1000', async () => {
    const x0 = new Float64Array(1000).map((_, i) => (i % 2 ? 1 : -1.2));
    const r = await w.minimize(rosenN, x0);
    expect(r.converged).toBe(true);
    expect(r.x).toHaveLength(1000);
    expect(maxErr(r.x, () => 1)).toBeLessThan(1e-6);
    expect(r.iterations).toBeLessThanOrEqual(50);
  });

  it('Wood from (−3, −1, −3, −1)', async () => {
    const r = await w.minimize(wood, new Float64Array([-3, -1, -3, -1]));
    expect(r.converged).toBe(true);
    expect(maxErr(r.x, [1, 1, 1, 1])).toBeLessThan(1e-6);
    expect(r.iterations).toBeLessThanOrEqual(120);
  });

  it('Beale from (1, 1)', async () => {
    const r = await w.minimize(beale, new Float64Array([1, 1]));
    expect(r.converged).toBe(true);
    expect(maxErr(r.x, [3, 0.5])).toBeLessThan(1e-6);
    expect(r.iterations).toBeLessThanOrEqual(30);
  });

  it('Powell singular from (3, −1, 0, 1) to f < 1e-12', async () => {
    const r = await w.minimize(powell, new Float64Array([3, -1, 0, 1]));
    expect(r.value).toBeLessThan(1e-12);
    expect(r.value).toBeGreaterThanOrEqual(0);
    expect(r.iterations).toBeLessThanOrEqual(80);
    expect(maxErr(r.x, [0, 0, 0, 0])).toBeLessThan(1e-2); // singular Hessian: x converges slowly
  });

  it('x and gradient mirror a pytree x0 (number, nested arrays, Float64Array)', async () => {
    const f = (p: { s: T; W: T; b: T }) => add(square(sub(p.s, 2)), quad(p));
    const r = await w.minimize(f, { s: 0, ...quad0() });
    expect(typeof r.x.s).toBe('number');
    expect(Array.isArray(r.x.W) && Array.isArray(r.x.W[0])).toBe(true);
    expect(r.x.b).toBeInstanceOf(Float64Array);
    expect(Math.abs(r.x.s - 2)).toBeLessThan(1e-8);
    expect(maxErr(Float64Array.from(r.x.W.flat()), Wstar.flat())).toBeLessThan(1e-8);
    expect(maxErr(r.x.b, bstar)).toBeLessThan(1e-8);
    expect(typeof r.gradient.s).toBe('number');
    expect(Math.abs(r.gradient.W[1][1])).toBeLessThan(1e-8);
  });

  it('memory and tolerances are honoured', async () => {
    const x0 = new Float64Array([-1.2, 1]);
    const loose = await w.minimize(rosen, x0, { gradientTolerance: 1e-2, valueTolerance: 0, stepTolerance: 0 });
    expect(loose.reason).toBe('gradient-tolerance');
    expect(loose.history.at(-1)!.gradientNorm).toBeLessThanOrEqual(1e-2);
    expect(loose.history.slice(0, -1).every((h) => h.gradientNorm > 1e-2)).toBe(true);
    const capped = await w.minimize(rosen, x0, { maxIterations: 5 });
    expect(capped.reason).toBe('max-iterations');
    expect(capped.converged).toBe(false);
    expect(capped.iterations).toBe(5);
    const m1 = await w.minimize(rosenN, new Float64Array(20).map((_, i) => (i % 2 ? 1 : -1.2)), { memory: 1 });
    expect(maxErr(m1.x, () => 1)).toBeLessThan(1e-6);
  });
});

describeBackends('minimize: Adam and gradient descent', () => {
  it('Adam converges on a quadratic with object-shaped parameters', async () => {
    const r = await w.minimize(quad, quad0(), { method: 'adam', learningRate: 0.1, maxIterations: 5000 });
    expect(r.reason).toBe('gradient-tolerance');
    expect(r.converged).toBe(true);
    expect(maxErr(Float64Array.from(r.x.W.flat()), Wstar.flat())).toBeLessThan(1e-8);
    expect(maxErr(r.x.b, bstar)).toBeLessThan(1e-8);
    expect(r.iterations).toBeLessThan(5000);
    expect(r.evaluations).toBe(r.iterations + 1);
  });

  it('gradient descent: lr·∇ steps, and heavy-ball momentum takes fewer iterations', async () => {
    // one step of plain gd from b = 0: b₁ = −lr·∇ = lr·6·b*
    const one = await w.minimize(quad, quad0(), { method: 'gd', learningRate: 0.01, maxIterations: 1 });
    expect(Array.from(one.x.b as Float64Array)).toEqual(bstar.map((v) => 0.01 * 6 * v).map((v) => expect.closeTo(v, 14)));
    const plain = await w.minimize(quad, quad0(), { method: 'gd', learningRate: 0.02 });
    const heavy = await w.minimize(quad, quad0(), { method: 'gd', learningRate: 0.02, momentum: 0.7 });
    for (const r of [plain, heavy]) {
      expect(r.reason).toBe('gradient-tolerance');
      expect(maxErr(r.x.b, bstar)).toBeLessThan(1e-8);
    }
    expect(heavy.iterations).toBeLessThan(plain.iterations / 2);
  });
});

describeBackends('minimize: onIteration, stop, abort', () => {
  it('onIteration is called once per iteration with the history records', async () => {
    const seen: w.IterationInfo[] = [];
    const r = await w.minimize(rosen, [-1.2, 1], { onIteration: (i) => { seen.push(i); } });
    expect(seen).toHaveLength(r.iterations);
    expect(seen).toEqual(r.history);
    expect(seen.map((s) => s.iteration)).toEqual(Array.from({ length: r.iterations }, (_, k) => k + 1));
    for (let k = 1; k < seen.length; k++) {
      expect(seen[k].value).toBeLessThan(seen[k - 1].value);              // L-BFGS is monotone
      expect(seen[k].elapsedMs).toBeGreaterThanOrEqual(seen[k - 1].elapsedMs);
      expect(seen[k].step).toBeGreaterThan(0);
    }
    expect(seen.at(-1)!.value).toBe(r.value);
    expect(Array.isArray(r.x)).toBe(true); // nested number[] in, nested number[] out
  });

  it("returning false stops with reason 'stopped' at that iteration", async () => {
    for (const method of ['lbfgs', 'adam', 'gd'] as const) {
      let calls = 0;
      const r = await w.minimize(rosen, new Float64Array([-1.2, 1]), { method, onIteration: (i) => (++calls, i.iteration < 3) });
      expect(r.reason).toBe('stopped');
      expect(r.converged).toBe(false);
      expect(r.iterations).toBe(3);
      expect(calls).toBe(3);
      if (method === 'lbfgs') expect(r.value).toBe(r.history[2].value);
    }
  });

  it('an already aborted signal resolves at x0 without iterating', async () => {
    for (const method of ['lbfgs', 'adam', 'gd'] as const) {
      const x0 = { W: [[1, 2], [3, 4]], b: new Float64Array([0, 0, 0]) };
      const r = await w.minimize(quad, x0, { method, signal: AbortSignal.abort() });
      expect(r.reason).toBe('aborted');
      expect(r.converged).toBe(false);
      expect(r.iterations).toBe(0);
      expect(r.x).toEqual(x0);
      expect(r.x).not.toBe(x0);
      // Σ(W − W*)² + 3·Σ(b − b*)² at x0
      expect(r.value).toBeCloseTo(0 + 16 + 6.25 + 1 + 3 * (16 + 1 + 0.0625), 12);
    }
  });

  it('an abort stops within one iteration and returns the point reached', async () => {
    const ac = new AbortController();
    const r = await w.minimize(rosen, new Float64Array([-1.2, 1]), { signal: ac.signal, onIteration: (i) => { if (i.iteration === 4) ac.abort(); } });
    expect(r.reason).toBe('aborted');
    expect(r.iterations).toBe(4);
    expect(r.value).toBe(r.history[3].value);
  });

  it('keeps the event loop responsive; a timer abort ends a long run', async () => {
    const ac = new AbortController();
    let ticks = 0, timer: ReturnType<typeof setInterval> | undefined;
    // a 1 ms interval that aborts on its 5th tick: the run can only end if timers fire while it runs
    // (the clock starts at the first iteration: compiling f is not the loop)
    const start = () => { timer = setInterval(() => { if (++ticks === 5) ac.abort(); }, 1); };
    const r = await w.minimize(rosenN, new Float64Array(200).fill(-1), { method: 'adam', gradientTolerance: 0, maxIterations: 1e9, signal: ac.signal,
      onIteration: (i) => { if (i.iteration === 1) start(); } });
    clearInterval(timer);
    expect(r.reason).toBe('aborted');
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(r.iterations).toBeGreaterThan(0);
    // Adam is not monotone: an aborted run returns the lowest point visited
    expect(r.value).toBe(Math.min(...r.history.map((h) => h.value)));
  });
});

describeBackends('minimize: non-finite values and bad input', () => {
  // f = (x − 0.4)² inside x < 0.5, NaN beyond (0·log of a negative number): the first trial step from 0 lands at 0.8
  const walled = (x: T) => add(square(sub(x, 0.4)), mul(0, w.log(sub(0.5, x))));

  it('the line search backs off from NaN and still converges', async () => {
    const seen: number[] = [];
    const r = await w.minimize(walled, 0, { onIteration: (i) => { seen.push(i.value); } });
    expect(r.reason).toBe('gradient-tolerance');
    expect(r.x).toBeCloseTo(0.4, 9);
    expect(seen.every(Number.isFinite)).toBe(true);
    expect(r.evaluations).toBeGreaterThan(r.iterations + 1); // the NaN trial at x = 0.8 was evaluated
  });

  it("unrecoverable NaN: reason 'non-finite' at the last finite point", async () => {
    // finite only at x = 3 exactly
    const spike = (x: T) => w.where(w.equal(x, 3), square(x), mul(x, NaN));
    for (const method of ['lbfgs', 'adam', 'gd'] as const) {
      const r = await w.minimize(spike, 3, { method });
      expect(r.reason).toBe('non-finite');
      expect(r.converged).toBe(false);
      expect(r.x).toBe(3);
      expect(r.value).toBe(9);
    }
    // NaN at x0 itself: nothing to improve on
    const r0 = await w.minimize((x: T) => w.sqrt(x), -1);
    expect(r0.reason).toBe('non-finite');
    expect(r0.x).toBe(-1);
    expect(r0.iterations).toBe(0);
  });

  it('walks toward a domain boundary without ever returning NaN parameters', async () => {
    // minimum of x² on the domain x > 0.3 of log(x − 0.3) lies on the boundary
    const r = await w.minimize((x: T) => add(square(x), mul(0, w.log(sub(x, 0.3)))), 2);
    expect(r.reason).toBe('non-finite');
    expect(Number.isFinite(r.x)).toBe(true);
    expect(r.x).toBeGreaterThan(0.3);
    expect(r.x).toBeLessThan(0.3 + 1e-6);
    expect(r.value).toBeCloseTo(0.09, 6);
  });

  it('ERR_ARG for non-finite x0 and malformed options', async () => {
    await rejectsArg(w.minimize(quad, { W: [[1, NaN], [0, 0]], b: new Float64Array(3) }), /x0\.W\[1\].*finite.*NaN/);
    await rejectsArg(w.minimize(rosen, new Float64Array([Infinity, 1])), /finite.*Infinity/);
    await rejectsArg(w.minimize(rosen, [1, 1], { maxIterations: 'ten' as unknown as number }), /maxIterations.*integer.*"ten"/);
    await rejectsArg(w.minimize(rosen, [1, 1], { maxIterations: 2.5 }), /maxIterations/);
    await rejectsArg(w.minimize(rosen, [1, 1], { method: 'newton' as 'lbfgs' }), /method.*'lbfgs', 'adam' or 'gd'.*newton/);
    await rejectsArg(w.minimize(rosen, [1, 1], { learningRate: -1 }), /learningRate/);
    await rejectsArg(w.minimize(rosen, [1, 1], { momentum: 1 }), /momentum/);
    await rejectsArg(w.minimize(rosen, [1, 1], { memory: 0 }), /memory/);
    await rejectsArg(w.minimize(rosen, [1, 1], { gradientTolerance: NaN }), /gradientTolerance/);
    await rejectsArg(w.minimize(rosen, [1, 1], { signal: 'stop' as unknown as AbortSignal }), /signal.*AbortSignal/);
    await rejectsArg(w.minimize(rosen, [1, 1], { onIteration: 5 as unknown as w.OnIteration }), /onIteration.*function/);
    await rejectsArg(w.minimize(rosen, [1, 1], { maxIter: 10 } as w.MinimizeOptions), /unknown option 'maxIter'/);
    await rejectsArg(w.minimize(rosen, [1, 1], 7 as w.MinimizeOptions), /options object/);
    await rejectsArg(w.minimize('f' as unknown as typeof rosen, [1, 1]), /function/);
    await rejectsArg(w.minimize(rosen, { a: 'x' }), /expected numbers/);
  });
});

// ---- leastSquares ---------------------------------------------------------------------------
const m = 40;
const tt = Float64Array.from({ length: m }, (_, i) => (i * 5) / (m - 1));
const truth = { a: 2.5, b: 1.3, c: 0.5 };
const noise = Float64Array.from({ length: m }, (_, i) => 0.02 * Math.sin(12.9898 * i + 4.1) * Math.cos(78.233 * i));
const decay = (y: Float64Array) => (p: { a: T; b: T; c: T }) => sub(add(mul(p.a, w.exp(mul(w.neg(p.b), tt))), p.c), y);
const clean = tt.map((t) => truth.a * Math.exp(-truth.b * t) + truth.c);
const noisy = clean.map((v, i) => v + noise[i]);

/** inverse of a small SPD matrix by Gauss–Jordan elimination */
function inverse(A: number[][]): number[][] {
  const n = A.length, M = A.map((row, i) => [...row, ...row.map((_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    const p = M[c][c];
    for (let j = 0; j < 2 * n; j++) M[c][j] /= p;
    for (let r = 0; r < n; r++) if (r !== c) { const f = M[r][c]; for (let j = 0; j < 2 * n; j++) M[r][j] -= f * M[c][j]; }
  }
  return M.map((row) => row.slice(n));
}

describeBackends('leastSquares (Levenberg–Marquardt)', () => {
  it('recovers y = a·exp(−b·t) + c from noise-free data to 1e-8', async () => {
    const r = await w.leastSquares(decay(clean), { a: 1, b: 1, c: 0 });
    expect(r.converged).toBe(true);
    for (const k of ['a', 'b', 'c'] as const) expect(Math.abs(r.x[k] - truth[k])).toBeLessThan(1e-8);
    expect(r.cost).toBeLessThan(1e-16);
    expect(r.iterations).toBeLessThanOrEqual(30);
  });

  it('noisy fit: cost, residuals and covariance (JᵀJ)⁻¹·s² from the analytic Jacobian', async () => {
    const r = await w.leastSquares(decay(noisy), { a: 1, b: 1, c: 0 });
    expect(r.converged).toBe(true);
    const { a, b, c } = r.x as { a: number; b: number; c: number };
    const res = tt.map((t, i) => a * Math.exp(-b * t) + c - noisy[i]);
    const cost = res.reduce((s, v) => s + v * v, 0) / 2;
    expect(r.cost).toBeCloseTo(cost, 15);
    expect(r.residualNorm).toBeCloseTo(Math.sqrt(2 * cost), 14);
    expect(r.residuals).toBeInstanceOf(w.Tensor);
    expect(maxErr((r.residuals as T).data(), Array.from(res))).toBeLessThan(1e-14);
    // ∂r/∂a = e^{−bt}, ∂r/∂b = −a·t·e^{−bt}, ∂r/∂c = 1; normal equations hold at the optimum
    const J = Array.from(tt, (t) => [Math.exp(-b * t), -a * t * Math.exp(-b * t), 1]);
    const JtJ = [0, 1, 2].map((i) => [0, 1, 2].map((k) => J.reduce((s, row) => s + row[i] * row[k], 0)));
    const Jtr = [0, 1, 2].map((i) => J.reduce((s, row, q) => s + row[i] * res[q], 0));
    expect(Math.max(...Jtr.map(Math.abs))).toBeLessThan(1e-9);
    const s2 = (2 * cost) / (m - 3);
    const want = inverse(JtJ).map((row) => row.map((v) => v * s2));
    const got = (r.covariance as T).toArray() as number[][];
    expect((r.covariance as T).shape).toEqual([3, 3]);
    for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(Math.abs(got[i][k] - want[i][k])).toBeLessThan(1e-8 * Math.abs(want[i][i]));
    // the estimate lies within a few standard errors of the truth
    expect(Math.abs(a - truth.a)).toBeLessThan(4 * Math.sqrt(want[0][0]));
  });

  it('a Float64Array p0, onIteration, stop and abort', async () => {
    const f = (p: T) => decay(noisy)({ a: at(p, 0), b: at(p, 1), c: at(p, 2) });
    const seen: w.IterationInfo[] = [];
    const r = await w.leastSquares(f, new Float64Array([1, 1, 0]), { onIteration: (i) => { seen.push(i); } });
    expect(r.x).toBeInstanceOf(Float64Array);
    expect(seen).toEqual(r.history);
    expect(seen).toHaveLength(r.iterations);
    expect(seen.at(-1)!.value).toBe(r.cost);
    const stopped = await w.leastSquares(f, new Float64Array([1, 1, 0]), { onIteration: (i) => i.iteration < 2 });
    expect(stopped.reason).toBe('stopped');
    expect(stopped.iterations).toBe(2);
    const aborted = await w.leastSquares(f, new Float64Array([1, 1, 0]), { signal: AbortSignal.abort() });
    expect(aborted.reason).toBe('aborted');
    expect(Array.from(aborted.x as Float64Array)).toEqual([1, 1, 0]);
    expect(aborted.iterations).toBe(0);
  });

  it('non-finite residuals and bad input', async () => {
    const r = await w.leastSquares((p: T) => w.sqrt(sub(p, 2)), 1);
    expect(r.reason).toBe('non-finite');
    expect(r.x).toBe(1);
    expect(r.covariance).toBeNull();
    await rejectsArg(w.leastSquares(decay(clean), { a: NaN, b: 1, c: 0 }), /p0\.a.*finite.*NaN/);
    await rejectsArg(w.leastSquares(decay(clean), { a: 1, b: 1, c: 0 }, { tolerance: 'tight' as unknown as number }), /tolerance/);
    await rejectsArg(w.leastSquares(decay(clean), { a: 1, b: 1, c: 0 }, { method: 'lm' } as w.LeastSquaresOptions), /unknown option 'method'/);
  });

  it('m ≤ n: no covariance', async () => {
    const r = await w.leastSquares((p: T) => sub(square(p), [4, 9]), new Float64Array([1, 1]));
    expect(maxErr(r.x, [2, 3])).toBeLessThan(1e-9);
    expect(r.covariance).toBeNull();
  });
});

describe('progress', () => {
  const sink = (isTTY: boolean) => {
    const chunks: string[] = [];
    const s = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } }) as Writable & { isTTY?: boolean };
    s.isTTY = isTTY;
    return { s, text: () => chunks.join('') };
  };

  it('draws a status line on a TTY and closes it when minimize ends', async () => {
    const { s, text } = sink(true);
    const r = await w.minimize(rosen, [-1.2, 1], { onIteration: w.progress({ stream: s, label: 'rosen', intervalMs: 0 }) });
    const out = text();
    expect(out.endsWith('\n')).toBe(true);
    const last = out.trimEnd().split('\r').at(-1)!;
    expect(last).toMatch(new RegExp(`^rosen  iter ${r.iterations}  loss \\d\\.\\d{4}e-\\d+  \\|∇\\| \\d\\.\\d{2}e-\\d+  [\\d.]+ it/s  [\\d.]+ s`));
    expect(out.split('\r').length - 1).toBe(r.iterations + 1); // every iteration + the final draw
  });

  it('is quiet when the stream is not a TTY', async () => {
    const { s, text } = sink(false);
    const bar = w.progress({ stream: s });
    await w.leastSquares(decay(clean), { a: 1, b: 1, c: 0 }, { onIteration: bar });
    bar.done();
    expect(text()).toBe('');
  });
});
