// Public ops defined as compositions of primitives (their derivatives follow from the primitives').
import { asTensor, liveData, type Tensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { normAxes, normAxis, fmtShape } from '../core/shape.js';
import { sum } from './sum.js';
import { max } from './max.js';
import { div } from './div.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { exp } from './exp.js';
import { log } from './log.js';
import { where } from './where.js';
import { equal } from './equal.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { concat } from './concat.js';
import { matmul } from './matmul.js';
import { stopGradient } from './stopGradient.js';
import { tensor } from '../core/tensor.js';
import { gather } from './gather.js';

type Axis = number | readonly number[] | undefined;

/** reciprocal(x) = 1/x */
export const reciprocal = (x: TensorLike): Tensor => div(1, x);
/** rsqrt(x) = 1/√x */
export const rsqrt = (x: TensorLike): Tensor => div(1, sqrt(x));

/** mean = Σ x / count */
export function mean(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = asTensor(x, 'mean');
  const axes = normAxes('mean', axis, t.rank);
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  return div(sum(t, axes, keepDims), count);
}

/** logsumexp = m + log Σ exp(x − m) with m = max(x) held constant (stable; gradient = softmax) */
export function logsumexp(x: TensorLike, axis?: Axis, keepDims = false): Tensor {
  const t = asTensor(x, 'logsumexp');
  const axes = normAxes('logsumexp', axis, t.rank);
  const m = finiteOrZero(stopGradient(max(t, axes, true)));
  const r = add(log(sum(exp(sub(t, m)), axes, true)), m);
  return keepDims ? r : reshape(r, t.shape.filter((_, i) => !axes.includes(i)));
}

/** softmax = exp(x − m) / Σ exp(x − m) */
export function softmax(x: TensorLike, axis = -1): Tensor {
  const t = asTensor(x, 'softmax');
  const ax = normAxis('softmax', axis, t.rank);
  const e = exp(sub(t, finiteOrZero(stopGradient(max(t, ax, true)))));
  return div(e, sum(e, ax, true));
}

/** logSoftmax = x − logsumexp(x) */
export function logSoftmax(x: TensorLike, axis = -1): Tensor {
  const t = asTensor(x, 'logSoftmax');
  return sub(t, logsumexp(t, normAxis('logSoftmax', axis, t.rank), true));
}

// an all −∞ (or +∞) slice would make x − m NaN; shift by 0 there instead
const finiteOrZero = (m: Tensor) => where(equal(sub(m, m), 0), m, 0);

/** dot: Σ a·b for vectors, a·b for scalars, else matmul */
export function dot(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'dot'), y = asTensor(b, 'dot');
  if (x.rank === 0 || y.rank === 0) return mul(x, y);
  if (x.rank === 1 && y.rank === 1) {
    if (x.shape[0] !== y.shape[0]) fail('ERR_SHAPE', 'dot', `vector lengths differ: ${fmtShape(x.shape)} · ${fmtShape(y.shape)}`);
    return sum(mul(x, y));
  }
  return matmul(x, y);
}

/** outer(a, b)[i, j] = a[i]·b[j] (inputs flattened) */
export function outer(a: TensorLike, b: TensorLike): Tensor {
  const x = asTensor(a, 'outer'), y = asTensor(b, 'outer');
  return mul(reshape(x, [x.size, 1]), reshape(y, [1, y.size]));
}

export function expandDims(x: TensorLike, axis: number): Tensor {
  const t = asTensor(x, 'expandDims');
  const ax = normAxis('expandDims', axis, t.rank, 1);
  const s = [...t.shape];
  s.splice(ax, 0, 1);
  return reshape(t, s);
}

export function squeeze(x: TensorLike, axis?: number | readonly number[]): Tensor {
  const t = asTensor(x, 'squeeze');
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes('squeeze', axis, t.rank);
  for (const a of axes) if (t.shape[a] !== 1) fail('ERR_SHAPE', 'squeeze', `axis ${a} has size ${t.shape[a]}, expected 1 (shape ${fmtShape(t.shape)})`);
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
}

export function stack(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) fail('ERR_ARG', 'stack', 'expected a non-empty array of tensors');
  const ts = xs.map((x) => asTensor(x, 'stack'));
  const ax = normAxis('stack', axis, ts[0].rank, 1);
  for (const t of ts) if (t.shape.join() !== ts[0].shape.join()) fail('ERR_SHAPE', 'stack', `all shapes must match: ${ts.map((u) => fmtShape(u.shape)).join(', ')}`);
  return concat(ts.map((t) => expandDims(t, ax)), ax);
}

export { at } from './dynamic.js';

export function unstack(x: TensorLike, axis = 0): Tensor[] {
  const t = asTensor(x, 'unstack');
  if (t.rank === 0) fail('ERR_SHAPE', 'unstack', 'cannot unstack a 0-d tensor');
  const ax = normAxis('unstack', axis, t.rank);
  const rest = t.shape.filter((_, i) => i !== ax);
  return Array.from({ length: t.shape[ax] }, (_, k) =>
    reshape(slice(t, t.shape.map((_, i) => (i === ax ? k : 0)), t.shape.map((d, i) => (i === ax ? k + 1 : d))), rest));
}

/**
 * oneHot(indices, depth)[…, j] = [indices[…] = j]. The indices pass through gather(arange(depth), ·),
 * which is the identity on valid indices and ERR_ARG otherwise on every path (DESIGN §1): eager,
 * traced and compiled, on both backends (the TS kernel checks them, the native executor reports
 * them through its status).
 */
export function oneHot(indices: TensorLike, depth: number): Tensor {
  const idx = asTensor(indices, 'oneHot');
  if (!Number.isInteger(depth) || depth < 0) fail('ERR_ARG', 'oneHot', `expected a non-negative integer depth but received ${depth}`);
  const d = liveData(idx, 'oneHot');
  if (d) {
    const bad = d.findIndex((i) => !Number.isInteger(i) || i < 0 || i >= depth);
    if (bad >= 0) fail('ERR_ARG', 'oneHot', `expected integer indices in [0, ${depth}) but received ${d[bad]} at position ${bad}`);
  }
  const range = tensor(Array.from({ length: depth }, (_, j) => j));
  const checked = idx._data ? idx : gather(range, idx);
  return equal(reshape(checked, [...idx.shape, 1]), range);
}
