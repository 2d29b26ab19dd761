import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';

// [a <= b] as 0/1 (IEEE: NaN compares false except in notEqual); derivative 0
export const lessEqualOp = elementwise({
  name: 'lessEqual',
  scalar: (a, b) => (a <= b ? 1 : 0),
  partials: null,
  test: { domain: [-2, 2] },
}, 2);
export const lessEqual = (a: TensorLike, b: TensorLike) => apply2(lessEqualOp, a, b);
