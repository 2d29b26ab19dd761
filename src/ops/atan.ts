import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { add } from './add.js';
import { mul } from './mul.js';
// d atan x = dx / (1 + x²)
export const atanOp = elementwise({
  name: 'atan',
  scalar: Math.atan,
  partials: [([x]) => div(1, add(mul(x, x), 1))],
  test: { domain: [-3, 3] },
}, 1);
export const atan = (x: TensorLike) => apply1(atanOp, x);
