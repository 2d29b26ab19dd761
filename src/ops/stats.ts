// variance, std and norm as compositions (their derivatives follow from the primitives').
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { normAxes, fmtShape } from '../core/shape.js';
import { sum } from './sum.js';
import { max } from './max.js';
import { min } from './min.js';
import { abs } from './abs.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
import { div } from './div.js';
import { pow } from './pow.js';
import { sqrt } from './sqrt.js';
import { square } from './square.js';
import { where } from './where.js';
import { equal } from './equal.js';
import { notEqual } from './notEqual.js';
import { stopGradient } from './stopGradient.js';
import { mean } from './composites.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';
import { svd } from './linalg/svd.js';

type Axis = number | readonly number[] | undefined;
export interface VarianceOptions { axis?: Axis; keepDims?: boolean; ddof?: number }

function varianceArgs(op: string, a?: Axis | VarianceOptions, keepDims?: boolean, ddof?: number): { axis: Axis; keepDims: boolean; ddof: number } {
  if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
    const o = a as VarianceOptions;
    return { axis: o.axis, keepDims: !!o.keepDims, ddof: o.ddof ?? 0 };
  }
  return { axis: a as Axis, keepDims: !!keepDims, ddof: ddof ?? 0 };
}

/** variance = Σ (x − mean)² / (count − ddof), two passes (no cancellation) */
export function variance(x: TensorLike, axis?: Axis | VarianceOptions, keepDims?: boolean, ddof?: number): Tensor {
  const t = asTensor(x, 'variance');
  const o = varianceArgs('variance', axis, keepDims, ddof);
  const axes = normAxes('variance', o.axis, t.rank);
  const count = axes.reduce((n, a) => n * t.shape[a], 1);
  if (!Number.isInteger(o.ddof) || o.ddof < 0) fail('ERR_ARG', 'variance', `expected a non-negative integer ddof but received ${o.ddof}`);
  const d = sub(t, mean(t, axes, true));
  return div(sum(square(d), axes, o.keepDims), count - o.ddof);
}

/** std = √variance (its derivative is infinite where the variance is 0: NaN there, as NumPy's) */
export function std(x: TensorLike, axis?: Axis | VarianceOptions, keepDims?: boolean, ddof?: number): Tensor {
  return sqrt(variance(x, axis, keepDims, ddof));
}

/** √s with derivative 0 at s = 0 (the subgradient of a norm at the origin) */
function safeSqrt(s: Tensor): Tensor {
  const zero = equal(s, 0);
  return where(zero, 0, sqrt(where(zero, 1, s)));
}

/** ‖x‖₂ over axes, scaled by m = max|x| (held constant) against overflow and underflow */
function norm2(x: Tensor, axes: number[], keepDims: boolean): Tensor {
  const m = stopGradient(max(abs(x), axes, true));
  const finite = where(equal(m, 0), 1, where(equal(m, Infinity), 1, m));
  const r = mul(finite, safeSqrt(sum(square(div(x, finite)), axes, true)));
  const y = where(equal(m, Infinity), Infinity, r);
  return keepDims ? y : reshape(y, y.shape.filter((_, i) => !axes.includes(i)));
}

function vectorNorm(x: Tensor, ord: number, axes: number[], keepDims: boolean): Tensor {
  if (ord === 2) return norm2(x, axes, keepDims);
  if (ord === Infinity) return max(abs(x), axes, keepDims);
  if (ord === -Infinity) return min(abs(x), axes, keepDims);
  if (ord === 0) return sum(notEqual(x, 0), axes, keepDims);
  if (ord === 1) return sum(abs(x), axes, keepDims);
  return pow(sum(pow(abs(x), ord), axes, keepDims), 1 / ord);
}

/**
 * norm(x, ord?, axis?, keepDims = false), as NumPy's: no ord and no axis — the 2-norm of all
 * elements; a vector (or one axis): ord 2, 1, ±∞, 0 (nonzero count) or any p; a matrix (or two
 * axes): 'fro', 'nuc' (Σσ), 2 (σ_max), −2 (σ_min), 1, −1, ∞, −∞ (the singular values by w.linalg.svd).
 */
export function norm(x: TensorLike, ord?: number | 'fro' | 'nuc', axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x, 'norm');
  if (ord === undefined && axis === undefined) return norm2(t, t.shape.map((_, i) => i), keepDims);
  const axes = axis === undefined ? t.shape.map((_, i) => i) : normAxes('norm', axis, t.rank);
  if (axes.length === 1) {
    if (typeof ord === 'string') fail('ERR_ARG', 'norm', `ord '${ord}' is a matrix norm; a vector norm takes a number`);
    return vectorNorm(t, (ord as number | undefined) ?? 2, axes, keepDims);
  }
  if (axes.length !== 2) fail('ERR_ARG', 'norm', `expected one or two axes for ord ${String(ord)} but ${fmtShape(t.shape)} has ${axes.length} (pass axis)`);
  const [r, c] = axes;
  const o = ord ?? 'fro';
  if (o === 'fro') return norm2(t, axes, keepDims);
  const colSums = (lo: boolean) => { const s = sum(abs(t), r, true); return (lo ? min : max)(s, c, true); };
  const rowSums = (lo: boolean) => { const s = sum(abs(t), c, true); return (lo ? min : max)(s, r, true); };
  let y: Tensor;
  if (o === 1 || o === -1) y = colSums(o === -1);
  else if (o === Infinity || o === -Infinity) y = rowSums(o === -Infinity);
  else if (o === 2 || o === -2 || o === 'nuc') y = singularNorm(t, r, c, o);
  else return fail('ERR_ARG', 'norm', `expected a matrix norm ord 'fro', 'nuc', 2, -2, 1, -1, Infinity or -Infinity but received ${String(o)}`);
  return keepDims ? y : reshape(y, y.shape.filter((_, i) => !axes.includes(i)));
}

/** Σσ, σ_max or σ_min of the matrices over axes r, c (kept as size-1 axes) */
function singularNorm(t: Tensor, r: number, c: number, o: 2 | -2 | 'nuc'): Tensor {
  const rest = t.shape.map((_, i) => i).filter((i) => i !== r && i !== c);
  const [, S] = svd(transpose(t, [...rest, r, c]));   // S: [...rest, min(m, n)]
  const last = S.rank - 1;
  const v = o === 'nuc' ? sum(S, last) : o === 2 ? max(S, last) : min(S, last);
  return reshape(v, t.shape.map((d, i) => (i === r || i === c ? 1 : d)));
}
