// Optimizer benchmark (issue 7): iterations, evaluations, wall time and final accuracy.
//   npx tsx bench/optim.ts [--quick] [--json out.json]
// A. extended Rosenbrock, n = 1e3 and 1e5, from (−1.2, 1, −1.2, 1, ...):
//    wengert minimize (L-BFGS) on each available backend  vs  fmin.conjugateGradient with a
//    hand-written gradient (fmin has no AD: the user supplies ∇f; it stops at ‖∇f‖ ≤ 1e-5).
// B. least squares: y = a·exp(−b·t) + c (noise-free, m = 200) and extended Rosenbrock written as
//    residuals (n = m = 100 and 1000): wengert leastSquares (exact Jacobian by forward mode)  vs
//    ml-levenberg-marquardt (forward or central finite differences).
// Wall time: median of repeated runs (≥ 3, ≥ 1 s in total, at most 7; one run for jobs > 5 s).
// "evals" counts value+gradient evaluations (A) or residual-vector evaluations (B; a finite-
// difference Jacobian costs n or 2n of them, an exact one is counted separately as "jac").
import { writeFileSync } from 'node:fs';
import * as w from '../src/index.js';
// fmin 0.0.4's main is a UMD bundle inside a "type": "module" package (Node sees no exports); its ESM source loads under tsx
import * as fmin from 'fmin/index.js';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';

type T = w.Tensor;
interface Row { problem: string; system: string; iterations: number; evals: string; ms: number; accuracy: string; note?: string }

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const rows: Row[] = [];
const backends: ('ts' | 'native')[] = w.nativeInfo().available ? ['native', 'ts'] : ['ts'];

async function timeIt<R>(job: () => R | Promise<R>): Promise<{ ms: number; result: R }> {
  const times: number[] = [];
  let result!: R;
  const budget = quick ? 1 : 3;
  while (times.length < budget || (times.reduce((a, b) => a + b, 0) < 1000 && times.length < 7)) {
    const t0 = performance.now();
    result = await job();
    times.push(performance.now() - t0);
    if (times[0] > 5000) break; // a job of several seconds: one run says enough
  }
  times.sort((a, b) => a - b);
  return { ms: times[times.length >> 1], result };
}

// ---- A. extended Rosenbrock ---------------------------------------------------------------
const rosenN = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
/** the hand-written value and gradient fmin needs */
function rosenHand(x: ArrayLike<number>, g: number[] | Float64Array): number {
  let f = 0;
  for (let i = 0; i < x.length; i += 2) {
    const a = x[i], b = x[i + 1], u = b - a * a, v = 1 - a;
    f += 100 * u * u + v * v;
    g[i] = -400 * a * u - 2 * v;
    g[i + 1] = 200 * u;
  }
  return f;
}
const start = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1.2));
const maxDev = (x: ArrayLike<number>, want: (i: number) => number) => {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - want(i)));
  return m;
};

async function partA(n: number) {
  const problem = `ext-Rosenbrock n=${n}`;
  for (const b of backends) {
    w.setBackend(b);
    const { ms, result: r } = await timeIt(() => w.minimize(rosenN, start(n)));
    rows.push({ problem, system: `wengert-${b} lbfgs`, iterations: r.iterations, evals: String(r.evaluations), ms,
      accuracy: `max|x−1| ${maxDev(r.x, () => 1).toExponential(1)}, f ${r.value.toExponential(1)}`, note: r.reason });
  }
  w.setBackend('ts');
  let calls = 0;
  const { ms, result } = await timeIt(() => {
    calls = 0;
    const out = fmin.conjugateGradient((x: number[], g: number[]) => (calls++, rosenHand(x, g)), Array.from(start(n)), { maxIterations: quick ? 2000 : 20 * n });
    return { out, calls };
  });
  const it = result.out as { x: number[]; fx: number; fxprime: number[] };
  const gn = Math.hypot(...it.fxprime.slice(0, Math.min(it.fxprime.length, 1e5)));
  rows.push({ problem, system: 'fmin conjugateGradient (hand ∇f)', iterations: NaN, evals: String(result.calls), ms,
    accuracy: `max|x−1| ${maxDev(it.x, () => 1).toExponential(1)}, f ${it.fx.toExponential(1)}`, note: `‖∇f‖ ${gn.toExponential(1)}` });
}

// ---- B. least squares ------------------------------------------------------------------------
const m = 200;
const tt = Float64Array.from({ length: m }, (_, i) => (i * 8) / (m - 1));
const truth = [3.2, 0.8, 0.45];
const yy = tt.map((t) => truth[0] * Math.exp(-truth[1] * t) + truth[2]);
const decay = (p: T) => w.sub(w.add(w.mul(w.at(p, 0), w.exp(w.mul(w.neg(w.at(p, 1)), tt))), w.at(p, 2)), yy);
const p0 = [1, 1, 0];

/** extended Rosenbrock as residuals: r₂ᵢ = 10(x₂ᵢ₊₁ − x₂ᵢ²), r₂ᵢ₊₁ = 1 − x₂ᵢ (½‖r‖²·2 = f) */
const rosenRes = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return w.reshape(w.concat([w.mul(10, w.sub(b, w.square(a))), w.sub(1, a)], 1), [-1]);
};
const rosenModel = (p: number[]) => (i: number) => (i % 2 === 0 ? 10 * (p[i + 1] - p[i] * p[i]) : 1 - p[i - 1]);

async function lsq(problem: string, f: (p: T) => T, x0: Float64Array, dev: (x: ArrayLike<number>) => number) {
  for (const b of backends) {
    w.setBackend(b);
    let jac = 0;
    const { ms, result: r } = await timeIt(async () => {
      const res = await w.leastSquares(f, x0.slice(), { tolerance: 1e-12 });
      jac = res.history.filter((h) => h.step > 0).length + 1; // one Jacobian per accepted step + the start
      return res;
    });
    rows.push({ problem, system: `wengert-${b} leastSquares`, iterations: r.iterations, evals: `${r.evaluations} + ${jac} jac`, ms,
      accuracy: `max|Δp| ${dev(r.x).toExponential(1)}, cost ${r.cost.toExponential(1)}`, note: r.reason });
  }
  w.setBackend('ts');
}

function mlLm(problem: string, data: { x: ArrayLike<number>; y: ArrayLike<number> }, model: (p: number[]) => (x: number) => number,
  x0: number[], dev: (x: ArrayLike<number>) => number, variants: { label: string; opts: Record<string, unknown> }[]) {
  return (async () => {
    for (const v of variants) {
      let calls = 0;
      const counted = (p: number[]) => (calls++, model(p));
      const { ms, result } = await timeIt(() => {
        calls = 0;
        const r = levenbergMarquardt(data, counted, { initialValues: x0, maxIterations: 1000, errorTolerance: 1e-20, ...v.opts });
        return { r, calls };
      });
      const r = result.r;
      rows.push({ problem, system: `ml-levenberg-marquardt ${v.label}`, iterations: r.iterations, evals: String(result.calls), ms,
        accuracy: `max|Δp| ${dev(r.parameterValues).toExponential(1)}, cost ${(r.parameterError / 2).toExponential(1)}` });
    }
  })();
}

async function partB() {
  const devDecay = (x: ArrayLike<number>) => maxDev(x, (i) => truth[i]);
  await lsq(`exp-decay fit m=${m}`, decay, Float64Array.from(p0), devDecay);
  await mlLm(`exp-decay fit m=${m}`, { x: tt, y: yy }, (p) => (t) => p[0] * Math.exp(-p[1] * t) + p[2], p0, devDecay, [
    { label: '(defaults: forward FD, h=0.1)', opts: {} },
    { label: '(forward FD, h=1e-6)', opts: { gradientDifference: 1e-6 } },
    { label: '(central FD, h=1e-5)', opts: { gradientDifference: 1e-5, centralDifference: true } },
  ]);
  for (const n of quick ? [100] : [100, 1000]) {
    const problem = `ext-Rosenbrock residuals n=m=${n}`;
    await lsq(problem, rosenRes, start(n), (x) => maxDev(x, () => 1));
    const idx = Array.from({ length: n }, (_, i) => i);
    await mlLm(problem, { x: idx, y: new Float64Array(n) }, rosenModel, Array.from(start(n)), (x) => maxDev(x, () => 1), [
      { label: '(central FD, h=1e-5)', opts: { gradientDifference: 1e-5, centralDifference: true, damping: 1e-2 } },
    ]);
  }
}

async function main() {
  console.log(`optimizer benchmark — wengert backends: ${backends.join(', ')}${w.nativeInfo().available ? '' : ` (native: ${w.nativeInfo().reason})`}`);
  await partA(1000);
  await partA(100_000);
  await partB();
  const cols: (keyof Row)[] = ['problem', 'system', 'iterations', 'evals', 'ms', 'accuracy', 'note'];
  const cell = (r: Row, c: keyof Row) => (c === 'ms' ? r.ms.toFixed(1) : c === 'iterations' && Number.isNaN(r.iterations) ? '–' : String(r[c] ?? ''));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  console.log(`\n| ${cols.map((c, i) => c.padEnd(width[i])).join(' | ')} |`);
  console.log(`|${width.map((wd) => '-'.repeat(wd + 2)).join('|')}|`);
  for (const r of rows) console.log(`| ${cols.map((c, i) => cell(r, c).padEnd(width[i])).join(' | ')} |`);
  if (jsonAt >= 0) writeFileSync(argv[jsonAt + 1], JSON.stringify(rows, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
