import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
// d asin x = dx / √(1 − x²)
export const asinOp = elementwise({
  name: 'asin',
  scalar: Math.asin,
  partials: [([x]) => div(1, sqrt(sub(1, mul(x, x))))],
  test: { domain: [-0.9, 0.9] },
}, 1);
export const asin = (x: TensorLike) => apply1(asinOp, x);
