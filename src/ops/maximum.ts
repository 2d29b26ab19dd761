import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { greater } from './greater.js';
import { less } from './less.js';
import { equal } from './equal.js';
// d max(a, b) = [a > b] da + [a < b] db; a tie splits 0.5/0.5 (DESIGN §4)
export const maximumOp = elementwise({
  name: 'maximum',
  scalar: (a, b) => (a > b || a !== a ? a : b),
  partials: [([a, b]) => add(greater(a, b), mul(equal(a, b), 0.5)), ([a, b]) => add(less(a, b), mul(equal(a, b), 0.5))],
  test: { domain: [-3, 3], kinks: [0] },
}, 2);
export const maximum = (a: TensorLike, b: TensorLike) => apply2(maximumOp, a, b);
