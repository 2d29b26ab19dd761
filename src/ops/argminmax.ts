// argmax, argmin (NumPy: the first index of the extreme value; a NaN counts as the extreme):
// compositions of comparisons and min, so they have no derivative.
import { asTensor, Tensor, type TensorLike } from '../core/tensor.js';
import { normAxis } from '../core/shape.js';
import { max } from './max.js';
import { min } from './min.js';
import { equal } from './equal.js';
import { notEqual } from './notEqual.js';
import { maximum } from './maximum.js';
import { where } from './where.js';
import { reshape } from './reshape.js';

function arg(op: string, x: TensorLike, axis: number | undefined, extreme: typeof max): Tensor {
  let t = asTensor(x, op);
  if (axis === undefined) t = reshape(t, [t.size]);
  const ax = axis === undefined ? 0 : normAxis(op, axis, t.rank);
  const n = t.shape[ax];
  const iota = new Tensor(t.shape.map((d, i) => (i === ax ? n : 1)), Float64Array.from({ length: n }, (_, i) => i));
  const hit = maximum(equal(t, extreme(t, ax, true)), notEqual(t, t));   // the extreme, or a NaN
  return min(where(hit, iota, Infinity), ax);
}
/** argmax(x, axis?): index of the largest entry along axis (of the flattened x without one) */
export const argmax = (x: TensorLike, axis?: number): Tensor => arg('argmax', x, axis, max);
/** argmin(x, axis?): index of the smallest entry */
export const argmin = (x: TensorLike, axis?: number): Tensor => arg('argmin', x, axis, min);
