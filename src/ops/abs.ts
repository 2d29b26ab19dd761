import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sign } from './sign.js';
// d |x| = sign(x) dx (abs'(0) = 0)
export const absOp = elementwise({
  name: 'abs',
  scalar: Math.abs,
  partials: [([x]) => sign(x)],
  test: { domain: [-3, 3], kinks: [0] },
}, 1);
export const abs = (x: TensorLike) => apply1(absOp, x);
