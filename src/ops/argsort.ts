import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { normAxis, sizeOf } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { transpose } from './transpose.js';
import { reshape } from './reshape.js';
import { gather } from './gather.js';
import { add } from './add.js';
import { Tensor as T } from '../core/tensor.js';

/** NumPy's order: ascending, NaN last, ties (−0 and +0 too) in their original order (stable) */
export const compareAt = (x: Float64Array, o: number) => (a: number, b: number): number => {
  const va = x[o + a], vb = x[o + b];
  if (va < vb) return -1;
  if (va > vb) return 1;
  const na = va !== va, nb = vb !== vb;
  return na !== nb ? (na ? 1 : -1) : a - b;
};

// y = the stable sorting permutation of each row (last axis); indices, so no derivative
export const argsortOp: OpDef<undefined> = defineOp<undefined>({
  name: 'argsort',
  nondiff: true,
  family: 'gather',
  arity: 1,
  shape: ([s]) => s,
  kernel: ([x], [s]) => {
    const n = s.length ? s[s.length - 1] : 1, y = new Float64Array(sizeOf(s));
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let o = 0; o < y.length; o += n) {
      idx.sort(compareAt(x, o));
      for (let i = 0; i < n; i++) { y[o + i] = idx[i]; idx[i] = i; }
    }
    return y;
  },
  batch: ([x]) => apply(argsortOp, [x]),
  test: { domain: [-3, 3], shapes: [[[5]], [[3, 4]]] },
});

/** x with `axis` moved last, and the permutation back */
function lastAxis(op: string, x: TensorLike, axis: number): { t: Tensor; back: (y: Tensor) => Tensor } {
  const t = asTensor(x, op);
  if (t.rank === 0) return { t: reshape(t, [1]), back: (y) => reshape(y, []) };
  const ax = normAxis(op, axis, t.rank), r = t.rank;
  if (ax === r - 1) return { t, back: (y) => y };
  const perm = [...t.shape.keys()].filter((i) => i !== ax).concat(ax);
  const inv: number[] = []; perm.forEach((p, i) => { inv[p] = i; });
  return { t: transpose(t, perm), back: (y) => transpose(y, inv) };
}

/** argsort(x, axis = −1): indices that sort x along axis (stable; NaN last) */
export function argsort(x: TensorLike, axis = -1): Tensor {
  const { t, back } = lastAxis('argsort', x, axis);
  return back(apply(argsortOp, [t]));
}

/**
 * sort(x, axis = −1): ascending (NaN last). A gather of x by argsort, so its derivative is the
 * cotangent permuted back (scatterAdd by the same indices).
 */
export function sort(x: TensorLike, axis = -1): Tensor {
  const { t, back } = lastAxis('sort', x, axis);
  const n = t.shape[t.rank - 1], rows = t.size / Math.max(n, 1);
  const idx = apply(argsortOp, [t]);
  const offsets = new T([...t.shape.slice(0, -1), 1], Float64Array.from({ length: rows }, (_, i) => i * n));
  return back(gather(reshape(t, [t.size]), add(idx, offsets), 0));
}
