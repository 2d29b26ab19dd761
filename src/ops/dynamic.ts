// dynamicSlice, dynamicUpdateSlice and at(x, i) with a start or index that may be traced (a loop
// counter): a gather per axis (and scatterAdd for the update), whose indices are checked on every
// path — eager, traced, compiled, both backends: out of range is ERR_ARG (JAX clamps; wengert
// refuses). A concrete start takes the static slice/pad path.
import { asTensor, Tensor, liveData, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { gather } from './gather.js';
import { scatterInto } from './scatterAdd.js';
import { slice } from './slice.js';
import { padZeros } from './pad.js';
import { reshape } from './reshape.js';
import { add } from './add.js';
import { where } from './where.js';
import { broadcastTo } from './broadcastTo.js';

const iota = (n: number) => new Tensor([n], Float64Array.from({ length: n }, (_, i) => i));

/** the start as numbers (concrete) or as one 0-d tensor per axis (traced) */
function starts(op: string, start: TensorLike | readonly number[], rank: number): number[] | Tensor[] {
  const s = asTensor(start as TensorLike, op);
  if (s.rank !== 1 || s.shape[0] !== rank) fail('ERR_SHAPE', op, `expected one start index per axis (${rank}) but received ${fmtShape(s.shape)}`);
  const sd = liveData(s, op);
  if (sd) {
    const d = Array.from(sd);
    const bad = d.findIndex((v) => !Number.isInteger(v));
    if (bad >= 0) fail('ERR_ARG', op, `expected integer start indices but received ${d[bad]} at axis ${bad}`);
    return d;
  }
  return Array.from({ length: rank }, (_, k) => reshape(slice(s, [k], [k + 1]), []));
}

function checkRange(op: string, shape: readonly number[], begin: readonly number[], sizes: readonly number[]): void {
  begin.forEach((b, k) => {
    if (b < 0 || b + sizes[k] > shape[k]) fail('ERR_ARG', op, `start ${b} with size ${sizes[k]} is out of range for axis ${k} of ${fmtShape(shape)}`);
  });
}

/** dynamicSlice(x, start, sizes): x[start[k] : start[k] + sizes[k]] on every axis */
export function dynamicSlice(x: TensorLike, start: TensorLike | readonly number[], sizes: readonly number[]): Tensor {
  const t = asTensor(x, 'dynamicSlice');
  if (!Array.isArray(sizes) || sizes.length !== t.rank || sizes.some((d, k) => !Number.isInteger(d) || d < 0 || d > t.shape[k])) {
    fail('ERR_ARG', 'dynamicSlice', `expected one size per axis within ${fmtShape(t.shape)} but received [${sizes}]`);
  }
  const s = starts('dynamicSlice', start, t.rank);
  if (typeof s[0] === 'number' || t.rank === 0) {
    const b = s as number[];
    checkRange('dynamicSlice', t.shape, b, sizes);
    return slice(t, b, b.map((v, k) => v + sizes[k]));
  }
  let y = t;
  (s as Tensor[]).forEach((sk, k) => { y = gather(y, add(sk, iota(sizes[k])), k); });
  return y;
}

/** dynamicUpdateSlice(x, update, start): x with the block at start replaced by update */
export function dynamicUpdateSlice(x: TensorLike, update: TensorLike, start: TensorLike | readonly number[]): Tensor {
  const t = asTensor(x, 'dynamicUpdateSlice'), u = asTensor(update, 'dynamicUpdateSlice');
  if (u.rank !== t.rank || u.shape.some((d, k) => d > t.shape[k])) {
    fail('ERR_SHAPE', 'dynamicUpdateSlice', `expected an update of rank ${t.rank} fitting in ${fmtShape(t.shape)} but received ${fmtShape(u.shape)}`);
  }
  const s = starts('dynamicUpdateSlice', start, t.rank);
  const ones = broadcastTo(1, [...u.shape]);
  let embed: (v: Tensor) => Tensor;
  if (typeof s[0] === 'number' || t.rank === 0) {
    const b = s as number[];
    checkRange('dynamicUpdateSlice', t.shape, b, u.shape);
    embed = (v) => padZeros(v, b, b.map((v0, k) => t.shape[k] - v0 - u.shape[k]));
  } else {
    embed = (v) => (s as Tensor[]).reduce((acc, sk, k) => scatterInto(acc, add(sk, iota(u.shape[k])), k, t.shape[k]), v);
  }
  return where(embed(ones), embed(u), t);
}

/** at(x, i) = x[i] along axis 0: i a number (negative counts from the end) or a 0-d tensor (may be traced; no wraparound) */
export function at(x: TensorLike, i: number | Tensor): Tensor {
  const t = asTensor(x, 'at');
  if (t.rank === 0) fail('ERR_SHAPE', 'at', 'cannot index a 0-d tensor');
  const n = t.shape[0];
  if (i instanceof Tensor) {
    if (i.size !== 1) fail('ERR_SHAPE', 'at', `expected a single index but received a tensor of shape ${fmtShape(i.shape)}`);
    const id = liveData(i, 'at');
    if (!id) return gather(t, i.rank ? reshape(i, []) : i, 0);
    // a tensor index never wraps (gather's rule: the same on the eager and the traced path)
    const v = id[0];
    if (!Number.isInteger(v) || v < 0 || v >= n) fail('ERR_ARG', 'at', `expected an integer index in [0, ${n}) but received ${v}`);
    i = v;
  }
  if (typeof i !== 'number' || !Number.isInteger(i)) fail('ERR_ARG', 'at', `expected an integer index but received ${String(i)}`);
  if (i < -n || i >= n) fail('ERR_ARG', 'at', `index ${i} is out of range for axis 0 of size ${n}`);
  const k = i < 0 ? i + n : i;
  // a concrete tensor's row is copied directly (what slice + reshape compute, without two op applications)
  const td = liveData(t, 'at');
  if (td) { const m = t.size / n; return new Tensor(t.shape.slice(1), td.slice(k * m, (k + 1) * m)); }
  return reshape(slice(t, [k], [k + 1]), t.shape.slice(1));
}
