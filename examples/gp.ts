// Gaussian-process regression: the hyperparameters of a squared-exponential kernel (length scale ℓ,
// signal variance σ_f², noise variance σ_n²) fitted by maximizing the log marginal likelihood with
// w.minimize (L-BFGS on their logarithms), the Cholesky factor and its solves inside the function
// being differentiated. Timed on every backend this machine has.  Run: npx tsx examples/gp.ts [n]
//
//   K = σ_f²·exp(−(xᵢ − xⱼ)²/(2ℓ²)) + σ_n²·I,  L = chol(K),  α = K⁻¹y (two triangular solves)
//   −log p(y) = ½·yᵀα + Σ log Lᵢᵢ + (n/2)·log 2π
import * as w from '../src/index.js';
import { rng } from './rng.js';

type T = w.Tensor;

// data: a smooth function sampled at n random points in [0, 10] with noise of standard deviation 0.2
const n = Number(process.argv[2] ?? 400);
const truth = { lengthScale: 1.3, signalStd: 1.0, noiseStd: 0.2 };
const r = rng(7);
const xs = Float64Array.from({ length: n }, () => 10 * r.u()).sort();
const f = (x: number) => Math.sin(x) + 0.5 * Math.sin(2.1 * x + 1);
const ys = Float64Array.from(xs, (x) => f(x) + truth.noiseStd * r.normal());

const x = w.tensor(xs), y = w.tensor(ys);
const d2 = w.square(w.sub(w.reshape(x, [n, 1]), w.reshape(x, [1, n])));          // (xᵢ − xⱼ)², a constant
const eye = w.tensor(Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)), [n, n]);
const diagIndex = w.tensor(Float64Array.from({ length: n }, (_, i) => i * (n + 1)));

/** −log p(y | ℓ, σ_f, σ_n); p holds their logarithms */
function negLogMarginal(p: { logEll: T; logSf: T; logSn: T }): T {
  const K = w.add(w.mul(w.exp(w.mul(2, p.logSf)), w.exp(w.mul(d2, w.mul(-0.5, w.exp(w.mul(-2, p.logEll)))))),
    w.mul(w.exp(w.mul(2, p.logSn)), eye));
  const L = w.linalg.cholesky(K);
  const alpha = w.linalg.choleskySolve(L, y);
  const logDiag = w.log(w.gather(w.reshape(L, [n * n]), diagIndex));
  return w.add(w.add(w.mul(0.5, w.dot(y, alpha)), w.sum(logDiag)), 0.5 * n * Math.log(2 * Math.PI));
}

/** the posterior mean at the data points: K_s·α (here K_s = K without the noise) */
function posteriorMean(ell: number, sf: number, sn: number): Float64Array {
  const Kf = w.mul(sf * sf, w.exp(w.mul(d2, -0.5 / (ell * ell))));
  const L = w.linalg.cholesky(w.add(Kf, w.mul(sn * sn, eye)));
  return w.matmul(Kf, w.linalg.choleskySolve(L, y)).data();
}

const p0 = { logEll: 0, logSf: 0, logSn: Math.log(0.5) };

async function fitOn(backend: w.BackendName) {
  w.setBackend(backend);
  const t0 = performance.now();
  const fit = await w.minimize(negLogMarginal, p0, { gradientTolerance: 1e-5 });
  const ms = performance.now() - t0;
  // one value and one value-and-gradient, compiled, to compare their costs
  const prog = w.compile(negLogMarginal, p0);
  const time = (job: () => unknown) => {
    for (let i = 0; i < 3; i++) job();
    const ts: number[] = [];
    for (let i = 0; i < 11; i++) { const s = performance.now(); job(); ts.push(performance.now() - s); }
    return ts.sort((a, b) => a - b)[5];
  };
  const valueMs = time(() => prog.value(p0)), gradMs = time(() => prog.valueAndGrad(p0));
  return { fit, ms, valueMs, gradMs };
}

async function main() {
  const backends: w.BackendName[] = w.nativeInfo().available ? ['native', 'ts'] : ['ts'];
  console.log(`Gaussian-process regression, n = ${n} points, squared-exponential kernel; truth ℓ = ${truth.lengthScale}, σ_n = ${truth.noiseStd}`);
  for (const b of backends) {
    const { fit, ms, valueMs, gradMs } = await fitOn(b);
    const ell = Math.exp(fit.x.logEll), sf = Math.exp(fit.x.logSf), sn = Math.exp(fit.x.logSn);
    const mean = posteriorMean(ell, sf, sn);
    let err = 0;
    xs.forEach((xi, i) => { err = Math.max(err, Math.abs(mean[i] - f(xi))); });
    console.log(`\n[${b}] ${fit.reason} after ${fit.iterations} L-BFGS iterations (${fit.evaluations} evaluations) in ${ms.toFixed(0)} ms`);
    console.log(`  length scale ℓ = ${ell.toFixed(4)}, signal std σ_f = ${sf.toFixed(4)}, noise std σ_n = ${sn.toFixed(4)}`);
    console.log(`  −log marginal likelihood ${fit.value.toFixed(6)}, |∇| ${Math.hypot(fit.gradient.logEll, fit.gradient.logSf, fit.gradient.logSn).toExponential(1)}`);
    console.log(`  posterior mean vs the noise-free function: max error ${err.toFixed(3)}`);
    console.log(`  one evaluation: value ${valueMs.toFixed(2)} ms, value + gradient ${gradMs.toFixed(2)} ms (${(gradMs / valueMs).toFixed(2)}×)`);
  }
}

await main();
