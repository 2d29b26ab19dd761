import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { div } from './div.js';
import { where } from './where.js';
import { equal } from './equal.js';
// d hypot(a, b) = (a da + b db) / hypot(a, b); at the origin the subgradient 0
const part = (v: import('../core/tensor.js').Tensor, y: import('../core/tensor.js').Tensor) => where(equal(y, 0), 0, div(v, y));
export const hypotOp = elementwise({
  name: 'hypot',
  scalar: Math.hypot,
  partials: [([a], y) => part(a, y), ([, b], y) => part(b, y)],
  test: { domain: [[-3, 3], [-3, 3]] },
}, 2);
export const hypot = (a: TensorLike, b: TensorLike) => apply2(hypotOp, a, b);
