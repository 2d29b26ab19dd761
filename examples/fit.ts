// Fitting models with w.minimize and w.leastSquares, with a progress line and the same job timed
// on each backend this machine has.  Run: npx tsx examples/fit.ts
//  1. L2-regularised logistic regression on generated data (L-BFGS).
//  2. The curve y = a·exp(−b·t) + c fitted to noisy samples (Levenberg–Marquardt), with the
//     standard errors of the estimate.
import * as w from '../src/index.js';
import { rng } from './rng.js';

type T = w.Tensor;

// ---- 1. logistic regression ---------------------------------------------------------------------
const rows = 20_000, k = 20, lambda = 1e-3;
const r1 = rng(1);
const trueW = Float64Array.from({ length: k }, (_, j) => Math.sin(j + 1) * 1.5);
const trueB = -0.3;
const Xdata = Float64Array.from({ length: rows * k }, () => r1.normal());
const ydata = Float64Array.from({ length: rows }, (_, i) => {
  let z = trueB;
  for (let j = 0; j < k; j++) z += Xdata[i * k + j] * trueW[j];
  return r1.u() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
});
const X = w.tensor(Xdata, [rows, k]), Y = w.tensor(ydata);

// mean negative log-likelihood: mean(softplus(z) − y·z), z = X·w + b, plus (λ/2)‖w‖²
const logregLoss = (p: { w: T; b: T }) => {
  const z = w.add(w.matmul(X, p.w), p.b);
  return w.add(w.mean(w.sub(w.softplus(z), w.mul(Y, z))), w.mul(lambda / 2, w.sum(w.square(p.w))));
};

// ---- 2. exponential decay ---------------------------------------------------------------------
const m = 200;
const r2 = rng(2);
const truth = { a: 3.2, b: 0.8, c: 0.45 }, sigma = 0.05;
const t = Float64Array.from({ length: m }, (_, i) => (i * 8) / (m - 1));
const y = t.map((ti) => truth.a * Math.exp(-truth.b * ti) + truth.c + sigma * r2.normal());
const decay = (p: { a: T; b: T; c: T }) => w.sub(w.add(w.mul(p.a, w.exp(w.mul(w.neg(p.b), t))), p.c), y);

// ---- the same jobs on every backend -----------------------------------------------------------
async function jobs(label: string, show: boolean) {
  const bar = (name: string) => w.progress({ label: `${name} [${label}]`, ...(show ? {} : { enabled: false }) });
  const t0 = performance.now();
  const fit = await w.minimize(logregLoss, { w: new Float64Array(k), b: 0 }, { onIteration: bar('logreg') });
  const t1 = performance.now();
  const curve = await w.leastSquares(decay, { a: 1, b: 1, c: 0 }, { onIteration: bar('decay ') });
  const t2 = performance.now();
  return { fit, curve, logregMs: t1 - t0, decayMs: t2 - t1 };
}

async function main() {
  const info = w.nativeInfo();
  const backends: ('ts' | 'native')[] = info.available ? ['native', 'ts'] : ['ts'];
  console.log(`wengert fit demo — backends: ${backends.join(', ')}${info.available ? ` (native simd: ${info.simd})` : ` (native unavailable: ${info.reason})`}`);
  console.log(`logistic regression: ${rows} rows × ${k} features, L-BFGS;  curve fit: ${m} points, Levenberg–Marquardt\n`);
  const results = [];
  for (const b of backends) {
    w.setBackend(b);
    await jobs(b, false); // warm-up: JIT and trace caches, so the timed runs compare backends, not start-up
    results.push({ b, ...(await jobs(b, true)) });
  }
  w.setBackend('ts');

  const { fit, curve } = results[0];
  const wHat = fit.x.w as Float64Array;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    let z = fit.x.b as number;
    for (let j = 0; j < k; j++) z += Xdata[i * k + j] * wHat[j];
    if ((z > 0 ? 1 : 0) === ydata[i]) correct++;
  }
  const cosine = wHat.reduce((s, v, j) => s + v * trueW[j], 0) / Math.hypot(...wHat) / Math.hypot(...trueW);
  if (!process.stdout.isTTY) {
    // without a TTY there is no progress line: show the loss falling from the history instead
    const h = fit.history;
    const picks = h.filter((_, i) => i < 4 || i === h.length - 1 || (i & (i - 1)) === 0);
    console.log('L-BFGS on the logistic loss:');
    for (const r of picks) console.log(`  iter ${String(r.iteration).padStart(3)}  loss ${r.value.toFixed(8)}  |∇| ${r.gradientNorm.toExponential(2)}`);
  }
  console.log(`\nlogistic regression: ${fit.reason} after ${fit.iterations} iterations (${fit.evaluations} evaluations), ` +
    `loss ${fit.value.toFixed(6)}, training accuracy ${((100 * correct) / rows).toFixed(2)} %, cos(ŵ, w_true) = ${cosine.toFixed(4)}`);

  const p = curve.x as { a: number; b: number; c: number };
  const se = curve.standardErrors as { a: number; b: number; c: number };
  console.log(`curve fit: ${curve.reason} (converged: ${curve.converged}) after ${curve.iterations} iterations, residual norm ${curve.residualNorm.toFixed(4)}`);
  (['a', 'b', 'c'] as const).forEach((name) => {
    const off = Math.abs(p[name] - truth[name]) / se[name];
    console.log(`  ${name} = ${p[name].toFixed(4)} ± ${se[name].toFixed(4)}   (truth ${truth[name]}: ${off.toFixed(1)} standard errors away)`);
  });

  console.log('\ntime for the same jobs:');
  for (const r of results) console.log(`  ${r.b.padEnd(6)}  logistic regression ${r.logregMs.toFixed(0).padStart(6)} ms   curve fit ${r.decayMs.toFixed(0).padStart(5)} ms`);
  if (results.length === 2) console.log(`  native speed-up: ${(results[1].logregMs / results[0].logregMs).toFixed(1)}× (logistic regression)`);
  else console.log('  (the native addon is not available on this machine, so only the TS backend ran)');
}

main().catch((e) => { console.error(e); process.exit(1); });
