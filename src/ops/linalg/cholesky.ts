import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { cholesky as kernel } from './kernels/tri.js';
import { triangularSolveOp } from './triangularSolve.js';
import { matmul } from '../matmul.js';
import { choleskyGradOp, phi } from './choleskyGrad.js';
import { matrixOf, mT, sym, batchSize } from './util.js';

// L = chol(½(A + Aᵀ));  L̇ = L·Φ(L⁻¹·sym(Ȧ)·L⁻ᵀ),  Ā = sym(L⁻ᵀ·Φ(Lᵀ·L̄)·L⁻¹) (choleskyGrad),  Φ = lower triangle, diagonal halved
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
  vjp: (g, { out: L }) => [apply(choleskyGradOp, [L, g])],
  batch: ([a]) => apply(choleskyOp, [a]),
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 4, 4]], [[1, 1]]], structure: ['spd'], valueAtol: 1e-14 },
});

const solveL = (L: Tensor, B: Tensor, transpose: boolean) =>
  apply(triangularSolveOp, [L, B], { lower: true, transpose, unitDiagonal: false });
/** L⁻¹·X·L⁻ᵀ for a symmetric X */
const lowerSolveBoth = (L: Tensor, X: Tensor) => mT(solveL(L, mT(solveL(L, X, false)), false));

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
