import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { add } from './add.js';
// d atanh x = dx / ((1 − x)(1 + x))
export const atanhOp = elementwise({
  name: 'atanh',
  scalar: Math.atanh,
  partials: [([x]) => div(1, mul(sub(1, x), add(1, x)))],
  test: { domain: [-0.9, 0.9] },
}, 1);
export const atanh = (x: TensorLike) => apply1(atanhOp, x);
