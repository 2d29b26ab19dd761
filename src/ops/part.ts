// part: output `index` of a multi-output op. A multi-output op (a loop) writes all its outputs into
// one packed buffer, back to back; each output is read by a part equation, a contiguous view
// y = reshape(x[offset : offset + size], shape). Reverse mode collects the parts' cotangents into
// one list for the producing op's rule (vjp.ts), so an unused output stays a structural zero.
import type { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { fmtList } from './layout.js';
import { slice } from './slice.js';
import { reshape } from './reshape.js';
import { padZeros as pad } from './pad.js';

export interface PartAttrs { readonly index: number; readonly offset: number; readonly shape: Shape }

export const partOp: OpDef<PartAttrs> = defineOp<PartAttrs>({
  name: 'part',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  arity: 1,
  shape: ([s], { offset, shape }) => {
    if (s.length !== 1 || offset < 0 || offset + sizeOf(shape) > s[0]) fail('ERR_SHAPE', 'part', `${fmtShape(shape)} at ${offset} does not fit in ${fmtShape(s)}`);
    return shape;
  },
  kernel: ([x], _s, out, { offset }) => x.subarray(offset, offset + sizeOf(out)),
  // vjp of a multi-output op's part: collected per part by the reverse sweep (see the header); of a
  // part of any other packed value: the cotangent padded with zeros to the packed length
  vjp: (g, { ins: [x], attrs: { offset } }) => [pad(reshape(g, [g.size]), [offset], [x.shape[0] - offset - g.size])],
  // a batched packed value [N, total]: the rows' parts (a strided copy)
  batch: ([x], _b, { offset, shape }) => reshape(slice(x, [0, offset], [x.shape[0], offset + sizeOf(shape)]), [x.shape[0], ...shape]),
  // a part of a contiguous prefix part (reverse mode's view of a loop that also stacks residuals)
  // reads the packed value itself: parts stay one level deep, so reverse mode collects them
  simplify: ([x], { index, offset, shape }) => {
    const e = x._trace?.producerOf(x);
    if (!e || e.op !== partOp || (e.attrs as PartAttrs).offset !== 0) return undefined;
    const packed = x._trace!.tensorOf(e.ins[0]);
    return apply(partOp, [packed], { index, offset, shape });
  },
  fmtAttrs: ({ index, offset, shape }) => `#${index} at=${offset} shape=${fmtList(shape)}`,
  test: { coveredBy: 'test/loops.test.ts' },
});

/** The outputs of a packed multi-output value: one part equation each. */
export function unpack(packed: Tensor, shapes: readonly Shape[]): Tensor[] {
  let offset = 0;
  return shapes.map((shape, index) => {
    const t = apply(partOp, [packed], { index, offset, shape: [...shape] });
    offset += sizeOf(shape);
    return t;
  });
}

/** offsets of each output in the packed buffer, and its total size */
export function packedLayout(shapes: readonly Shape[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const s of shapes) { offsets.push(total); total += sizeOf(s); }
  return { offsets, total };
}
