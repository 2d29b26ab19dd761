import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { div } from './div.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
// d atan2(y, x) = (x dy − y dx) / (x² + y²)
export const atan2Op = elementwise({
  name: 'atan2',
  scalar: Math.atan2,
  partials: [([y, x]) => div(x, add(mul(x, x), mul(y, y))), ([y, x]) => neg(div(y, add(mul(x, x), mul(y, y))))],
  test: { domain: [[-3, 3], [0.5, 3]] },
}, 2);
export const atan2 = (a: TensorLike, b: TensorLike) => apply2(atan2Op, a, b);
