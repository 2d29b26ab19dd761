// w.leastSquares(residuals, p0, options): Levenberg–Marquardt on F(x) = ½‖r(x)‖² with Nielsen's
// damping update (Madsen, Nielsen & Tingleff 2004, Alg. 3.16):
//   (JᵀJ + μI) h = −Jᵀr,  ϱ = (F(x) − F(x+h)) / (½ hᵀ(μh − Jᵀr))
//   ϱ > 0: accept, μ ← μ·max(1/3, 1 − (2ϱ − 1)³), ν ← 2;   else μ ← μ·ν, ν ← 2ν
// with μ₀ = 10⁻³·max diag(JᵀJ). Covariance of the estimate: (JᵀJ)⁻¹ · 2F/(m − n).
import { Tensor } from '../core/tensor.js';
import { leastSquaresConfig } from './options.js';
import { Run, norm2, dot } from './run.js';
import { Residuals } from './residuals.js';
import { gram, jtv, cholesky, cholSolve, inverseSPD } from './linalg.js';
import { CONVERGED } from './outcome.js';
import type { LeastSquaresOptions, LeastSquaresResult, Reason } from './types.js';

type LsqReason = LeastSquaresResult['reason'];
const TAU = 1e-3;

const finiteAll = (v: Float64Array) => v.every(Number.isFinite);
const maxAbs = (v: Float64Array) => v.reduce((a, b) => Math.max(a, Math.abs(b)), 0);

export async function leastSquares<X = any>(residuals: (p: any) => unknown, p0: X, options?: LeastSquaresOptions): Promise<LeastSquaresResult<X>> {
  const cfg = leastSquaresConfig(options);
  const model = new Residuals(residuals, p0);
  const run = new Run(cfg);
  const { m, n } = model, tol = cfg.tolerance;
  let x = model.params.x0.slice();
  let r = await model.values(x);
  let F = dot(r, r) / 2;
  let A: Float64Array = new Float64Array(n * n), g: Float64Array = new Float64Array(n);
  const linearize = async () => {
    const J = await model.jacobian(x);
    A = gram(J, m, n);
    g = jtv(J, r, m, n);
    return finiteAll(J);
  };

  const finish = (reason: LsqReason): LeastSquaresResult<X> => {
    const inv = m > n && reason !== 'non-finite' ? inverseSPD(A, n) : null;
    const cov = inv ? inv.map((v) => (v * 2 * F) / (m - n)) : null;
    return {
      x: model.params.toUser(x), cost: F, residualNorm: Math.sqrt(2 * F), residuals: model.toUser(r),
      iterations: run.iterations, evaluations: model.evaluations, converged: CONVERGED.has(reason as Reason), reason,
      covariance: cov ? new Tensor([n, n], cov) : null, history: run.history,
    };
  };

  try {
    if (!finiteAll(r) || !(await linearize())) return finish('non-finite');
    if (maxAbs(g) <= tol) return finish('gradient-tolerance');
    let nonFinite = false; // the last trial point had a non-finite residual
    let mu = TAU * Math.max(...Array.from({ length: n }, (_, i) => A[i * n + i])), nu = 2;
    if (!(mu > 0)) mu = TAU;

    for (;;) {
      if (run.aborted) return finish('aborted');
      if (run.iterations >= cfg.maxIterations) return finish('max-iterations');
      const D = A.slice();
      for (let i = 0; i < n; i++) D[i * n + i] += mu;
      const L = cholesky(D, n);
      let step = 0, why: LsqReason | null = null;
      if (!L) { mu *= nu; nu *= 2; }
      else {
        const h = cholSolve(L, n, g).map((v) => -v);
        const hNorm = norm2(h);
        // a vanishing step after rejected non-finite trials is not convergence
        if (hNorm <= tol * (norm2(x) + tol)) why = nonFinite ? 'non-finite' : 'step-tolerance';
        else {
          const xNew = x.map((v, i) => v + h[i]);
          const rNew = await model.values(xNew);
          const FNew = dot(rNew, rNew) / 2;
          // predicted decrease L(0) − L(h) = ½ hᵀ(μh − g) > 0
          const pred = 0.5 * h.reduce((s, hi, i) => s + hi * (mu * hi - g[i]), 0);
          const finite = finiteAll(rNew) && Number.isFinite(FNew);
          const rho = finite ? (F - FNew) / pred : -1;
          nonFinite = !finite;
          if (rho > 0) {
            const FPrev = F, xPrev = x, gPrev = g, APrev = A;
            x = xNew; r = rNew; F = FNew; step = hNorm;
            if (!(await linearize())) {
              // a finite residual with a non-finite Jacobian: stay at the last finite point
              x = xPrev; A = APrev; g = gPrev; F = FPrev; r = await model.values(x);
              return finish('non-finite');
            }
            mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
            nu = 2;
            if (maxAbs(g) <= tol) why = 'gradient-tolerance';
            else if (FPrev - F <= tol * F) why = 'value-tolerance';
          } else { mu *= nu; nu *= 2; }
        }
      }
      if (!(await run.report(F, norm2(g), step))) return finish('stopped');
      if (why) return finish(why);
      if (!Number.isFinite(mu)) return finish('non-finite');
      await run.yield();
    }
  } finally {
    run.finish();
  }
}
