import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { defineOp, type OpDef } from '../op.js';
import { eigh as kernel } from './kernels/eigen.js';
import { packedLayout } from '../part.js';
import { matmul } from '../matmul.js';
import { add } from '../add.js';
import { sub } from '../sub.js';
import { div } from '../div.js';
import { where } from '../where.js';
import { reshape } from '../reshape.js';
import { cmul } from '../util.js';
import { matrixOf, mT, sym, diagPart, diagEmbed, eye, batchSize, applyParts, partsOf, batchParts, packTangents, plus } from './util.js';

// ½(A + Aᵀ) = V·diag(w)·Vᵀ, w ascending. With C = Vᵀ·sym(Ȧ)·V and F_ij = 1/(w_j − w_i) (i ≠ j), F_ii = 0:
//   ẇ = diag(C),  V̇ = V·(F ∘ C);   Ā = sym(V·(diag(w̄) + F ∘ (Vᵀ·V̄))·Vᵀ)
// F ∘ X is NaN-safe (an exact 0 in X stays 0); without V̄ (a function of w alone) F is not formed,
// so the gradient is defined at repeated eigenvalues (that of Σw is I).
export const eighOp: OpDef<undefined> = defineOp<undefined>({
  name: 'eigh',
  family: 'linalg',
  arity: 1,
  shape: (ins) => [packedLayout(eighParts(ins)).total],
  parts: (ins) => eighParts(ins),
  kernel: ([a], [s]) => {
    const n = s[s.length - 1], B = batchSize(s), out = new Float64Array(B * (n + n * n));
    for (let t = 0; t < B; t++) kernel(a, t * n * n, n, out, t * n, out, B * n + t * n * n);
    return out;
  },
  jvp: ([ta], { ins: [a], out }) => {
    if (!ta) return null;
    const [w, V] = partsOf(eighOp, out, [a]);
    const C = matmul(mT(V), matmul(sym(ta), V));
    return packTangents([diagPart(C), matmul(V, cmul(C, gaps(w)))]);
  },
  vjpParts: ([gw, gV], { ins: [a], out }, _needs, [pending]) => {
    if (!gw && !gV) return [pending];
    const [w, V] = partsOf(eighOp, out, [a]);
    const off = gV ? cmul(matmul(mT(V), gV), gaps(w)) : null;
    const G = gw ? (off ? add(diagEmbed(gw), off) : diagEmbed(gw)) : off!;
    return [plus(pending, sym(matmul(V, matmul(G, mT(V)))))];
  },
  batch: ([a]) => batchParts(eighOp, [a]),
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 2, 2]], [[1, 1]]], valueAtol: 1e-13 },
});

function eighParts([s]: readonly (readonly number[])[]): number[][] {
  const [n] = matrixOf('linalg.eigh', s);
  return [[...s.slice(0, -2), n], [...s]];
}

/** F_ij = 1/(w_j − w_i) off the diagonal, 0 on it (∞ at a repeated eigenvalue) */
export function gaps(w: Tensor): Tensor {
  const n = w.shape[w.rank - 1];
  const d = sub(reshape(w, [...w.shape.slice(0, -1), 1, n]), reshape(w, [...w.shape, 1]));
  return where(sub(1, eye(n)), div(1, d), 0);
}

/**
 * Eigenvalues (ascending) and eigenvectors (the columns of V) of the symmetric ½(A + Aᵀ), batched
 * over leading axes. Each eigenvector's largest-magnitude component is positive. The derivative
 * of a function of the eigenvalues alone is defined at repeated eigenvalues; that of the
 * eigenvectors is not (infinite or NaN there).
 */
export function eigh(a: TensorLike): [Tensor, Tensor] {
  const A = asTensor(a, 'linalg.eigh');
  matrixOf('linalg.eigh', A.shape);
  const [w, V] = applyParts(eighOp, [A]);
  return [w, V];
}
