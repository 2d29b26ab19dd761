// cumsum and cumprod: inclusive scans along an axis by log-depth doubling (Hillis–Steele:
// s ← s ∘ shift(s, d) for d = 1, 2, 4, …), compositions of slice, concat, add and mul. Their
// derivatives follow from the primitives': a cumprod with zeros is differentiated exactly (every
// partial is a product of the other factors; nothing is divided).
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { normAxis } from '../core/shape.js';
import { slice } from './slice.js';
import { concat } from './concat.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { broadcastTo } from './broadcastTo.js';

/** v moved d places toward higher indices along axis, the first d filled with `fill` */
function shift(v: Tensor, d: number, axis: number, fill: number): Tensor {
  const n = v.shape[axis];
  const head = broadcastTo(fill, v.shape.map((s, i) => (i === axis ? d : s)));
  const kept = slice(v, v.shape.map(() => 0), v.shape.map((s, i) => (i === axis ? n - d : s)));
  return concat([head, kept], axis);
}

function scan(op: string, x: TensorLike, axis: number, combine: (a: Tensor, b: Tensor) => Tensor, fill: number): Tensor {
  const t = asTensor(x, op);
  if (t.rank === 0) return t;
  const ax = normAxis(op, axis, t.rank);
  let s = t;
  for (let d = 1; d < t.shape[ax]; d *= 2) s = combine(s, shift(s, d, ax, fill));
  return s;
}

/** cumsum(x, axis = 0)[…, i, …] = Σ_{j ≤ i} x[…, j, …] */
export const cumsum = (x: TensorLike, axis = 0): Tensor => scan('cumsum', x, axis, add, 0);
/** cumprod(x, axis = 0)[…, i, …] = Π_{j ≤ i} x[…, j, …] */
export const cumprod = (x: TensorLike, axis = 0): Tensor => scan('cumprod', x, axis, mul, 1);
