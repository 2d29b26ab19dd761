// What every optimizer hands back to minimize(): the returned point and why the run ended.
import type { Reason } from './types.js';

export interface Outcome {
  x: Float64Array; f: number; g: Float64Array; reason: Reason;
  /** 'no-progress' that certifies convergence: a full step would change f by less than valueTolerance (relative) */
  certified?: boolean;
}

/**
 * The end of a run whose last line search could not lower f measurably: 'no-progress', certified
 * as converged when the model's decrease for the full step (−½·slope·α₁) is within
 * valueTolerance of |f| — the step the method wanted to take could not matter (relative
 * function convergence); otherwise the search failed.
 */
export function stalled(cfg: { valueTolerance: number }, x: Float64Array, f: number, g: Float64Array, slope: number, alpha1: number,
  res: { unmeasurable: boolean; sawNonFinite: boolean }): Outcome {
  if (res.unmeasurable) return { x, f, g, reason: 'no-progress', certified: -0.5 * slope * alpha1 <= cfg.valueTolerance * Math.abs(f) };
  return { x, f, g, reason: res.sawNonFinite ? 'non-finite' : 'line-search-failed' };
}

export const CONVERGED: ReadonlySet<Reason> = new Set(['gradient-tolerance', 'step-tolerance', 'value-tolerance']);

/** Tolerance tests after an iteration from (fPrev) to (f, gNorm, step, xNorm); null = go on. */
export function converged(
  cfg: { gradientTolerance: number; stepTolerance: number; valueTolerance: number },
  fPrev: number, f: number, gNorm: number, step: number, xNorm: number,
): Reason | null {
  if (gNorm <= cfg.gradientTolerance) return 'gradient-tolerance';
  if (cfg.stepTolerance > 0 && step <= cfg.stepTolerance * (1 + xNorm)) return 'step-tolerance';
  // relative change of the value: |f_prev − f| ≤ tol·max(|f_prev|, |f|)
  if (cfg.valueTolerance > 0 && Math.abs(fPrev - f) <= cfg.valueTolerance * Math.max(Math.abs(fPrev), Math.abs(f))) return 'value-tolerance';
  return null;
}
