import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { strides } from '../core/shape.js';
import { defineOp } from './op.js';
import { stridedCopy, fmtList } from './layout.js';

interface Attrs { readonly perm: readonly number[] }
// y[i_perm] = x[i];  x̄ = transpose(ȳ, perm⁻¹)
export const transposeOp = defineOp<Attrs>({
  name: 'transpose',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  nativeAttrs: ({ perm }) => [...perm],
  nativeLayout: 'perm[rank]',
  recordConst: (inSize) => inSize > 64,
  arity: 1,
  shape: ([s], { perm }) => perm.map((p) => s[p]),
  kernel: ([x], [s], out, { perm }) => { const st = strides(s); return stridedCopy(x, 0, perm.map((p) => st[p]), out); },
  vjp: (g, { attrs: { perm } }) => [transpose(g, inverse(perm))],
  batch: ([x], _b, { perm }) => transpose(x, [0, ...perm.map((p) => p + 1)]),
  simplify: ([x], { perm }) => (perm.every((p, i) => p === i) ? x : undefined),
  fmtAttrs: ({ perm }) => `perm=${fmtList(perm)}`,
  test: { domain: [-3, 3], shapes: [[[2, 3, 4]]], attrs: [{ perm: [2, 0, 1] }] },
});

const inverse = (perm: readonly number[]) => { const inv: number[] = []; perm.forEach((p, i) => { inv[p] = i; }); return inv; };

/** transpose(x, perm = reversed axes) */
export function transpose(x: TensorLike, perm?: readonly number[]): Tensor {
  const t = asTensor(x, 'transpose');
  const p = perm ? [...perm] : t.shape.map((_, i) => t.rank - 1 - i);
  const ok = p.length === t.rank && p.every((a) => Number.isInteger(a) && a >= 0 && a < t.rank) && new Set(p).size === p.length;
  if (!ok) fail('ERR_ARG', 'transpose', `expected a permutation of [0..${t.rank - 1}] but received [${p}]`);
  return apply(transposeOp, [t], { perm: p });
}
