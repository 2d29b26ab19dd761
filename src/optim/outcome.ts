// What every optimizer hands back to minimize(): the returned point and why the run ended.
import type { Reason } from './types.js';

export interface Outcome { x: Float64Array; f: number; g: Float64Array; reason: Reason }

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
