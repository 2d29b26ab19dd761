import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { hypot } from './hypot.js';
// d asinh x = dx / √(x² + 1), as 1/hypot(x, 1) (no overflow of x² for |x| > 1e154)
export const asinhOp = elementwise({
  name: 'asinh',
  scalar: Math.asinh,
  partials: [([x]) => div(1, hypot(x, 1))],
  test: { domain: [-3, 3] },
}, 1);
export const asinh = (x: TensorLike) => apply1(asinhOp, x);
