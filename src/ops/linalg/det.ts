import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { lu, luDet } from './kernels/lu.js';
import { mul } from '../mul.js';
import { sum } from '../sum.js';
import { adjugate } from './adjugate.js';
import { matrixOf, mT, asScale, batchSize } from './util.js';

// d = det(A) (LU: det(P)·Π U_jj, exactly 0 at a singular A);  ḋ = ⟨adj(A)ᵀ, Ȧ⟩,  Ā = d̄·adj(A)ᵀ
// (the adjugate, not d·A⁻ᵀ: finite at a singular A)
export const detOp: OpDef<undefined> = defineOp<undefined>({
  name: 'det',
  family: 'linalg',
  arity: 1,
  shape: ([a]) => { matrixOf('linalg.det', a); return a.slice(0, -2); },
  kernel: ([a], [s]) => {
    const n = s[s.length - 1], B = batchSize(s), out = new Float64Array(B);
    for (let t = 0; t < B; t++) out[t] = luDet(lu(a, t * n * n, n), n);
    return out;
  },
  jvp: ([ta], { ins: [a] }) => (ta ? sum(mul(mT(adjugate(a)), ta), [a.rank - 2, a.rank - 1]) : null),
  vjp: (g, { ins: [a] }) => [mul(asScale(g), mT(adjugate(a)))],
  batch: ([a]) => apply(detOp, [a]),
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 2, 2]], [[1, 1]]], structure: ['dominant'], valueAtol: 1e-14 },
});

/** det(A) by LU with partial pivoting, batched over leading axes; exactly 0 for an exactly singular A */
export function det(a: TensorLike): Tensor {
  const A = asTensor(a, 'linalg.det');
  matrixOf('linalg.det', A.shape);
  return apply(detOp, [A]);
}
