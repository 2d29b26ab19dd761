// w.leastSquares(residuals, p0, options): minimize ½‖r(p)‖² by scaled Levenberg–Marquardt
// (lm.ts) with an exact Jacobian from compiled programs (residuals.ts), box bounds and extra
// arguments. `converged` is true when the gradient test holds (every column of J is orthogonal
// to r within gradientTolerance), or when the value, step or no-progress test stopped the run and
// that cosine is at most √gradientTolerance (DESIGN §8). Covariance and standard errors come from
// the QR factor of J at the solution (covariance.ts).
import { Tensor } from '../core/tensor.js';
import { leastSquaresConfig } from './options.js';
import { Run } from './run.js';
import { Residuals } from './residuals.js';
import { ExtraArgs } from './extra-args.js';
import { readBounds } from './bounds.js';
import { levenbergMarquardt, halfSumSq, type LmOutcome } from './lm.js';
import { covarianceFromJ } from './covariance.js';
import type { LeastSquaresOptions, LeastSquaresResult, Residuals as ResidualValues } from './types.js';

/** accepted steps: Bennett5 from NIST's first start needs ~750 */
const DEFAULT_MAX_ITERATIONS = 1000;

export async function leastSquares<X = any>(
  residuals: (p: any, ...args: any[]) => unknown, p0: X, options?: LeastSquaresOptions<NoInfer<X>>,
): Promise<LeastSquaresResult<X>> {
  const cfg = leastSquaresConfig(options);
  const extra = await ExtraArgs.create('leastSquares', cfg.args, residuals);
  const model = new Residuals(residuals, p0, extra);
  const box = readBounds('leastSquares', model.params, cfg.bounds, 'p0');
  const run = new Run(cfg);
  const n = model.n, m = model.m;
  try {
    const out = await levenbergMarquardt(model, {
      gradientTolerance: cfg.gradientTolerance, stepTolerance: cfg.stepTolerance, valueTolerance: cfg.valueTolerance,
      scaling: cfg.scaling, maxIterations: cfg.defaultMaxIterations ? DEFAULT_MAX_ITERATIONS : cfg.maxIterations,
    }, run, box, extra);
    const cov = out.J && out.reason !== 'non-finite' ? covarianceFromJ(out.J, out.r, m, n) : null;
    const cost = halfSumSq(out.r);
    return {
      x: model.params.toUser(out.x), cost, residualNorm: Math.sqrt(2 * cost), residuals: model.toUser(out.r) as ResidualValues,
      iterations: run.iterations, evaluations: model.evaluations, jacobianEvaluations: model.jacobians,
      converged: isConverged(out, cfg.gradientTolerance, cfg.stepTolerance), reason: out.reason,
      covariance: cov ? new Tensor([n, n], cov) : null,
      standardErrors: cov ? model.params.toUser(Float64Array.from({ length: n }, (_, i) => Math.sqrt(cov[i * n + i]))) : null,
      history: run.history,
    };
  } finally {
    run.finish();
  }
}

/**
 * The gradient test certifies a stationary point by itself. A value, step or no-progress stop
 * does not (a stalled run also stops there): it counts when the cosine is ≤ √gtol (DESIGN §8),
 * or when the full Gauss–Newton step from x is within the step tolerance — the certificate of a
 * zero-residual fit, whose r is rounding noise at the solution and can be at any angle to J.
 */
function isConverged(out: LmOutcome, gtol: number, xtol: number): boolean {
  if (out.reason === 'gradient-tolerance') return true;
  if (out.reason !== 'value-tolerance' && out.reason !== 'step-tolerance' && out.reason !== 'no-progress') return false;
  return out.cosine <= Math.sqrt(gtol) || out.gaussNewton <= xtol;
}
