import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { square } from './square.js';
// d ∛x = dx / (3·∛x²)
export const cbrtOp = elementwise({
  name: 'cbrt',
  scalar: Math.cbrt,
  partials: [(_, y) => div(1, mul(3, square(y)))],
  test: { domain: [0.2, 4] },
}, 1);
export const cbrt = (x: TensorLike) => apply1(cbrtOp, x);
