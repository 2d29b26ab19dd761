// Batching rules of gather and scatterAdd when the indices are batched too (vmap of per-example
// indexing): the batch axis is folded into the indexed axis, each example's indices offset by
// example·n, so one gather (scatterAdd) serves all examples.
import { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import type { OpDef } from './op.js';
import { transpose } from './transpose.js';
import { reshape } from './reshape.js';
import { add } from './add.js';
import { broadcastTo } from './broadcastTo.js';

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
/** idx [N, ...is] + n·k for example k */
const offset = (idx: Tensor, n: number): Tensor =>
  add(idx, new Tensor([idx.shape[0], ...idx.shape.slice(1).map(() => 1)], Float64Array.from({ length: idx.shape[0] }, (_, k) => k * n)));

/** gather(x[k], idx[k], axis) for every k: x [N, ...s], idx [N, ...is] → [N, ...s[:axis], ...is, ...s[axis+1:]] */
export function gatherBoth(op: OpDef, x: Tensor, idx: Tensor, axis: number): Tensor {
  const N = x.shape[0], n = x.shape[axis + 1], ri = idx.rank - 1, ra = axis, r = x.rank;
  const xt = transpose(x, [0, axis + 1, ...range(1, axis + 1), ...range(axis + 2, r)]);
  const flat = reshape(xt, [N * n, ...xt.shape.slice(2)]);
  const y = apply(op, [flat, offset(idx, n)], { axis: 0 });   // [N, ...is, ...lead, ...rest]
  return transpose(y, [0, ...range(1 + ri, 1 + ri + ra), ...range(1, 1 + ri), ...range(1 + ri + ra, y.rank)]);
}

/** scatterAdd(g[k], idx[k], axis, size) for every k (g broadcast when unbatched) */
export function scatterBoth(op: OpDef, g: Tensor, gBatched: boolean, idx: Tensor, axis: number, size: number): Tensor {
  const N = idx.shape[0], ri = idx.rank - 1;
  const gb = gBatched ? g : broadcastTo(g, [N, ...g.shape]);
  const r = gb.rank;
  // [N, ...lead, ...is, ...rest] → [N, ...is, ...lead, ...rest]
  const gt = transpose(gb, [0, ...range(1 + axis, 1 + axis + ri), ...range(1, 1 + axis), ...range(1 + axis + ri, r)]);
  const y = apply(op, [gt, offset(idx, size)], { axis: 0, size: N * size });   // [N·size, ...lead, ...rest]
  const lead = gb.shape.slice(1, 1 + axis), rest = gb.shape.slice(1 + axis + ri);
  const z = reshape(y, [N, size, ...lead, ...rest]);
  return transpose(z, [0, ...range(2, 2 + axis), 1, ...range(2 + axis, z.rank)]);
}
