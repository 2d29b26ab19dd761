import type { Tensor, TensorLike } from '../core/tensor.js';
import { defineOp, type OpDef } from './op.js';
import { reduceShape, reduceKernel, applyReduce, fmtReduce, batchReduce, type ReduceAttrs, reduceWords, REDUCE_LAYOUT } from './reduce.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { keptShape } from './util.js';

// y = Σ_axes x;  x̄ = broadcast(ȳ),  ẏ = Σ_axes ẋ
export const sumOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'sum',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'reduce',
  nativeAttrs: reduceWords,
  nativeLayout: REDUCE_LAYOUT,
  arity: 1,
  shape: ([s], a) => reduceShape(s, a),
  kernel: reduceKernel('sum', 0, (acc, x) => acc + x),
  vjp: (g, { ins: [x], attrs }) => [broadcastTo(reshape(g, keptShape(x.shape, attrs.axes)), [...x.shape])],
  batch: (ins, b, a) => batchReduce(sumOp)(ins, b, a),
  fmtAttrs: fmtReduce,
  test: { domain: [-3, 3] },
});
const sumOp_ = (t: TensorLike, a: ReduceAttrs): Tensor => applyReduce(sumOp, t, a.axes, a.keepDims);
export const sum = (x: TensorLike, axis?: number | readonly number[], keepDims?: boolean) => applyReduce(sumOp, x, axis, keepDims);
