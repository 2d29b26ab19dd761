import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { lu, luSolve } from './kernels/lu.js';
import { matmul } from '../matmul.js';
import { sub } from '../sub.js';
import { neg } from '../neg.js';
import { checkSystem, systemOf, mT, outerT, lift, batchSize, eye, matrixOf } from './util.js';

// X = A⁻¹·B (LU with partial pivoting);  Ẋ = A⁻¹·(Ḃ − Ȧ·X);  B̄ = A⁻ᵀ·X̄,  Ā = −B̄·Xᵀ
export const solveOp: OpDef<undefined> = defineOp<undefined>({
  name: 'solve',
  family: 'linalg',
  arity: 2,
  shape: ([a, b]) => { checkSystem('linalg.solve', a, b); return b; },
  kernel: ([a, b], [sa, sb]) => {
    const n = sa[sa.length - 1], k = sb[sb.length - 1], x = new Float64Array(b.length);
    for (let t = 0, B = batchSize(sa); t < B; t++) luSolve(lu(a, t * n * n, n), n, b, t * n * k, k, x, t * n * k);
    return x;
  },
  jvp: ([ta, tb], { ins: [a], out: x }) => {
    const rhs = ta ? (tb ? sub(tb, matmul(ta, x)) : neg(matmul(ta, x))) : tb;
    return rhs ? apply(solveOp, [a, rhs]) : null;
  },
  vjp: (g, { ins: [a], out: x }, needs) => {
    const bb = apply(solveOp, [mT(a), g]);
    return [needs[0] ? neg(outerT(bb, x)) : null, needs[1] ? bb : null];
  },
  batch: ([a, b], [ba, bb]) => {
    const n = (ba ? a : b).shape[0];
    return apply(solveOp, [lift(a, ba, n), lift(b, bb, n)]);
  },
  test: { domain: [-1, 1], shapes: [[[3, 3], [3, 2]], [[2, 3, 3], [2, 3, 1]], [[1, 1], [1, 3]]], structure: ['dominant', null], valueAtol: 1e-14 },
});

/**
 * x with A·x = b by LU with partial pivoting, batched over leading axes (which broadcast); b is a
 * vector only when 1-D (NumPy 2), else [..., n, k]. A singular A gives an all-NaN x.
 */
export const solve = (a: TensorLike, b: TensorLike): Tensor =>
  systemOf('linalg.solve', a, b, (A, B) => apply(solveOp, [A, B]));

/** A⁻¹ as solve(A, I); a singular A gives an all-NaN result */
export function inv(a: TensorLike): Tensor {
  const A = asTensor(a, 'linalg.inv');
  const [n] = matrixOf('linalg.inv', A.shape);
  return apply(solveOp, [A, eye(n, A.shape.slice(0, -2))]);
}
