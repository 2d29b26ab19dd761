import { Tensor, asTensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { add } from './add.js';
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

export const padZeros = (x: Tensor, before: readonly number[], after: readonly number[]): Tensor =>
  apply(padOp, [x], { before: [...before], after: [...after] });

/**
 * pad(x, widths, value = 0): widths[i] = [before, after] for each leading axis i (missing trailing
 * axes are not padded), NumPy's constant mode. y = padZeros(x) + value·(1 − padZeros(1)): the
 * border is a constant, so the derivative is padZeros's (the slice of the cotangent).
 */
export function pad(x: TensorLike, widths: readonly (readonly [number, number])[], value = 0): Tensor {
  const t = asTensor(x, 'pad');
  if (!Array.isArray(widths) || widths.length > t.rank || widths.some((p) => !Array.isArray(p) || p.length !== 2 || p.some((v) => !Number.isInteger(v) || v < 0))) {
    fail('ERR_ARG', 'pad', `expected widths as [before, after] pairs of non-negative integers, at most one per axis of ${fmtShape(t.shape)}, but received ${JSON.stringify(widths)}`);
  }
  if (typeof value !== 'number') fail('ERR_ARG', 'pad', `expected a number as the value but received ${typeof value}`);
  const before = t.shape.map((_, i) => widths[i]?.[0] ?? 0), after = t.shape.map((_, i) => widths[i]?.[1] ?? 0);
  const y = padZeros(t, before, after);
  if (value === 0) return y;
  const border = padZeros(new Tensor(t.shape, new Float64Array(t.size).fill(1)), before, after)._data!.map((m) => (m ? 0 : value));
  return add(y, new Tensor(y.shape, border));
}
