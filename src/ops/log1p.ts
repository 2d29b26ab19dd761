import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { add } from './add.js';
// d log(1 + x) = dx / (1 + x)
export const log1pOp = elementwise({
  name: 'log1p',
  scalar: Math.log1p,
  partials: [([x]) => div(1, add(x, 1))],
  test: { domain: [-0.9, 4] },
}, 1);
export const log1p = (x: TensorLike) => apply1(log1pOp, x);
