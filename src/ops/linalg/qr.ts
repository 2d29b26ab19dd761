import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { qr as kernel } from './kernels/house.js';
import { packedLayout } from '../part.js';
import { matmul } from '../matmul.js';
import { add } from '../add.js';
import { sub } from '../sub.js';
import { neg } from '../neg.js';
import { slice } from '../slice.js';
import { concat } from '../concat.js';
import { triangularSolveOp } from './triangularSolve.js';
import { zerosLike } from '../util.js';
import { matrixOf, mT, tril, triu, batchSize, applyParts, partsOf, batchParts, packTangents, plus } from './util.js';

const dimsOf = (s: readonly number[]) => { const m = s[s.length - 2], n = s[s.length - 1]; return { m, n, k: Math.min(m, n), batch: s.slice(0, -2) }; };

// A = Q·R (reduced, R's diagonal ≥ 0). For m ≥ n, with C = Qᵀ·Ȧ·R⁻¹ and ω = tril(C, −1) − tril(C, −1)ᵀ:
//   Q̇ = Q·(ω − C) + Ȧ·R⁻¹,  Ṙ = (C − ω)·R;   Ā = (Q̄ + Q·K)·R⁻ᵀ,  K = copy of triu(R̄·Rᵀ − Qᵀ·Q̄) to its lower half.
// For m < n, A = [X | Y]: the square rule on X (R = [U | Qᵀ·Y]).  Needs full rank.
export const qrOp: OpDef<undefined> = defineOp<undefined>({
  name: 'qr',
  family: 'linalg',
  arity: 1,
  shape: (ins) => [packedLayout(qrParts(ins)).total],
  parts: (ins) => qrParts(ins),
  kernel: ([a], [s]) => {
    const { m, n, k } = dimsOf(s), B = batchSize(s), out = new Float64Array(B * (m * k + k * n));
    for (let t = 0; t < B; t++) kernel(a, t * m * n, m, n, out, t * m * k, out, B * m * k + t * k * n);
    return out;
  },
  jvp: ([ta], { ins: [a], out }) => {
    if (!ta) return null;
    const [Q, R] = partsOf(qrOp, out, [a]);
    const { m, n } = dimsOf(a.shape);
    if (m >= n) return packTangents(squareJvp(Q, R, ta));
    const [dQ, dU] = squareJvp(Q, cols(R, 0, m), cols(ta, 0, m));
    const dV = add(matmul(mT(dQ), cols(a, m, n)), matmul(mT(Q), cols(ta, m, n)));
    return packTangents([dQ, concat([dU, dV], R.rank - 1)]);
  },
  vjpParts: ([gQ, gR], { ins: [a], out }, _needs, [pending]) => {
    const [Q, R] = partsOf(qrOp, out, [a]);
    const { m, n } = dimsOf(a.shape);
    if (m >= n) return [plus(pending, squareVjp(Q, R, gQ, gR))];
    const Y = cols(a, m, n), gU = gR ? cols(gR, 0, m) : null, gV = gR ? cols(gR, m, n) : null;
    const gQ2 = gV ? (gQ ? add(gQ, matmul(Y, mT(gV))) : matmul(Y, mT(gV))) : gQ;
    const gX = squareVjp(Q, cols(R, 0, m), gQ2, gU);
    const gY = gV ? matmul(Q, gV) : null;
    if (!gX && !gY) return [pending];
    return [plus(pending, concat([gX ?? zerosLike(cols(a, 0, m)), gY ?? zerosLike(Y)], a.rank - 1))];
  },
  batch: ([a]) => batchParts(qrOp, [a]),
  test: { domain: [-1, 1], shapes: [[[4, 3]], [[3, 3]], [[2, 4]], [[2, 3, 2]]], valueAtol: 1e-14 },
});

function qrParts([s]: readonly (readonly number[])[]): number[][] {
  matrixOf('linalg.qr', s, 'a', false);
  const { m, n, k, batch } = dimsOf(s);
  return [[...batch, m, k], [...batch, k, n]];
}

const cols = (x: Tensor, c0: number, c1: number) =>
  slice(x, x.shape.map((_, i) => (i === x.rank - 1 ? c0 : 0)), x.shape.map((d, i) => (i === x.rank - 1 ? c1 : d)));
const upper = (R: Tensor, X: Tensor, transpose: boolean) => apply(triangularSolveOp, [R, X], { lower: false, transpose, unitDiagonal: false });
/** X·R⁻¹ */
const rightInv = (X: Tensor, R: Tensor) => mT(upper(R, mT(X), true));
/** X·R⁻ᵀ */
const rightInvT = (X: Tensor, R: Tensor) => mT(upper(R, mT(X), false));

function squareJvp(Q: Tensor, R: Tensor, dA: Tensor): [Tensor, Tensor] {
  const D = rightInv(dA, R), C = matmul(mT(Q), D), L = tril(C, -1), omega = sub(L, mT(L));
  return [add(matmul(Q, sub(omega, C)), D), matmul(sub(C, omega), R)];
}

function squareVjp(Q: Tensor, R: Tensor, gQ: Tensor | null, gR: Tensor | null): Tensor | null {
  if (!gQ && !gR) return null;
  const a = gR ? matmul(gR, mT(R)) : null, b = gQ ? matmul(mT(Q), gQ) : null;
  const N = a && b ? sub(a, b) : a ?? neg(b!);
  const K = add(triu(N), mT(triu(N, 1)));
  const G = gQ ? add(gQ, matmul(Q, K)) : matmul(Q, K);
  return rightInvT(G, R);
}

/**
 * The reduced QR factorization A = Q·R by Householder reflections, batched over leading axes:
 * Q [..., m, k] with orthonormal columns, R [..., k, n] upper triangular with a diagonal ≥ 0
 * (k = min(m, n)). Derivatives need A of full rank.
 */
export function qr(a: TensorLike): [Tensor, Tensor] {
  const A = asTensor(a, 'linalg.qr');
  matrixOf('linalg.qr', A.shape, 'a', false);
  const [Q, R] = applyParts(qrOp, [A]);
  return [Q, R];
}
