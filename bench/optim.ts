// Optimizer benchmark (issues 7 and 15): accuracy on reference problem sets, iterations,
// evaluations and wall time.
//   npx tsx bench/optim.ts [--quick] [--only nist,mgh,lbfgsb,small,overhead,rosen,lsq] [--json out.json]
// Sections:
//   nist      NIST StRD nonlinear regression: 27 problems × 2 certified starts, default options, per
//             difficulty and backend (pass = every parameter LRE ≥ 4 and RSS LRE ≥ 6), and the fits
//             that claim convergence with a parameter LRE < 4 (must be none)
//   mgh       Moré–Garbow–Hillstrom 1–21 with minimize (and leastSquares): at f*, at a published
//             local minimum, or failed
//   lbfgsb    L-BFGS-B vs scipy's L-BFGS-B on the bounded problems of test/data (active set, f)
//   small     a 3-parameter, 200-point exponential fit: the whole leastSquares call after warm-up
//   overhead  L-BFGS per-iteration cost at n = 1e5 beyond the gradient evaluations, on chained and
//             extended Rosenbrock, as a multiple of one gradient evaluation
//   rosen     extended Rosenbrock n = 1e3 and 1e5: minimize vs fmin.conjugateGradient (hand ∇f)
//   lsq       exponential decay and Rosenbrock residuals: leastSquares vs ml-levenberg-marquardt
// Wall times are medians of repeated runs (the count is printed); the machine's load is printed too.
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import * as w from '../src/index.js';
// fmin 0.0.4's main is a UMD bundle inside a "type": "module" package (Node sees no exports); its ESM source loads under tsx
import * as fmin from 'fmin/index.js';
import { levenbergMarquardt } from 'ml-levenberg-marquardt';
import { NIST_NAMES, loadNist, fitNist, score, type Difficulty } from '../test/data/nist.js';
import { MGH, objective, classify } from '../test/data/mgh.js';
import { LBFGSB_FUNCTIONS, scipyReferences, activeSet } from '../test/data/lbfgsb-problems.js';

type T = w.Tensor;
type Backend = 'ts' | 'native';
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const onlyAt = argv.indexOf('--only');
const sections = onlyAt >= 0 ? argv[onlyAt + 1].split(',') : ['nist', 'mgh', 'lbfgsb', 'small', 'overhead', 'rosen', 'lsq'];
const backends: Backend[] = w.nativeInfo().available ? ['native', 'ts'] : ['ts'];
const report: Record<string, unknown> = { backends, load: loadavg()[0] };

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
function table(cols: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);
  const width = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => cell(r[i]).length)));
  console.log(`| ${cols.map((c, i) => c.padEnd(width[i])).join(' | ')} |`);
  console.log(`|${width.map((wd) => '-'.repeat(wd + 2)).join('|')}|`);
  for (const r of rows) console.log(`| ${r.map((v, i) => cell(v).padEnd(width[i])).join(' | ')} |`);
}
async function timeIt<R>(job: () => R | Promise<R>, minRuns = quick ? 3 : 7, budgetMs = 1000): Promise<{ ms: number; runs: number; result: R }> {
  const times: number[] = [];
  let result!: R;
  while (times.length < minRuns || (times.reduce((a, b) => a + b, 0) < budgetMs && times.length < 51)) {
    const t0 = performance.now();
    result = await job();
    times.push(performance.now() - t0);
    if (times[0] > 5000) break;
  }
  return { ms: median(times), runs: times.length, result };
}

// ---- NIST StRD ---------------------------------------------------------------------------------
async function nist() {
  console.log('\n## NIST StRD nonlinear regression (leastSquares, default options; pass = parameters LRE ≥ 4, RSS LRE ≥ 6)\n');
  const rows: (string | number)[][] = [], out: Record<string, unknown> = {};
  for (const b of backends) {
    w.setBackend(b);
    const tally: Record<Difficulty, [number, number]> = { lower: [0, 0], average: [0, 0], higher: [0, 0] };
    const failed: string[] = [], wrongConverged: string[] = [];
    let iterations = 0, evaluations = 0, jacobians = 0;
    const t0 = performance.now();
    for (const name of NIST_NAMES) {
      const p = loadNist(name);
      for (const s of [0, 1] as const) {
        const r = await fitNist(p, s);
        const sc = score(p, r.x, 2 * r.cost);
        tally[p.difficulty][1]++;
        if (sc.pass) tally[p.difficulty][0]++;
        else failed.push(`${name}/${s + 1} (params ${sc.paramLre.toFixed(1)}, RSS ${sc.rssLre.toFixed(1)})`);
        if (r.converged && sc.paramLre < 4) wrongConverged.push(`${name}/${s + 1}`);
        iterations += r.iterations; evaluations += r.evaluations; jacobians += r.jacobianEvaluations;
      }
    }
    const ms = performance.now() - t0;
    const all = Object.values(tally).reduce((a, [p]) => a + p, 0);
    rows.push([`w.leastSquares (${b})`, tally.lower[0], tally.average[0], tally.higher[0], all, wrongConverged.length, `${ms.toFixed(0)} ms`]);
    out[b] = { tally, all, failed, wrongConverged, iterations, evaluations, jacobians, ms };
    console.log(`${b}: failed ${failed.join(', ') || 'none'}; ${iterations} accepted steps, ${evaluations} residual and ${jacobians} Jacobian evaluations in all`);
  }
  rows.push(['issue 15 baseline: w.leastSquares before', 12, 13, 13, 38, '(several)', '']);
  rows.push(['scipy least_squares lm (MINPACK), 2-point J', 16, 15, 12, 43, '', '']);
  rows.push(['MINPACK, exact J, tolerances 1e-15', 16, 20, 15, 51, '', '']);
  console.log();
  table(['solver', 'lower (16)', 'average (22)', 'higher (16)', 'all (54)', 'converged with LRE < 4', 'sweep time'], rows);
  report.nist = out;
  w.setBackend('ts');
}

// ---- Moré–Garbow–Hillstrom -----------------------------------------------------------------------
async function mgh() {
  console.log('\n## Moré–Garbow–Hillstrom 1–21 from the standard starting points (default options)\n');
  const rows: (string | number)[][] = [], out: Record<string, unknown> = {};
  for (const b of backends) {
    w.setBackend(b);
    const count = { minimize: { 'f*': 0, local: 0, failed: 0 }, leastSquares: { 'f*': 0, local: 0, failed: 0 } };
    const details: string[] = [];
    for (const p of MGH) {
      const r = await w.minimize(objective(p), Float64Array.from(p.x0));
      const c = classify(p, r.value);
      count.minimize[c]++;
      const l = await w.leastSquares(p.residuals, Float64Array.from(p.x0));
      count.leastSquares[classify(p, 2 * l.cost)]++;
      if (c !== 'f*') details.push(`${p.id} ${p.name}: ${c} f = ${r.value.toPrecision(6)}`);
      if (b === backends[0]) rows.push([p.id, p.name, r.value.toPrecision(6), String(p.fstar), c, r.reason, r.iterations, r.evaluations, (2 * l.cost).toPrecision(6), l.iterations]);
    }
    out[b] = { ...count, details };
    console.log(`${b}: minimize ${JSON.stringify(count.minimize)}, leastSquares ${JSON.stringify(count.leastSquares)}${details.length ? ` — ${details.join('; ')}` : ''}`);
  }
  console.log();
  table(['#', 'problem', 'minimize f', 'f*', 'outcome', 'reason', 'it', 'evals', 'leastSquares f', 'lsq it'], rows);
  report.mgh = out;
  w.setBackend('ts');
}

// ---- L-BFGS-B vs scipy ---------------------------------------------------------------------------
async function lbfgsb() {
  const refs = scipyReferences();
  console.log(`\n## L-BFGS-B vs scipy ${refs.scipy} L-BFGS-B (bounded problems of test/data/lbfgsb-scipy.py)\n`);
  const rows: (string | number)[][] = [];
  let worst = 0, sameActive = 0;
  for (const b of backends) {
    w.setBackend(b);
    for (const p of refs.problems) {
      const bounds = { lower: Float64Array.from(p.lower, (v) => v ?? -Infinity), upper: Float64Array.from(p.upper, (v) => v ?? Infinity) };
      const r = await w.minimize(LBFGSB_FUNCTIONS[p.name], Float64Array.from(p.x0), { bounds });
      const same = activeSet(r.x, p.lower, p.upper).every((a, i) => a === p.active[i]);
      const rel = Math.abs(r.value - p.f) / Math.abs(p.f);
      worst = Math.max(worst, rel);
      if (same) sameActive++;
      rows.push([b, p.name, r.value.toPrecision(12), p.f.toPrecision(12), rel.toExponential(1), same ? 'same' : 'DIFFERENT', `${r.iterations}/${p.iterations}`, `${r.evaluations}/${p.evaluations}`, r.reason]);
    }
  }
  table(['backend', 'problem', 'f (wengert)', 'f (scipy)', 'rel. diff', 'active set', 'it (w/scipy)', 'evals (w/scipy)', 'reason'], rows);
  console.log(`\nsame active set ${sameActive}/${rows.length}, largest relative difference in f ${worst.toExponential(1)}`);
  report.lbfgsb = { rows, worst, sameActive };
  w.setBackend('ts');
}

// ---- small fit -----------------------------------------------------------------------------------
const m = 200;
const tt = Float64Array.from({ length: m }, (_, i) => (i * 8) / (m - 1));
const truth = [3.2, 0.8, 0.45];
const yy = tt.map((t, i) => truth[0] * Math.exp(-truth[1] * t) + truth[2] + 0.01 * Math.sin(37 * i));
const decay = (p: T) => w.sub(w.add(w.mul(w.at(p, 0), w.exp(w.mul(w.neg(w.at(p, 1)), tt))), w.at(p, 2)), yy);
const decayArgs = (p: T, t: T, y: T) => w.sub(w.add(w.mul(w.at(p, 0), w.exp(w.mul(w.neg(w.at(p, 1)), t))), w.at(p, 2)), y);

async function small() {
  console.log(`\n## Small fit: y = a·exp(−b·t) + c, ${m} points, the whole leastSquares call after warm-up (target ≤ 2 ms)\n`);
  const rows: (string | number)[][] = [], out: Record<string, number> = {};
  for (const b of backends) {
    w.setBackend(b);
    for (const [label, job] of [['closure over the data', () => w.leastSquares(decay, [1, 1, 0])],
      ['data through args', () => w.leastSquares(decayArgs, [1, 1, 0], { args: [tt, yy] })]] as const) {
      for (let i = 0; i < 30; i++) await job();
      const { ms, runs, result } = await timeIt(job, 101, 0);
      rows.push([b, label, ms.toFixed(3), runs, result.iterations, `${result.evaluations} + ${result.jacobianEvaluations} J`, result.reason]);
      out[`${b} ${label}`] = ms;
    }
  }
  let calls = 0;
  const ml = await timeIt(() => {
    calls = 0;
    return levenbergMarquardt({ x: tt, y: yy }, (p: number[]) => (t: number) => (calls++, p[0] * Math.exp(-p[1] * t) + p[2]),
      { initialValues: [1, 1, 0], gradientDifference: 1e-6 });
  }, 101, 0);
  const mlDev = Math.max(...ml.result.parameterValues.map((v, i) => Math.abs(v - truth[i])));
  rows.push(['js', `ml-levenberg-marquardt defaults, forward FD h=1e-6 (max|Δp| ${mlDev.toExponential(1)})`, ml.ms.toFixed(3), ml.runs, ml.result.iterations, String(calls), '']);
  table(['backend', 'residuals', 'median ms', 'runs', 'iterations', 'evaluations', 'reason'], rows);
  report.small = out;
  w.setBackend('ts');
}

// ---- L-BFGS per-iteration overhead at n = 1e5 -------------------------------------------------------
const N = 100_000;
const chained = (x: T) => {
  const n = x.shape[0], a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
const rosenN = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
const start = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1.2));

async function overhead() {
  console.log(`\n## L-BFGS per-iteration overhead at n = 1e5 (memory 10): (time per iteration − evaluations per iteration × one gradient) ÷ one gradient (target ≤ 2)\n`);
  const rows: (string | number)[][] = [], out: Record<string, unknown> = {};
  const reps = quick ? 3 : 7;
  for (const b of backends) {
    w.setBackend(b);
    for (const [name, f, iters] of [['chained Rosenbrock', chained, 60], ['extended Rosenbrock', rosenN, 36]] as const) {
      const P = w.compile(f, start(N)), g = new Float64Array(N), x = start(N);
      const grads: number[] = [], perIts: number[] = [], ratios: number[] = [];
      let evPerIt = 0;
      for (let rep = 0; rep < reps; rep++) {
        for (let i = 0; i < 5; i++) P.valueAndGradInto(g, x);
        const k = b === 'ts' ? 10 : 50, t0 = performance.now();
        for (let i = 0; i < k; i++) P.valueAndGradInto(g, x);
        const tg = (performance.now() - t0) / k;
        const r = await w.minimize(f, start(N), { maxIterations: iters, gradientTolerance: 0, valueTolerance: 0, stepTolerance: 0 });
        const h = r.history, from = 10;
        const perIt = (h.at(-1)!.elapsedMs - h[from - 1].elapsedMs) / (h.length - from);
        evPerIt = (r.evaluations - 1) / r.iterations;
        grads.push(tg); perIts.push(perIt); ratios.push((perIt - evPerIt * tg) / tg);
      }
      const ratio = median(ratios);
      rows.push([b, name, median(grads).toFixed(3), median(perIts).toFixed(3), evPerIt.toFixed(2), (median(perIts) - evPerIt * median(grads)).toFixed(3), ratio.toFixed(2), reps]);
      out[`${b} ${name}`] = { gradientMs: median(grads), iterationMs: median(perIts), evaluationsPerIteration: evPerIt, overheadRatio: ratio };
    }
  }
  table(['backend', 'function', 'gradient ms', 'iteration ms', 'evals/it', 'overhead ms', 'overhead ÷ gradient', 'runs (median)'], rows);
  console.log('(before issue 15: ~13–18 ms of overhead per iteration at n = 1e5)');
  report.overhead = out;
  w.setBackend('ts');
}

// ---- extended Rosenbrock vs fmin ----------------------------------------------------------------------
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
const maxDev = (x: ArrayLike<number>, want: (i: number) => number) => {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - want(i)));
  return d;
};

async function rosen() {
  console.log('\n## Extended Rosenbrock from (−1.2, 1, …): minimize (L-BFGS) vs fmin.conjugateGradient with a hand-written gradient\n');
  const rows: (string | number)[][] = [];
  for (const n of [1000, 100_000]) {
    for (const b of backends) {
      w.setBackend(b);
      const { ms, runs, result: r } = await timeIt(() => w.minimize(rosenN, start(n)), quick ? 1 : 3, 0);
      rows.push([`n=${n}`, `wengert-${b} lbfgs`, r.iterations, r.evaluations, ms.toFixed(1), runs, `max|x−1| ${maxDev(r.x, () => 1).toExponential(1)}, f ${r.value.toExponential(1)}, ${r.reason}`]);
    }
    w.setBackend('ts');
    let calls = 0;
    const { ms, runs, result } = await timeIt(() => {
      calls = 0;
      return fmin.conjugateGradient((x: number[], g: number[]) => (calls++, rosenHand(x, g)), Array.from(start(n)), { maxIterations: quick ? 2000 : 20 * n });
    }, 1, 0);
    const it = result as { x: number[]; fx: number };
    rows.push([`n=${n}`, 'fmin conjugateGradient (hand ∇f)', '–', calls, ms.toFixed(1), runs, `max|x−1| ${maxDev(it.x, () => 1).toExponential(1)}, f ${it.fx.toExponential(1)}`]);
  }
  table(['problem', 'system', 'iterations', 'evals', 'ms (median)', 'runs', 'accuracy'], rows);
}

// ---- least squares vs ml-levenberg-marquardt ------------------------------------------------------------
const rosenRes = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return w.reshape(w.concat([w.mul(10, w.sub(b, w.square(a))), w.sub(1, a)], 1), [-1]);
};
const rosenModel = (p: number[]) => (i: number) => (i % 2 === 0 ? 10 * (p[i + 1] - p[i] * p[i]) : 1 - p[i - 1]);

async function lsq() {
  console.log('\n## leastSquares (exact Jacobian, compiled) vs ml-levenberg-marquardt (finite differences)\n');
  const rows: (string | number)[][] = [];
  const fitDev = (x: ArrayLike<number>) => maxDev(x, (i) => truth[i]);
  const cases: [string, (p: T) => T, Float64Array, (x: ArrayLike<number>) => number][] = [[`exp-decay m=${m}`, decay, Float64Array.of(1, 1, 0), fitDev]];
  for (const n of quick ? [100] : [100, 1000]) cases.push([`ext-Rosenbrock residuals n=m=${n}`, rosenRes, start(n), (x) => maxDev(x, () => 1)]);
  for (const [problem, f, x0, dev] of cases) {
    for (const b of backends) {
      w.setBackend(b);
      const { ms, runs, result: r } = await timeIt(() => w.leastSquares(f, x0.slice()), quick ? 1 : 3, 0);
      rows.push([problem, `wengert-${b} leastSquares`, r.iterations, `${r.evaluations} + ${r.jacobianEvaluations} J`, ms.toFixed(1), runs, `max|Δp| ${dev(r.x).toExponential(1)}, cost ${r.cost.toExponential(1)}, ${r.reason}`]);
    }
    w.setBackend('ts');
    const isDecay = problem.startsWith('exp');
    const data = isDecay ? { x: tt, y: yy } : { x: Array.from(x0, (_, i) => i), y: new Float64Array(x0.length) };
    const model = isDecay ? (p: number[]) => (t: number) => p[0] * Math.exp(-p[1] * t) + p[2] : rosenModel;
    let calls = 0;
    const { ms, runs, result } = await timeIt(() => {
      calls = 0;
      return levenbergMarquardt(data, (p: number[]) => (calls++, model(p)), { initialValues: Array.from(x0), maxIterations: 1000, errorTolerance: 1e-20,
        gradientDifference: 1e-5, centralDifference: true, damping: isDecay ? 1e-3 : 1e-2 });
    }, quick ? 1 : 3, 0);
    rows.push([problem, 'ml-levenberg-marquardt (central FD, h=1e-5)', result.iterations, String(calls), ms.toFixed(1), runs, `max|Δp| ${dev(result.parameterValues).toExponential(1)}`]);
  }
  table(['problem', 'system', 'iterations', 'evals', 'ms (median)', 'runs', 'accuracy'], rows);
}

async function main() {
  const info = w.nativeInfo();
  console.log(`optimizer benchmark — backends: ${backends.join(', ')}${info.available ? ` (native ${info.simd})` : ` (native: ${info.reason})`}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const jobs: Record<string, () => Promise<void>> = { nist, mgh, lbfgsb, small, overhead, rosen, lsq };
  for (const s of sections) {
    if (!jobs[s]) throw new Error(`unknown section ${s}; expected some of ${Object.keys(jobs).join(',')}`);
    await jobs[s]();
  }
  if (jsonAt >= 0) writeFileSync(argv[jsonAt + 1], JSON.stringify(report, null, 2));
}

main().catch((e) => { console.error(e); process.exit(1); });
