import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { strides, fmtShape, sizeOf } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { stridedCopy, fmtList } from './layout.js';
import { padZeros as pad } from './pad.js';

interface Attrs { readonly begin: readonly number[]; readonly end: readonly number[] }
// y = x[begin:end] (end exclusive, one entry per axis);  x̄ = pad(ȳ) with zeros outside
export const sliceOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'slice',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  nativeAttrs: ({ begin }) => [...begin],
  nativeLayout: 'begin[rank]',
  arity: 1,
  shape: (_, { begin, end }) => begin.map((b, i) => end[i] - b),
  kernel: ([x], [s], out, { begin, end }) => {
    const st = strides(s);
    const off = begin.reduce((o, b, i) => o + b * st[i], 0);
    // a contiguous region (full trailing axes, extent 1 before the partial axis) is a view, not a copy
    return contiguous(s, begin, end) ? x.subarray(off, off + sizeOf(out)) : stridedCopy(x, off, st, out);
  },
  vjp: (g, { ins: [x], attrs: { begin, end } }) => [pad(g, begin, end.map((e, i) => x.shape[i] - e))],
  batch: ([x], _b, { begin, end }) => apply(sliceOp, [x], { begin: [0, ...begin], end: [x.shape[0], ...end] }),
  simplify: ([x], { begin, end }) => (begin.every((b, i) => b === 0 && end[i] === x.shape[i]) ? x : undefined),
  fmtAttrs: ({ begin, end }) => `begin=${fmtList(begin)} end=${fmtList(end)}`,
  test: { domain: [-3, 3], shapes: [[[4, 5]]], attrs: [{ begin: [1, 0], end: [3, 4] }] },
});

function contiguous(s: readonly number[], begin: readonly number[], end: readonly number[]): boolean {
  let p = s.length - 1;
  while (p >= 0 && begin[p] === 0 && end[p] === s[p]) p--;
  for (let k = 0; k < p; k++) if (end[k] - begin[k] !== 1) return false;
  return true;
}

/** slice(x, begin, end): one entry per leading axis; missing trailing axes are taken whole. */
export function slice(x: TensorLike, begin: readonly number[], end: readonly number[]): Tensor {
  const t = asTensor(x, 'slice');
  if (!Array.isArray(begin) || !Array.isArray(end) || begin.length !== end.length || begin.length > t.rank) {
    fail('ERR_ARG', 'slice', `expected begin and end arrays of equal length ≤ rank ${t.rank} but received [${begin}] and [${end}]`);
  }
  const b = t.shape.map((_, i) => (i < begin.length ? begin[i] : 0));
  const e = t.shape.map((d, i) => (i < end.length ? end[i] : d));
  t.shape.forEach((d, i) => {
    if (!Number.isInteger(b[i]) || !Number.isInteger(e[i]) || b[i] < 0 || e[i] > d || b[i] > e[i]) {
      fail('ERR_SHAPE', 'slice', `range [${b[i]}, ${e[i]}) on axis ${i} is out of bounds for ${fmtShape(t.shape)}`);
    }
  });
  return apply(sliceOp, [t], { begin: b, end: e });
}
