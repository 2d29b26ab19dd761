// Public shapes of the optimizers' options and results (DESIGN §1, "Optimization"; docs/optimize.md).
import type { Tensor } from '../core/tensor.js';

export type Method = 'lbfgs' | 'adam' | 'gd';

/** an AbortSignal (only `aborted` is read; typed structurally so that no DOM or Node types are needed) */
export interface AbortSignalLike { readonly aborted: boolean }

export type Reason =
  | 'gradient-tolerance' | 'step-tolerance' | 'value-tolerance' | 'max-iterations'
  | 'aborted' | 'non-finite' | 'line-search-failed' | 'stopped' | 'no-progress';

/** One record per iteration: passed to onIteration and kept in `history`. */
export interface IterationInfo {
  iteration: number;      // 1, 2, ... (the state after that many iterations)
  value: number;          // f(x) (leastSquares: cost = ½‖r‖²)
  gradientNorm: number;   // ‖∇f(x)‖₂, projected onto the bounds (leastSquares: ‖Jᵀr‖₂ over the free parameters)
  step: number;           // ‖x_k − x_{k−1}‖₂
  elapsedMs: number;      // since the call
}

/** Returning false (or a promise of false) stops the run with reason 'stopped'. */
export type OnIteration = (info: IterationInfo) => boolean | void | Promise<boolean | void>;

/** A nested array of numbers: one tensor leaf. */
export interface NestedNumbers extends ReadonlyArray<number | NestedNumbers> {}
type NumericLeaf = number | Float64Array | Float32Array | Tensor | NestedNumbers;

/**
 * A bound mirroring the parameters X: the same structure, with each numeric leaf replaced by a
 * leaf of its shape or by one number for all its entries (±Infinity or null: unbounded).
 */
export type Bound<X> = X extends NumericLeaf ? X | number | null
  : X extends readonly unknown[] ? { [K in keyof X]: Bound<X[K]> }
  : X extends object ? { [K in keyof X]: Bound<X[K]> }
  : never;

export interface Bounds<X = any> { lower?: Bound<X> | number; upper?: Bound<X> | number }

/**
 * Extra arguments for f after the parameters: the same array for every evaluation, or a function
 * of the iteration (0, 1, 2, ...) returning them, possibly asynchronously — minibatches, data
 * that changes between fits, random keys. They keep their structure and shapes from call to call
 * (the compiled program is reused), and are never differentiated.
 */
export type Args = readonly unknown[] | ((iteration: number) => readonly unknown[] | Promise<readonly unknown[]>);

export interface MinimizeOptions<X = any> {
  method?: Method;
  maxIterations?: number;
  gradientTolerance?: number;
  stepTolerance?: number;
  valueTolerance?: number;
  learningRate?: number;
  momentum?: number;
  memory?: number;
  /** box constraints mirroring x0; with bounds, 'lbfgs' is L-BFGS-B and 'adam'/'gd' project each step */
  bounds?: Bounds<X>;
  args?: Args;
  signal?: AbortSignalLike;
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

export interface LeastSquaresOptions<X = any> {
  /** accepted steps (default 1000) */
  maxIterations?: number;
  /** stop when the cosine between r and every column of J is ≤ this (MINPACK gtol; default 1e-10) */
  gradientTolerance?: number;
  /** stop when the trust region is ≤ this relative to the scaled ‖x‖ (MINPACK xtol; default 1e-10) */
  stepTolerance?: number;
  /** stop when actual and predicted relative reductions of ‖r‖² are ≤ this (MINPACK ftol; default 1e-15) */
  valueTolerance?: number;
  /** 'jacobian' (default): scale each parameter by its Jacobian column norm, as MINPACK; 'none': identity */
  scaling?: 'jacobian' | 'none';
  bounds?: Bounds<X>;
  args?: Args;
  signal?: AbortSignalLike;
  onIteration?: OnIteration;
}

/** residual values: tensors (numbers where a residual leaf is a number) in the residual function's structure */
export type Residuals = Tensor | number | Residuals[] | { [key: string]: Residuals };

export interface LeastSquaresResult<X = any> {
  x: X;
  cost: number;
  residualNorm: number;
  /** the residuals at x, mirroring what the residual function returned */
  residuals: Residuals;
  /** accepted steps */
  iterations: number;
  /** residual evaluations */
  evaluations: number;
  /** Jacobian evaluations */
  jacobianEvaluations: number;
  converged: boolean;
  reason: Exclude<Reason, 'line-search-failed'>;
  /** (JᵀJ)⁻¹ · 2·cost/(m − n) over the flattened parameters (leaf order of p0, row-major), from the QR factor R; null when m ≤ n or J is rank-deficient */
  covariance: Tensor | null;
  /** √diag(covariance) mirroring p0; null with the covariance */
  standardErrors: X | null;
  history: IterationInfo[];
}
