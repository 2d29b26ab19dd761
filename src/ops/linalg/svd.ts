import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { defineOp, type OpDef } from '../op.js';
import { svd as kernel } from './kernels/jacobi.js';
import { packedLayout } from '../part.js';
import { matmul } from '../matmul.js';
import { add } from '../add.js';
import { sub } from '../sub.js';
import { mul } from '../mul.js';
import { div } from '../div.js';
import { where } from '../where.js';
import { reshape } from '../reshape.js';
import { cmul } from '../util.js';
import { matrixOf, mT, diagPart, eye, batchSize, applyParts, partsOf, batchParts, packTangents, plus } from './util.js';

const dimsOf = (s: readonly number[]) => { const m = s[s.length - 2], n = s[s.length - 1]; return { m, n, k: Math.min(m, n), batch: s.slice(0, -2) }; };

// A = U·diag(s)·Vᵀ (reduced, s descending). With dS = Uᵀ·Ȧ·V and F_ij = 1/(s_j² − s_i²) (i ≠ j), F_ii = 0:
//   ṡ = diag(dS),  U̇ = U·(F ∘ (dS·S + S·dSᵀ)) [+ (I − UUᵀ)·Ȧ·V·S⁻¹ when m > n],
//   V̇ = V·(F ∘ (S·dS + dSᵀ·S)) [+ (I − VVᵀ)·Ȧᵀ·U·S⁻¹ when n > m];
//   Ā = U·(diag(s̄) + (J + Jᵀ)·S + S·(K + Kᵀ))·Vᵀ [+ (I − UUᵀ)·Ū·S⁻¹·Vᵀ] [+ U·S⁻¹·V̄ᵀ·(I − VVᵀ)],
//   J = F ∘ (Uᵀ·Ū), K = F ∘ (Vᵀ·V̄). Singular vectors' derivatives need distinct nonzero singular
//   values; those of functions of s alone do not.
export const svdOp: OpDef<undefined> = defineOp<undefined>({
  name: 'svd',
  family: 'linalg',
  arity: 1,
  shape: (ins) => [packedLayout(svdParts(ins)).total],
  parts: (ins) => svdParts(ins),
  kernel: ([a], [s]) => {
    const { m, n, k } = dimsOf(s), B = batchSize(s), out = new Float64Array(B * (m * k + k + k * n));
    for (let t = 0; t < B; t++) kernel(a, t * m * n, m, n, out, t * m * k, out, B * m * k + t * k, out, B * (m * k + k) + t * k * n);
    return out;
  },
  jvp: ([ta], { ins: [a], out }) => {
    if (!ta) return null;
    const [U, s, Vt] = partsOf(svdOp, out, [a]);
    const V = mT(Vt), { m, n } = dimsOf(a.shape), F = gaps2(s);
    const dS = matmul(mT(U), matmul(ta, V));
    const dSS = mul(dS, row(s)), SdS = mul(col(s), dS);
    let dU = matmul(U, cmul(add(dSS, mT(dSS)), F)), dV = matmul(V, cmul(add(SdS, mT(SdS)), F));
    if (m > n) { const AV = matmul(ta, V); dU = add(dU, div(sub(AV, matmul(U, matmul(mT(U), AV))), row(s))); }
    if (n > m) { const AU = matmul(mT(ta), U); dV = add(dV, div(sub(AU, matmul(V, matmul(Vt, AU))), row(s))); }
    return packTangents([dU, diagPart(dS), mT(dV)]);
  },
  vjpParts: ([gU, gs, gVt], { ins: [a], out }, _needs, [pending]) => {
    if (!gU && !gs && !gVt) return [pending];
    const [U, s, Vt] = partsOf(svdOp, out, [a]);
    const V = mT(Vt), gV = gVt ? mT(gVt) : null, { m, n, k } = dimsOf(a.shape), F = gaps2(s);
    let G: Tensor | null = gs ? mul(eye(k), row(gs)) : null;
    const more = (t: Tensor) => { G = G ? add(G, t) : t; };
    if (gU) { const J = cmul(matmul(mT(U), gU), F); more(mul(add(J, mT(J)), row(s))); }
    if (gV) { const K = cmul(matmul(mT(V), gV), F); more(mul(col(s), add(K, mT(K)))); }
    let gA = matmul(U, matmul(G!, Vt));
    if (gU && m > n) gA = add(gA, matmul(div(sub(gU, matmul(U, matmul(mT(U), gU))), row(s)), Vt));
    if (gV && n > m) gA = add(gA, matmul(U, div(mT(sub(gV, matmul(V, matmul(Vt, gV)))), col(s))));
    return [plus(pending, gA)];
  },
  batch: ([a]) => batchParts(svdOp, [a]),
  test: { domain: [-1, 1], shapes: [[[4, 3]], [[3, 3]], [[2, 4]], [[2, 3, 2]]], valueAtol: 1e-13 },
});

function svdParts([s]: readonly (readonly number[])[]): number[][] {
  matrixOf('linalg.svd', s, 'a', false);
  const { m, n, k, batch } = dimsOf(s);
  return [[...batch, m, k], [...batch, k], [...batch, k, n]];
}

/** s [..., k] as a row [..., 1, k] (scales columns) or a column [..., k, 1] (scales rows) */
const row = (s: Tensor) => reshape(s, [...s.shape.slice(0, -1), 1, s.shape[s.rank - 1]]);
const col = (s: Tensor) => reshape(s, [...s.shape, 1]);

/** F_ij = 1/((s_j + s_i)(s_j − s_i)) off the diagonal, 0 on it */
function gaps2(s: Tensor): Tensor {
  const k = s.shape[s.rank - 1];
  return where(sub(1, eye(k)), div(1, mul(add(row(s), col(s)), sub(row(s), col(s)))), 0);
}

/**
 * The reduced singular value decomposition A = U·diag(S)·Vt by one-sided Jacobi, batched over
 * leading axes: U [..., m, k], S [..., k] descending, Vt [..., k, n] (k = min(m, n)). Each column of
 * U has its largest-magnitude component positive (the rows of Vt follow).
 */
export function svd(a: TensorLike): [Tensor, Tensor, Tensor] {
  const A = asTensor(a, 'linalg.svd');
  matrixOf('linalg.svd', A.shape, 'a', false);
  const [U, S, Vt] = applyParts(svdOp, [A]);
  return [U, S, Vt];
}
