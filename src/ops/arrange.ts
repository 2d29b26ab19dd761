// flip, tile, split: compositions of gather, reshape, broadcastTo and slice (linear, so their
// derivatives follow: flip's is the flipped cotangent, tile's the sum over the copies).
import { asTensor, Tensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { normAxes, normAxis, fmtShape } from '../core/shape.js';
import { gather } from './gather.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { slice } from './slice.js';

/** flip(x, axis?): entries reversed along the axes (all axes without one) */
export function flip(x: TensorLike, axis?: number | readonly number[]): Tensor {
  let t = asTensor(x, 'flip');
  for (const a of normAxes('flip', axis, t.rank)) {
    const n = t.shape[a];
    if (n > 1) t = gather(t, new Tensor([n], Float64Array.from({ length: n }, (_, i) => n - 1 - i)), a);
  }
  return t;
}

/** tile(x, reps): x repeated reps[i] times along axis i (NumPy: x gains leading axes when reps is longer) */
export function tile(x: TensorLike, reps: number | readonly number[]): Tensor {
  const t = asTensor(x, 'tile');
  const r = typeof reps === 'number' ? [reps] : [...reps];
  if (r.some((k) => !Number.isInteger(k) || k < 0)) fail('ERR_ARG', 'tile', `expected non-negative integer repetitions but received [${r}]`);
  const n = Math.max(r.length, t.rank);
  const shape = [...new Array<number>(n - t.rank).fill(1), ...t.shape];
  const rr = [...new Array<number>(n - r.length).fill(1), ...r];
  // [d0, d1, …] → [1, d0, 1, d1, …] → [r0, d0, r1, d1, …] → [r0·d0, r1·d1, …]
  const lifted = reshape(t, shape.flatMap((d) => [1, d]));
  const b = broadcastTo(lifted, shape.flatMap((d, i) => [rr[i], d]));
  return reshape(b, shape.map((d, i) => d * rr[i]));
}

/**
 * split(x, sections, axis = 0) → Tensor[] (NumPy): a number of equal sections (which must divide
 * the axis), or increasing indices where the axis is cut (x[:i0], x[i0:i1], …, x[ik:]; indices past
 * the end give empty pieces).
 */
export function split(x: TensorLike, sections: number | readonly number[], axis = 0): Tensor[] {
  const t = asTensor(x, 'split');
  if (t.rank === 0) fail('ERR_SHAPE', 'split', 'cannot split a 0-d tensor');
  const ax = normAxis('split', axis, t.rank), n = t.shape[ax];
  let cuts: number[];
  if (typeof sections === 'number') {
    if (!Number.isInteger(sections) || sections < 1 || n % sections !== 0) {
      fail('ERR_ARG', 'split', `${sections} equal sections do not divide axis ${ax} of ${fmtShape(t.shape)}`);
    }
    cuts = Array.from({ length: sections - 1 }, (_, i) => ((i + 1) * n) / sections);
  } else {
    if (!Array.isArray(sections) || sections.some((i) => !Number.isInteger(i))) fail('ERR_ARG', 'split', `expected a number of sections or an array of integer indices but received ${String(sections)}`);
    cuts = sections.map((i) => Math.min(Math.max(i < 0 ? i + n : i, 0), n));
  }
  const bounds = [0, ...cuts, n];
  return bounds.slice(1).map((e, k) => {
    const b = bounds[k], end = Math.max(e, b);
    return slice(t, t.shape.map((_, i) => (i === ax ? b : 0)), t.shape.map((d, i) => (i === ax ? end : d)));
  });
}
