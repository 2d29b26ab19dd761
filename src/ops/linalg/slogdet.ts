import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { lu, luSlogdet } from './kernels/lu.js';
import { mul } from '../mul.js';
import { concat } from '../concat.js';
import { reshape } from '../reshape.js';
import { transpose } from '../transpose.js';
import { broadcastTo } from '../broadcastTo.js';
import { at } from '../composites.js';
import { solveOp, inv } from './solve.js';
import { matrixOf, mT, asScale, trace, batchSize } from './util.js';

// [sign, log|det A|] stacked on a new leading axis of 2;  (log|det|)˙ = tr(A⁻¹·Ȧ),  Ā = ḡ₁·A⁻ᵀ;
// the sign has zero derivative
export const slogdetOp: OpDef<undefined> = defineOp<undefined>({
  name: 'slogdet',
  family: 'linalg',
  arity: 1,
  shape: ([a]) => { matrixOf('linalg.slogdet', a); return [2, ...a.slice(0, -2)]; },
  kernel: ([a], [s]) => {
    const n = s[s.length - 1], B = batchSize(s), out = new Float64Array(2 * B);
    for (let t = 0; t < B; t++) { const [sg, la] = luSlogdet(lu(a, t * n * n, n), n); out[t] = sg; out[B + t] = la; }
    return out;
  },
  jvp: ([ta], { ins: [a] }) => {
    if (!ta) return null;
    const b = a.shape.slice(0, -2), d = reshape(trace(apply(solveOp, [a, ta])), [1, ...b]);
    return concat([broadcastTo(0, [1, ...b]), d], 0);
  },
  vjp: (g, { ins: [a] }) => [mul(asScale(at(g, 1)), mT(inv(a)))],
  // [N, ...batch, n, n] → [2, N, ...batch] → [N, 2, ...batch]
  batch: ([a]) => { const out = apply(slogdetOp, [a]); return transpose(out, out.shape.map((_, i) => (i < 2 ? 1 - i : i))); },
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 2, 2]], [[1, 1]]], structure: ['dominant'], valueAtol: 1e-14 },
});

/**
 * [sign, log|det A|] by LU with partial pivoting, batched over leading axes: sign is ±1, or 0 with
 * log|det| = −∞ for an exactly singular A. log|det|'s gradient is A⁻ᵀ.
 */
export function slogdet(a: TensorLike): [Tensor, Tensor] {
  const A = asTensor(a, 'linalg.slogdet');
  matrixOf('linalg.slogdet', A.shape);
  const out = apply(slogdetOp, [A]);
  return [at(out, 0), at(out, 1)];
}
