import type { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { sizeOf } from '../core/shape.js';
import { fail } from '../core/errors.js';
import { defineOp, type OpDef } from './op.js';
import { checkIndices, gatherOp } from './gather.js';

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
    ? fail('ERR_NO_RULE', 'scatterAdd', 'batching over scatter indices is not supported (indices have no derivative)')
    : apply(scatterAddOp, [g, idx], { axis: axis + 1, size })),
  fmtAttrs: ({ axis, size }) => `axis=${axis} size=${size}`,
  test: { domain: [[-3, 3], [0, 3]], shapes: [[[5, 3], [5]], [[2, 2, 3], [2, 3]]], attrs: [{ axis: 0, size: 4 }, { axis: 1, size: 4 }], integerInputs: [1] },
});
export const scatterAdd = (g: Tensor, idx: Tensor, axis: number, size: number): Tensor =>
  apply(scatterAddOp, [g, idx], { axis, size });
