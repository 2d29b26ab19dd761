import type { Tensor, TensorLike } from '../core/tensor.js';
import { defineOp, type OpDef } from './op.js';
import { reduceShape, reduceKernel, applyReduce, fmtReduce, batchReduce, type ReduceAttrs, reduceWords, REDUCE_LAYOUT } from './reduce.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { mul } from './mul.js';
import { transpose } from './transpose.js';
import { slice } from './slice.js';
import { concat } from './concat.js';
import { sum } from './sum.js';
import { cmul, keptShape } from './util.js';

// y = Π_axes x;  ∂y/∂xᵢ = Π_{j≠i} xⱼ computed without division (prefix·suffix products), so it is
// exact with zeros — one zero: only that entry gets the product of the others; two or more: all 0
// (DESIGN §4) — and with products that under- or overflow
export const prodOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'prod',
  family: 'reduce',
  nativeAttrs: reduceWords,
  nativeLayout: REDUCE_LAYOUT,
  arity: 1,
  shape: ([s], a) => reduceShape(s, a),
  kernel: reduceKernel('prod', 1, (acc, x) => acc * x),
  vjp: (g, { ins: [x], attrs }) => [cmul(broadcastTo(reshape(g, keptShape(x.shape, attrs.axes)), [...x.shape]), othersProduct(x, attrs))],
  jvp: ([t], { ins: [x], attrs }) => (t ? sum(cmul(t, othersProduct(x, attrs)), attrs.axes, attrs.keepDims) : null),
  batch: (ins, b, a) => batchReduce(prodOp)(ins, b, a),
  fmtAttrs: fmtReduce,
  test: { domain: [-2, 2], kinks: [0] },
});

/**
 * Π_{j≠i} xⱼ over the reduced axes without division: the exclusive prefix product times the
 * exclusive suffix product (each a log-depth doubling scan). Exact with zeros and with products
 * that under- or overflow, and written in wengert ops, so it differentiates again.
 */
function othersProduct(x: Tensor, { axes }: ReduceAttrs): Tensor {
  const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...rest, ...axes];
  const moved = transpose(x, perm);                       // reduced axes last
  const lead = rest.map((i) => x.shape[i]);
  const m = axes.reduce((n, a) => n * x.shape[a], 1);
  const flat = reshape(moved, [...lead, m]);
  const others = mul(exclusiveScan(flat, true), exclusiveScan(flat, false));
  const inv: number[] = [];
  perm.forEach((p, k) => { inv[p] = k; });
  return transpose(reshape(others, [...moved.shape]), inv);
}

/** exclusive product scan along the last axis, from the front (forward) or from the back */
function exclusiveScan(v: Tensor, forward: boolean): Tensor {
  const m = v.shape[v.rank - 1];
  let s = v;
  for (let d = 1; d < m; d *= 2) s = mul(s, shift(s, d, forward));
  return shift(s, 1, forward);
}

/** v moved d places along the last axis (forward: toward higher indices), filled with ones */
function shift(v: Tensor, d: number, forward: boolean): Tensor {
  const m = v.shape[v.rank - 1], lead = v.shape.slice(0, -1);
  if (d >= m) return broadcastTo(1, [...v.shape]);
  const ones = broadcastTo(1, [...lead, d]);
  const zeros = lead.map(() => 0);
  const kept = forward ? slice(v, [...zeros, 0], [...lead, m - d]) : slice(v, [...zeros, d], [...lead, m]);
  return concat(forward ? [ones, kept] : [kept, ones], v.rank - 1);
}
export const prod = (x: TensorLike, axis?: number | readonly number[], keepDims?: boolean) => applyReduce(prodOp, x, axis, keepDims);
