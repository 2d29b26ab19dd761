// Shared derivative of the max and min reductions: ties split the cotangent evenly (DESIGN §4).
import type { Tensor } from '../core/tensor.js';
import type { ReduceAttrs } from './reduce.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { equal } from './equal.js';
import { div } from './div.js';
import { sum } from './sum.js';
import { cmul, keptShape } from './util.js';

/** weights w = [x = y] / #ties, so x̄ = ȳ·w and ẏ = Σ w·ẋ */
export function tieWeights(x: Tensor, y: Tensor, { axes }: ReduceAttrs): Tensor {
  const yb = broadcastTo(reshape(y, keptShape(x.shape, axes)), [...x.shape]);
  const mask = equal(x, yb);
  return div(mask, sum(mask, axes, true));
}
export const maxminVjp = (g: Tensor, x: Tensor, y: Tensor, a: ReduceAttrs) =>
  cmul(broadcastTo(reshape(g, keptShape(x.shape, a.axes)), [...x.shape]), tieWeights(x, y, a));
export const maxminJvp = (t: Tensor, x: Tensor, y: Tensor, a: ReduceAttrs) =>
  sum(cmul(t, tieWeights(x, y, a)), a.axes, a.keepDims);
