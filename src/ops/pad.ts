import type { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { sizeOf, strides } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { stridedCopy, fmtList, rowMajor } from './layout.js';
import { sliceOp } from './slice.js';

interface Attrs { readonly before: readonly number[]; readonly after: readonly number[] }
// y = x surrounded by zeros (the transpose of slice);  x̄ = ȳ[before : before + shape(x)]
export const padOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'pad',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  nativeAttrs: ({ before }) => [...before],
  nativeLayout: 'before[rank]',
  arity: 1,
  shape: ([s], { before, after }) => s.map((d, i) => before[i] + d + after[i]),
  kernel: ([x], [s], out, { before }) => {
    const y = new Float64Array(sizeOf(out));
    const os = rowMajor(out);
    return stridedCopy(x, 0, strides(s), s, y, before.reduce((o, b, i) => o + b * os[i], 0), os);
  },
  vjp: (g, { ins: [x], attrs: { before } }) =>
    [apply(sliceOp, [g], { begin: before, end: before.map((b, i) => b + x.shape[i]) })],
  batch: ([x], _b, { before, after }) => apply(padOp, [x], { before: [0, ...before], after: [0, ...after] }),
  simplify: ([x], { before, after }) => (before.every((b, i) => b === 0 && after[i] === 0) ? x : undefined),
  fmtAttrs: ({ before, after }) => `before=${fmtList(before)} after=${fmtList(after)}`,
  test: { domain: [-3, 3], shapes: [[[2, 3]]], attrs: [{ before: [1, 0], after: [0, 2] }] },
});

export const pad = (x: Tensor, before: readonly number[], after: readonly number[]): Tensor =>
  apply(padOp, [x], { before: [...before], after: [...after] });
