// w.release(...results): give the memory of async results back now, not at a garbage collection.
// Every new result array is memory V8 learns is free only by a full collection (for 8 MB gradients
// about every 16 calls, ~1 ms of CPU per call in a small heap); a released result's memory is
// reused by the next result of its size at once (native/src/blocks.h). JAX's Array.delete and
// tf.js's dispose are the same idea.
import { fail } from '../core/errors.js';
import { Tensor } from '../core/tensor.js';
import { detach, isInFlight, isResult } from '../backends/results.js';

/**
 * Release the arrays of results of async calls (valueAsync, gradAsync, valueAndGradAsync; a whole
 * result, or any part of it: tuples, trees, Tensors, Float64Arrays). Each of their arrays is
 * detached (length 0, as a transferred ArrayBuffer), together with every array sharing its
 * buffer; a released Tensor throws ERR_ARG wherever it is used. Anything else — numbers, caller
 * arrays, inputs, results of sync calls, arrays already released — is left as it is. A result an
 * async call in flight is reading (passed to it as an argument) is refused with ERR_ARG and
 * nothing is released. Returns how many buffers were released.
 */
export function release(...results: unknown[]): number {
  const bufs = new Set<ArrayBufferLike>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 64) fail('ERR_ARG', 'release', 'expected results (nested at most 64 deep) but received a deeper or cyclic value');
    const d = v instanceof Tensor ? v._data : v instanceof Float64Array ? v : null;
    if (d) { if (isResult(d.buffer)) bufs.add(d.buffer); return; }
    if (Array.isArray(v)) for (const x of v) visit(x, depth + 1);
    else if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) visit(x, depth + 1);
  };
  for (const r of results) visit(r, 0);
  for (const b of bufs) if (isInFlight(b)) fail('ERR_ARG', 'release', 'an async call in flight reads this result (an argument of it): release it after that call settles');
  for (const b of bufs) detach(b);
  return bufs.size;
}
