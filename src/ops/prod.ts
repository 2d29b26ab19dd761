import type { Tensor, TensorLike } from '../core/tensor.js';
import { defineOp, type OpDef } from './op.js';
import { reduceShape, reduceKernel, applyReduce, fmtReduce, batchReduce, type ReduceAttrs } from './reduce.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { equal } from './equal.js';
import { where } from './where.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sum } from './sum.js';
import { cmul, keptShape } from './util.js';

// y = Π_axes x;  ∂y/∂xᵢ = Π_{j≠i} xⱼ, exact with zeros: with one zero only that entry gets the
// product of the others; with two or more every entry gets 0 (DESIGN §4)
export const prodOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'prod',
  family: 'reduce',
  arity: 1,
  shape: ([s], a) => reduceShape(s, a),
  kernel: reduceKernel('prod', 1, (acc, x) => acc * x),
  vjp: (g, { ins: [x], attrs }) => [cmul(broadcastTo(reshape(g, keptShape(x.shape, attrs.axes)), [...x.shape]), othersProduct(x, attrs))],
  jvp: ([t], { ins: [x], attrs }) => (t ? sum(cmul(t, othersProduct(x, attrs)), attrs.axes, attrs.keepDims) : null),
  batch: (ins, b, a) => batchReduce(prodOp)(ins, b, a),
  fmtAttrs: fmtReduce,
  test: { domain: [-2, 2], kinks: [0] },
});

function othersProduct(x: Tensor, { axes }: ReduceAttrs): Tensor {
  const zero = equal(x, 0);
  const zeros = sum(zero, axes, true);
  const nonzero = where(zero, 1, x);
  const p = applyReduce(prodOp, nonzero, axes, true); // product of the non-zero entries
  return where(equal(zeros, 0), div(p, nonzero), where(mul(equal(zeros, 1), zero), p, 0));
}
export const prod = (x: TensorLike, axis?: number | readonly number[], keepDims?: boolean) => applyReduce(prodOp, x, axis, keepDims);
