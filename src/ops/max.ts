import type { TensorLike } from '../core/tensor.js';
import { defineOp, type OpDef } from './op.js';
import { reduceShape, reduceKernel, applyReduce, fmtReduce, batchReduce, type ReduceAttrs, reduceWords, REDUCE_LAYOUT } from './reduce.js';
import { maxminVjp, maxminJvp } from './maxmin.js';

// y = max over axes (NaN propagates); the cotangent goes to the argmax, split evenly among ties
export const maxOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'max',
  family: 'reduce',
  nativeAttrs: reduceWords,
  nativeLayout: REDUCE_LAYOUT,
  arity: 1,
  shape: ([s], a) => reduceShape(s, a),
  kernel: reduceKernel('max', -Infinity, (acc, x) => (x > acc || x !== x ? x : acc)),
  vjp: (g, { ins: [x], out, attrs }) => [maxminVjp(g, x, out, attrs)],
  jvp: ([t], { ins: [x], out, attrs }) => (t ? maxminJvp(t, x, out, attrs) : null),
  batch: (ins, b, a) => batchReduce(maxOp)(ins, b, a),
  fmtAttrs: fmtReduce,
  test: { domain: [-3, 3] },
});
export const max = (x: TensorLike, axis?: number | readonly number[], keepDims?: boolean) => applyReduce(maxOp, x, axis, keepDims);
