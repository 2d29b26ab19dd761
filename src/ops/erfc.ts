import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
import { exp } from './exp.js';
import { neg } from './neg.js';
import { square } from './square.js';
import { erfc as erfcScalar } from './special.js';
// d erfc x = −(2/√π)·e^(−x²) dx   (erfc keeps relative accuracy in the tail, where 1 − erf(x) is 0)
export const erfcOp = elementwise({
  name: 'erfc',
  scalar: erfcScalar,
  partials: [([x]) => mul(-2 / Math.sqrt(Math.PI), exp(neg(square(x))))],
  test: { domain: [-3, 5] },
}, 1);
export const erfc = (x: TensorLike) => apply1(erfcOp, x);
