import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { broadcastStrides, sameShape, fmtShape, checkShape, type Shape } from '../core/shape.js';
import { defineOp } from './op.js';
import { stridedCopy, fmtList } from './layout.js';
import { unbroadcast, alignBatched } from './util.js';

interface Attrs { readonly shape: Shape }
// NumPy broadcast to `shape`; x̄ = Σ over the broadcast axes of ȳ
export const broadcastToOp = defineOp<Attrs>({
  name: 'broadcastTo',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  recordConst: (inSize, outSize) => outSize > inSize,
  arity: 1,
  shape: ([s], { shape }) => {
    const off = shape.length - s.length;
    if (off < 0 || s.some((d, i) => d !== 1 && d !== shape[off + i])) {
      fail('ERR_SHAPE', 'broadcastTo', `cannot broadcast ${fmtShape(s)} to ${fmtShape(shape)}`);
    }
    return shape;
  },
  kernel: ([x], [s], out) => stridedCopy(x, 0, broadcastStrides(s, out), out),
  vjp: (g, { ins: [x] }) => [unbroadcast(g, x.shape)],
  batch: ([x], _b, { shape }) => broadcastTo(alignBatched(x, shape.length), [x.shape[0], ...shape]),
  simplify: ([x], { shape }) => (sameShape(x.shape, shape) ? x : undefined),
  fmtAttrs: ({ shape }) => `shape=${fmtList(shape)}`,
  test: { domain: [-3, 3], shapes: [[[3, 1]], [[]]], attrs: [{ shape: [2, 3, 4] }, { shape: [2, 2] }] },
});
export const broadcastTo = (x: TensorLike, shape: readonly number[]): Tensor =>
  apply(broadcastToOp, [asTensor(x, 'broadcastTo')], { shape: checkShape('broadcastTo', shape) });
