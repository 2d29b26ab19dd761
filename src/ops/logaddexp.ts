import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { exp } from './exp.js';
import { sub } from './sub.js';
import { where } from './where.js';
import { equal } from './equal.js';
// logaddexp(a, b) = log(eᵃ + eᵇ) = max + log1p(e^−|a−b|);  ∂/∂a = e^(a − y) (softmax weights),
// exactly ½ at a = b (also at a = b = ±∞, where a − y is NaN)
export const logaddexpScalar = (a: number, b: number): number => {
  if (a === b) return a + Math.LN2;                // also ±∞
  const m = a > b ? a : b, d = Math.abs(a - b);
  return d !== d ? a + b : m + Math.log1p(Math.exp(-d));
};
const weight = (x: import('../core/tensor.js').Tensor, other: import('../core/tensor.js').Tensor, y: import('../core/tensor.js').Tensor) =>
  where(equal(x, other), 0.5, exp(sub(x, y)));
export const logaddexpOp = elementwise({
  name: 'logaddexp',
  scalar: logaddexpScalar,
  partials: [([a, b], y) => weight(a, b, y), ([a, b], y) => weight(b, a, y)],
  test: { domain: [[-3, 3], [-3, 3]] },
}, 2);
export const logaddexp = (a: TensorLike, b: TensorLike) => apply2(logaddexpOp, a, b);
