// Shared machinery of the reduction primitives (sum, max, min, prod): attributes, shape rule, kernel.
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { normAxes, strides, sizeOf, type Shape } from '../core/shape.js';
import type { OpDef } from './op.js';

export interface ReduceAttrs { readonly axes: readonly number[]; readonly keepDims: boolean }

export function reduceShape(shape: Shape, { axes, keepDims }: ReduceAttrs): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

export const fmtReduce = ({ axes, keepDims }: ReduceAttrs) => `axes=[${axes}]${keepDims ? ' keepDims' : ''}`;

/** Batching rule shared by reductions: the axes shift past the leading direction axis. */
export const batchReduce = (op: OpDef<ReduceAttrs>) => (ins: readonly Tensor[], _b: readonly boolean[], a: ReduceAttrs): Tensor =>
  apply(op, [ins[0]], { axes: a.axes.map((x) => x + 1), keepDims: a.keepDims });

/** Record or run a reduction given the public (x, axis?, keepDims?) arguments. */
export function applyReduce(op: OpDef<ReduceAttrs>, x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x, op.name);
  return apply(op, [t], { axes: normAxes(op.name, axis, t.rank), keepDims: !!keepDims });
}

/**
 * Kernel for a reduction: out = combine over the reduced axes, starting from `init`.
 * Full reductions use pairwise blocks for accuracy; others walk the input once with the
 * output offset advancing by "kept" strides (0 on reduced axes).
 */
export function reduceKernel(name: string, init: number, combine: (acc: number, x: number) => number) {
  // hot loops generated per op (the name in the source keeps V8 from sharing them: see elementwise.ts)
  const block = new Function('combine', `/* ${name} */ return function (a, lo, hi, acc) {
    for (let i = lo; i < hi; i++) acc = combine(acc, a[i]);
    return acc;
  }`)(combine) as (a: Float64Array, lo: number, hi: number, acc: number) => number;
  const strided = new Function('combine', `/* ${name} */ return function (x, out, inner, ls, oo, i) {
    for (let j = 0; j < inner; j++) { const k = oo + j * ls; out[k] = combine(out[k], x[i + j]); }
  }`)(combine) as (x: Float64Array, out: Float64Array, inner: number, ls: number, oo: number, i: number) => void;
  const pairwise = (a: Float64Array, lo: number, hi: number): number => {
    if (hi - lo <= 256) return block(a, lo, hi, init);
    const mid = lo + ((hi - lo) >> 1);
    return combine(pairwise(a, lo, mid), pairwise(a, mid, hi));
  };
  return (ins: readonly Float64Array[], shapes: readonly Shape[], outShape: Shape, attrs: ReduceAttrs): Float64Array => {
    const x = ins[0], shape = shapes[0];
    const out = new Float64Array(sizeOf(outShape)).fill(init);
    if (attrs.axes.length === shape.length) { if (x.length) out[0] = pairwise(x, 0, x.length); return out; }
    const r = shape.length;
    const kept = shape.map((d, i) => (attrs.axes.includes(i) ? 1 : d));
    const ks = strides(kept).map((s, i) => (attrs.axes.includes(i) ? 0 : s));
    const inner = shape[r - 1], ls = ks[r - 1];
    if (ls === 0 && attrs.axes.length === 1) {
      // reducing the last axis only: contiguous rows
      for (let o = 0; o < out.length; o++) out[o] = pairwise(x, o * inner, (o + 1) * inner);
      return out;
    }
    const idx = new Int32Array(r);
    let oo = 0;
    for (let i = 0; i < x.length;) {
      strided(x, out, inner, ls, oo, i);
      i += inner;
      for (let k = r - 2; k >= 0; k--) {
        oo += ks[k];
        if (++idx[k] < shape[k]) break;
        oo -= ks[k] * shape[k];
        idx[k] = 0;
      }
    }
    return out;
  };
}
