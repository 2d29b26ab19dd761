import type { Tensor, TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { square } from './square.js';
import { abs } from './abs.js';
import { less } from './less.js';
import { where } from './where.js';
// d asin x = dx / √(1 − x²)
export const asinOp = elementwise({
  name: 'asin',
  scalar: Math.asin,
  partials: [([x]) => div(1, sqrt(oneMinusSquare(x)))],
  test: { domain: [-0.9, 0.9] },
}, 1);
export const asin = (x: TensorLike) => apply1(asinOp, x);

/**
 * 1 − x² without cancellation: (1 − x)(1 + x) for |x| ≥ ½ (1 ∓ x exact there, Sterbenz), 1 − x²
 * below (whose derivative −2x stays exact near 0, where (1 − x) − (1 + x) would cancel).
 */
export const oneMinusSquare = (x: Tensor): Tensor =>
  where(less(abs(x), 0.5), sub(1, square(x)), mul(sub(1, x), add(1, x)));
