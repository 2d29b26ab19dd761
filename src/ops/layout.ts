// Strided copy shared by the layout primitives (broadcastTo, transpose, slice, pad, concat).
import { sizeOf, type Shape } from '../core/shape.js';

/** out[i…] = src[offset + Σ i_k·st_k] over `shape`, row-major; writes into `out` at `outOffset` with `outStrides`. */
export function stridedCopy(src: Float64Array, offset: number, st: readonly number[], shape: Shape,
  out: Float64Array = new Float64Array(sizeOf(shape)), outOffset = 0, outSt?: readonly number[]): Float64Array {
  const n = sizeOf(shape), r = shape.length;
  if (n === 0) return out;
  if (r === 0) { out[outOffset] = src[offset]; return out; }
  const os = outSt ?? rowMajor(shape);
  const last = r - 1, inner = shape[last], ls = st[last], ol = os[last];
  const idx = new Int32Array(r);
  let si = offset, oi = outOffset;
  for (let done = 0; done < n; done += inner) {
    for (let j = 0; j < inner; j++) out[oi + j * ol] = src[si + j * ls];
    for (let k = last - 1; k >= 0; k--) {
      si += st[k]; oi += os[k];
      if (++idx[k] < shape[k]) break;
      si -= st[k] * shape[k]; oi -= os[k] * shape[k];
      idx[k] = 0;
    }
  }
  return out;
}

export function rowMajor(shape: Shape): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { st[i] = acc; acc *= shape[i]; }
  return st;
}

export const fmtList = (xs: readonly number[]) => `[${xs.join(',')}]`;
