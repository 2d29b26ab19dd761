import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { cholesky as kernel } from './kernels/tri.js';
import { triangularSolveOp } from './triangularSolve.js';
import { matmul } from '../matmul.js';
import { mul } from '../mul.js';
import { matrixOf, mT, sym, tril, diagOnly, batchSize } from './util.js';
import { sub } from '../sub.js';

// L = chol(½(A + Aᵀ));  L̇ = L·Φ(L⁻¹·sym(Ȧ)·L⁻ᵀ),  Ā = sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹),  Φ = lower triangle, diagonal halved
export const choleskyOp: OpDef<undefined> = defineOp<undefined>({
  name: 'cholesky',
  family: 'linalg',
  arity: 1,
  shape: ([a]) => { matrixOf('linalg.cholesky', a); return a; },
  kernel: ([a], [s]) => {
    const n = s[s.length - 1], out = new Float64Array(a.length);
    for (let t = 0, B = batchSize(s); t < B; t++) kernel(a, t * n * n, n, out, t * n * n);
    return out;
  },
  jvp: ([ta], { out: L }) => (ta ? matmul(L, phi(lowerSolveBoth(L, sym(ta)))) : null),
  vjp: (g, { out: L }) => {
    const P = phi(matmul(mT(L), g));
    // S = L⁻ᵀ·P·L⁻¹ = Z·L⁻¹ with Z = L⁻ᵀ·P
    const Z = solveL(L, P, true);
    return [sym(mT(solveL(L, mT(Z), true)))];
  },
  batch: ([a]) => apply(choleskyOp, [a]),
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 4, 4]], [[1, 1]]], structure: ['spd'], valueAtol: 1e-14 },
});

const solveL = (L: Tensor, B: Tensor, transpose: boolean) =>
  apply(triangularSolveOp, [L, B], { lower: true, transpose, unitDiagonal: false });
/** L⁻¹·X·L⁻ᵀ for a symmetric X */
const lowerSolveBoth = (L: Tensor, X: Tensor) => mT(solveL(L, mT(solveL(L, X, false)), false));
/** Φ(X): the lower triangle with its diagonal halved */
const phi = (x: Tensor) => sub(tril(x), mul(0.5, diagOnly(x)));

/**
 * The lower Cholesky factor L of a symmetric positive definite A (A = L·Lᵀ), batched over leading
 * axes. Computed on ½(A + Aᵀ), so the derivative is symmetric. A matrix that is not positive
 * definite gives an all-NaN L (on every path).
 */
export function cholesky(a: TensorLike): Tensor {
  const A = asTensor(a, 'linalg.cholesky');
  matrixOf('linalg.cholesky', A.shape);
  return apply(choleskyOp, [A]);
}
