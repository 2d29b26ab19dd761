// The arrays w.release may give back, and the buffers it must not touch yet.
// - Results: the arrays an async evaluation made for its outputs (not caller arrays, not an
//   input's buffer, not a program constant: runs copy those). Only these can be released, and
//   only while no recording keeps them as a constant (core/tensor.ts `releasable`).
// - In flight: every buffer an async evaluation reads or writes until it settles (a pool thread
//   may be using it). Releasing one of them is refused, so detaching never frees memory in use.
import { releasable } from '../core/tensor.js';
import { loaded } from './native/loader.js';

const inFlight = new Map<ArrayBufferLike, number>();

/** got[from..] are the evaluation's own new arrays, unless one shares an input's buffer */
export function markResults(got: readonly Float64Array[], from: number, inputs: readonly Float64Array[]): void {
  if (got.length <= from) return;
  const ins = new Set<ArrayBufferLike>(inputs.map((x) => x.buffer));
  for (let k = from; k < got.length; k++) if (!ins.has(got[k].buffer)) releasable.add(got[k].buffer);
}

/** run() with the buffers of `arrays` counted as in flight until it settles */
export async function holding<T>(arrays: readonly Float64Array[], run: () => Promise<T>): Promise<T> {
  const bufs = arrays.map((a) => a.buffer);
  for (const b of bufs) inFlight.set(b, (inFlight.get(b) ?? 0) + 1);
  try {
    return await run();
  } finally {
    for (const b of bufs) {
      const n = inFlight.get(b)! - 1;
      if (n) inFlight.set(b, n); else inFlight.delete(b);
    }
  }
}

/** whether b is an async result not yet released */
export const isResult = (b: ArrayBufferLike): boolean => releasable.has(b) && b.byteLength > 0;
/** whether an async evaluation in flight uses b */
export const isInFlight = (b: ArrayBufferLike): boolean => inFlight.has(b);

/** detach result buffer b: the addon's (its block goes back to the cache), else by transfer */
export function detach(b: ArrayBufferLike): void {
  if (loaded.addon?.detachResult?.(b as ArrayBuffer)) return;
  const t = (b as { transfer?: (n: number) => ArrayBuffer }).transfer;
  if (t) t.call(b, 0); else structuredClone(b, { transfer: [b as ArrayBuffer] });
}
