import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { normAxis, sameShape, fmtShape } from '../core/shape.js';
import { add } from './add.js';
import { apply } from '../core/trace.js';
import { sizeOf } from '../core/shape.js';
import { fail } from '../core/errors.js';
import { defineOp, type OpDef } from './op.js';
import { checkIndices, gatherOp } from './gather.js';
import { scatterBoth } from './gather-batch.js';

interface Attrs { readonly axis: number; readonly size: number }
// y = zeros with y[…, idx[k], …] += g[…, k, …] (the transpose of gather);  ḡ = gather(ȳ, idx)
export const scatterAddOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'scatterAdd',
  linear: [0],   // JVP: the op on the tangents; vjp: its transpose
  family: 'gather',
  nativeAttrs: ({ axis, size }) => [axis, size],
  nativeLayout: 'axis size',
  arity: 2,
  shape: ([s, is], { axis, size }) => [...s.slice(0, axis), size, ...s.slice(axis + is.length)],
  kernel: ([g, idx], [s, is], out, { axis, size }) => {
    checkIndices('scatterAdd', idx, size);
    const outer = sizeOf(s.slice(0, axis)), inner = sizeOf(s.slice(axis + is.length));
    const y = new Float64Array(sizeOf(out));
    let o = 0;
    for (let a = 0; a < outer; a++) {
      for (let k = 0; k < idx.length; k++) {
        const dst = (a * size + idx[k]) * inner;
        for (let j = 0; j < inner; j++) y[dst + j] += g[o++];
      }
    }
    return y;
  },
  vjp: (gy, { ins: [, idx], attrs: { axis } }) => [apply(gatherOp, [gy, idx], { axis }), null],
  batch: ([g, idx], batched, { axis, size }) => (batched[1]
    ? scatterBoth(scatterAddOp, g, batched[0], idx, axis, size)
    : apply(scatterAddOp, [g, idx], { axis: axis + 1, size })),
  fmtAttrs: ({ axis, size }) => `axis=${axis} size=${size}`,
  test: { domain: [[-3, 3], [0, 3]], shapes: [[[5, 3], [5]], [[2, 2, 3], [2, 3]]], attrs: [{ axis: 0, size: 4 }, { axis: 1, size: 4 }], integerInputs: [1] },
});
/** the primitive: zeros of `size` along axis with g's slices added at idx */
export const scatterInto = (g: Tensor, idx: Tensor, axis: number, size: number): Tensor =>
  apply(scatterAddOp, [g, idx], { axis, size });

/**
 * scatterAdd(x, indices, updates, axis = 0): x with updates[…, k, …] added at x[…, indices[k], …]
 * (repeated indices add up); updates has x's shape with axis replaced by the indices' shape.
 * Indices may be traced; out of range is ERR_ARG on every path.
 */
export function scatterAdd(x: TensorLike, indices: TensorLike, updates: TensorLike, axis = 0): Tensor {
  const t = asTensor(x, 'scatterAdd'), idx = asTensor(indices, 'scatterAdd'), u = asTensor(updates, 'scatterAdd');
  if (t.rank === 0) fail('ERR_SHAPE', 'scatterAdd', 'cannot scatter into a 0-d tensor');
  const ax = normAxis('scatterAdd', axis, t.rank);
  const want = [...t.shape.slice(0, ax), ...idx.shape, ...t.shape.slice(ax + 1)];
  if (!sameShape(u.shape, want)) fail('ERR_SHAPE', 'scatterAdd', `expected updates of shape ${fmtShape(want)} (x's shape with axis ${ax} replaced by the indices' shape) but received ${fmtShape(u.shape)}`);
  if (idx._data) checkIndices('scatterAdd', idx._data, t.shape[ax]);
  return add(t, scatterInto(u, idx, ax, t.shape[ax]));
}
