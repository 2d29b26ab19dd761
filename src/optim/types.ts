// Public shapes of the optimizers' options and results (DESIGN §1, "Optimization").
import type { Tensor } from '../core/tensor.js';

export type Method = 'lbfgs' | 'adam' | 'gd';

export type Reason =
  | 'gradient-tolerance' | 'step-tolerance' | 'value-tolerance' | 'max-iterations'
  | 'aborted' | 'non-finite' | 'line-search-failed' | 'stopped';

/** One record per iteration: passed to onIteration and kept in `history`. */
export interface IterationInfo {
  iteration: number;      // 1, 2, ... (the state after that many iterations)
  value: number;          // f(x) (leastSquares: cost = ½‖r‖²)
  gradientNorm: number;   // ‖∇f(x)‖₂ (leastSquares: ‖Jᵀr‖₂)
  step: number;           // ‖x_k − x_{k−1}‖₂ (0 for a rejected Levenberg–Marquardt step)
  elapsedMs: number;      // since the call
}

/** Returning false stops the run with reason 'stopped'. */
export type OnIteration = (info: IterationInfo) => boolean | void;

export interface MinimizeOptions {
  method?: Method;
  maxIterations?: number;
  gradientTolerance?: number;
  stepTolerance?: number;
  valueTolerance?: number;
  learningRate?: number;
  momentum?: number;
  memory?: number;
  signal?: AbortSignal;
  onIteration?: OnIteration;
}

export interface MinimizeResult<X = any> {
  x: X;
  value: number;
  gradient: X;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: Reason;
  history: IterationInfo[];
}

export interface LeastSquaresOptions {
  maxIterations?: number;
  tolerance?: number;
  signal?: AbortSignal;
  onIteration?: OnIteration;
}

export interface LeastSquaresResult<X = any> {
  x: X;
  cost: number;
  residualNorm: number;
  residuals: any;
  iterations: number;
  evaluations: number;
  converged: boolean;
  reason: Exclude<Reason, 'line-search-failed'>;
  /** (JᵀJ)⁻¹ · 2·cost/(m − n) over the flattened parameters (leaf order of p0, row-major); null when m ≤ n or JᵀJ is singular */
  covariance: Tensor | null;
  history: IterationInfo[];
}
