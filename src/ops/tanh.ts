import type { Tensor, TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { add } from './add.js';
import { exp } from './exp.js';
import { abs } from './abs.js';
import { sub } from './sub.js';
import { square } from './square.js';
import { less } from './less.js';
import { where } from './where.js';
// d tanh x = sech²x dx. Not 1 − tanh²x: that cancels (relative error 1.7e-4 at x = 15, exactly 0 for
// |x| ≥ 19.1 where sech²x is a normal double).
export const tanhOp = elementwise({
  name: 'tanh',
  scalar: Math.tanh,
  partials: [([x], y) => sech2(x, y)],
  test: { domain: [-3, 3] },
}, 1);
export const tanh = (x: TensorLike) => apply1(tanhOp, x);

/**
 * sech²x, given t = tanh x, relatively accurate for every x and so are its derivatives at every
 * order, in both modes:
 *   |x| < 1:  1 − t²                   t² ≤ 0.58: no cancellation; derivatives −2t·sech²x are products
 *   |x| ≥ 1:  4e/(1 + e)², e = e^−2|x|  bounded terms (no overflow, no ∞·0), and every product of
 *             partials in reverse over reverse stays ≈ e^−2|x| (1/cosh² underflowed past |x| ≈ 236)
 */
function sech2(x: Tensor, t: Tensor): Tensor {
  const e = exp(mul(abs(x), -2));
  return where(less(abs(x), 1), sub(1, square(t)), div(mul(e, 4), square(add(e, 1))));
}
