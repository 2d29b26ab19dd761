import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { normAxis, sizeOf, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { scatterInto as scatterAdd } from './scatterAdd.js';
import { transpose } from './transpose.js';
import { gatherBoth } from './gather-batch.js';

interface Attrs { readonly axis: number }
// y = take(x, idx, axis) (NumPy take, no wraparound);  x̄ = scatterAdd(ȳ, idx);  idx has no derivative
export const gatherOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'gather',
  linear: [0],   // JVP: the op on the tangents; vjp: its transpose
  family: 'gather',
  nativeAttrs: ({ axis }) => [axis],
  nativeLayout: 'axis',
  arity: 2,
  shape: ([s, is], { axis }) => [...s.slice(0, axis), ...is, ...s.slice(axis + 1)],
  kernel: ([x, idx], [s], out, { axis }) => {
    const outer = sizeOf(s.slice(0, axis)), n = s[axis], inner = sizeOf(s.slice(axis + 1));
    checkIndices('gather', idx, n);
    const y = new Float64Array(sizeOf(out));
    let o = 0;
    for (let a = 0; a < outer; a++) {
      for (let k = 0; k < idx.length; k++) {
        const src = (a * n + idx[k]) * inner;
        for (let j = 0; j < inner; j++) y[o++] = x[src + j];
      }
    }
    return y;
  },
  vjp: (g, { ins: [x, idx], attrs: { axis } }) => [scatterAdd(g, idx, axis, x.shape[axis]), null],
  batch: ([x, idx], batched, { axis }) => {
    if (!batched[1]) return apply(gatherOp, [x, idx], { axis: axis + 1 });
    if (batched[0]) return gatherBoth(gatherOp, x, idx, axis);
    // indices [N, ...is] into an unbatched x: the batch axis lands at `axis`; move it to the front
    const y = apply(gatherOp, [x, idx], { axis });
    return axis === 0 ? y : transpose(y, [axis, ...y.shape.map((_, i) => i).filter((i) => i !== axis)]);
  },
  fmtAttrs: ({ axis }) => `axis=${axis}`,
  test: { domain: [[-3, 3], [0, 3]], shapes: [[[4, 3], [5]], [[2, 4], [2, 3]]], attrs: [{ axis: 0 }, { axis: 1 }], integerInputs: [1] },
});

/** Indices must be integers in [0, n). */
export function checkIndices(op: string, idx: Float64Array, n: number): void {
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      fail('ERR_ARG', op, `expected integer indices in [0, ${n}) but received ${i} at position ${k}`);
    }
  }
}

export function gather(x: TensorLike, indices: TensorLike, axis = 0): Tensor {
  const t = asTensor(x, 'gather'), idx = asTensor(indices, 'gather');
  const ax = normAxis('gather', axis, t.rank);
  if (t.rank === 0) fail('ERR_SHAPE', 'gather', 'cannot gather from a 0-d tensor');
  if (idx._data) checkIndices('gather', idx._data, t.shape[ax]);
  return apply(gatherOp, [t, idx], { axis: ax });
}
export type { Shape };
