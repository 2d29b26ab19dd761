// Matrix helpers for the linear-algebra ops and their rules, written with wengert ops (so rules
// that use them differentiate again). Matrices are the last two axes; leading axes are a batch.
import { asTensor, tensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { fail } from '../../core/errors.js';
import { fmtShape, sizeOf, type Shape } from '../../core/shape.js';
import type { OpDef } from '../op.js';
import { transpose } from '../transpose.js';
import { where } from '../where.js';
import { sum } from '../sum.js';
import { add } from '../add.js';
import { mul } from '../mul.js';
import { reshape } from '../reshape.js';
import { matmul } from '../matmul.js';
import { broadcastTo } from '../broadcastTo.js';
import { concat } from '../concat.js';
import { unpack } from '../part.js';

/** Xᵀ over the last two axes */
export const mT = (x: Tensor): Tensor =>
  transpose(x, x.shape.map((_, i) => (i < x.rank - 2 ? i : i === x.rank - 2 ? x.rank - 1 : x.rank - 2)));

/**
 * A·Bᵀ for A [..., n, k] and B [..., m, k]. With k = 1 (a solve's vector cotangent) an outer
 * product by broadcasting, which fuses with the elementwise ops around it instead of writing an
 * n×m temporary
 */
export function outerT(a: Tensor, b: Tensor): Tensor {
  if (a.shape[a.rank - 1] !== 1 || b.shape[b.rank - 1] !== 1) return matmul(a, mT(b));
  return mul(a, reshape(b, [...b.shape.slice(0, -2), 1, b.shape[b.rank - 2]]));
}

/** ½(X + Xᵀ) */
export const sym = (x: Tensor): Tensor => mul(0.5, add(x, mT(x)));

const masks = new Map<string, Tensor>();
/** a constant r×c 0/1 mask: entries with col − row ≥ lo and ≤ hi */
function band(r: number, c: number, lo: number, hi: number): Tensor {
  const key = `${r},${c},${lo},${hi}`;
  let m = masks.get(key);
  if (!m) {
    if (masks.size > 256) masks.clear();
    const d = new Float64Array(r * c);
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[i * c + j] = j - i >= lo && j - i <= hi ? 1 : 0;
    masks.set(key, (m = tensor(d, [r, c])));
  }
  return m;
}
const dims = (x: Tensor) => [x.shape[x.rank - 2], x.shape[x.rank - 1]] as const;
/** X with the entries off the band [lo, hi] (col − row) set to an exact 0 (NaN-safe, unlike ·0) */
const keepBand = (x: Tensor, lo: number, hi: number): Tensor => where(band(...dims(x), lo, hi), x, 0);
/** lower triangle from diagonal k down (k = −1: strictly lower) */
export const tril = (x: Tensor, k = 0): Tensor => keepBand(x, -Infinity, k);
/** upper triangle from diagonal k up (k = 1: strictly upper) */
export const triu = (x: Tensor, k = 0): Tensor => keepBand(x, k, Infinity);
/** the diagonal kept, the rest 0 */
export const diagOnly = (x: Tensor): Tensor => keepBand(x, 0, 0);
/** the diagonal [..., n] of a square [..., n, n] */
export const diagPart = (x: Tensor): Tensor => sum(diagOnly(x), x.rank - 1);
/** the square [..., n, n] with v [..., n] on its diagonal */
export function diagEmbed(v: Tensor): Tensor {
  const n = v.shape[v.rank - 1];
  return where(band(n, n, 0, 0), broadcastTo(reshape(v, [...v.shape, 1]), [...v.shape, n]), 0);
}
/** Σ diag over the last two axes */
export const trace = (x: Tensor): Tensor => sum(diagOnly(x), [x.rank - 2, x.rank - 1]);
/** the n×n identity broadcast to [...batch, n, n] */
export const eye = (n: number, batch: Shape = []): Tensor => {
  const e = band(n, n, 0, 0);
  return batch.length ? broadcastTo(e, [...batch, n, n]) : e;
};
/** s [...] as [..., 1, 1] to scale matrices */
export const asScale = (s: Tensor): Tensor => reshape(s, [...s.shape, 1, 1]);

/** the matrix dimensions of x after checking it is a matrix (rank ≥ 2), square when asked */
export function matrixOf(op: string, x: Shape, what = 'a', square = true): [number, number] {
  const r = x.length;
  if (r < 2) fail('ERR_SHAPE', op, `expected ${what} to be a matrix (rank ≥ 2, [..., m, n]) but received ${fmtShape(x)}`);
  if (square && x[r - 1] !== x[r - 2]) fail('ERR_SHAPE', op, `expected ${what} to be square ([..., n, n]) but received ${fmtShape(x)}`);
  return [x[r - 2], x[r - 1]];
}

/** the shared check of A [..., n, n] against B [..., n, k] with equal batch axes (primitive inputs) */
export function checkSystem(op: string, a: Shape, b: Shape): void {
  const [n] = matrixOf(op, a, 'the matrix');
  const ok = b.length === a.length && b[b.length - 2] === n && a.slice(0, -2).every((d, i) => d === b[i]);
  if (!ok) fail('ERR_SHAPE', op, `expected the right-hand side to be [..., ${n}, k] with the batch axes of ${fmtShape(a)} but received ${fmtShape(b)}`);
}

/**
 * The public form of a linear system op(A, b): b is a vector only when it is 1-D (NumPy 2); batch
 * axes of A and b broadcast. Runs `prim` on [..., n, n] and [..., n, k] and restores b's form.
 */
export function systemOf(op: string, a: TensorLike, b: TensorLike, prim: (A: Tensor, B: Tensor) => Tensor): Tensor {
  const A = asTensor(a, op), B0 = asTensor(b, op);
  const [n] = matrixOf(op, A.shape, 'the matrix');
  const vec = B0.rank === 1;
  if (B0.rank === 0 || B0.shape[vec ? 0 : B0.rank - 2] !== n) {
    fail('ERR_SHAPE', op, `expected b to be [${n}] or [..., ${n}, k] for a matrix ${fmtShape(A.shape)} but received ${fmtShape(B0.shape)}`);
  }
  let B = vec ? reshape(B0, [n, 1]) : B0;
  const batch = broadcastBatch(op, A.shape.slice(0, -2), B.shape.slice(0, -2), A.shape, B0.shape);
  const Ab = sameBatch(A, batch), Bb = sameBatch(B, batch);
  const x = prim(Ab, Bb);
  return vec ? reshape(x, [...batch, n]) : x;
}

function broadcastBatch(op: string, a: Shape, b: Shape, sa: Shape, sb: Shape): number[] {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[i - r + a.length] ?? 1, y = b[i - r + b.length] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail('ERR_SHAPE', op, `batch axes do not broadcast: ${fmtShape(sa)} and ${fmtShape(sb)}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}
const sameBatch = (x: Tensor, batch: readonly number[]): Tensor => {
  const want = [...batch, ...x.shape.slice(-2)];
  return want.length === x.rank && want.every((d, i) => d === x.shape[i]) ? x : broadcastTo(x, want);
};

/** a batched operand [N, ...] or an unbatched one broadcast to it */
export const lift = (x: Tensor, batched: boolean, n: number): Tensor => (batched ? x : broadcastTo(x, [n, ...x.shape]));

/** the outputs of a multi-output op's packed value */
export const partsOf = (op: OpDef, out: Tensor, ins: readonly Tensor[], attrs: unknown = undefined): Tensor[] =>
  unpack(out, op.parts!(ins.map((t) => t.shape), attrs));

/** apply a multi-output op and read its parts */
export const applyParts = (op: OpDef, ins: readonly Tensor[], attrs: unknown = undefined): Tensor[] =>
  partsOf(op, apply(op, ins, attrs), ins, attrs);

/**
 * Batching rule of a multi-output op batched over leading axes: the op on [N, ...] inputs, its
 * parts regrouped as the rows [N, total] a batched packed value is (part's batching rule reads them).
 */
export function batchParts(op: OpDef, ins: readonly Tensor[], attrs: unknown = undefined): Tensor {
  const n = ins[0].shape[0];
  return concat(applyParts(op, ins, attrs).map((p) => reshape(p, [n, sizeOf(p.shape) / n])), 1);
}

/** the packed tangent of a multi-output op from its parts' tangents */
export const packTangents = (ts: readonly Tensor[]): Tensor => concat(ts.map((t) => reshape(t, [sizeOf(t.shape)])), 0);

/** sum the rule's contribution into the pending cotangent of a multi-output op's input */
export const plus = (pending: Tensor | null, t: Tensor | null): Tensor | null => (pending && t ? add(pending, t) : pending ?? t);

/** n-element batch count of a shape's leading axes */
export const batchSize = (s: Shape): number => sizeOf(s.slice(0, -2));
