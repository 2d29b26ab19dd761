// w.linalg: linear algebra with derivatives in both modes, batched over leading axes (DESIGN §1, §8).
import type { Tensor, TensorLike } from '../../core/tensor.js';
import { asTensor } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { cholesky } from './cholesky.js';
import { solve, inv } from './solve.js';
import { triangularSolve, triangularSolveOp } from './triangularSolve.js';
import { det } from './det.js';
import { slogdet } from './slogdet.js';
import { qr } from './qr.js';
import { eigh } from './eigh.js';
import { svd } from './svd.js';
import { systemOf } from './util.js';

/**
 * x with A·x = b given A's lower Cholesky factor L (A = L·Lᵀ): two triangular solves that read
 * only L's lower triangle. b is a vector only when 1-D; batch axes broadcast.
 */
export function choleskySolve(l: TensorLike, b: TensorLike): Tensor {
  const op = 'linalg.choleskySolve';
  return systemOf(op, asTensor(l, op), b, (L, B) => {
    const y = apply(triangularSolveOp, [L, B], { lower: true, transpose: false, unitDiagonal: false });
    return apply(triangularSolveOp, [L, y], { lower: true, transpose: true, unitDiagonal: false });
  });
}

export const linalg = { cholesky, solve, triangularSolve, choleskySolve, inv, det, slogdet, qr, eigh, svd } as const;
export type { TriangularSolveOptions } from './triangularSolve.js';
