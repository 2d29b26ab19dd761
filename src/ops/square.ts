import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
// d x² = 2x dx
export const squareOp = elementwise({
  name: 'square',
  scalar: (x) => x * x,
  partials: [([x]) => mul(x, 2)],
  test: { domain: [-3, 3] },
}, 1);
export const square = (x: TensorLike) => apply1(squareOp, x);
