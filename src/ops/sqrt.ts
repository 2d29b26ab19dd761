import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
// d √x = dx / (2√x)
export const sqrtOp = elementwise({
  name: 'sqrt',
  scalar: Math.sqrt,
  partials: [(_, y) => div(0.5, y)],
  test: { domain: [0.1, 4] },
}, 1);
export const sqrt = (x: TensorLike) => apply1(sqrtOp, x);
