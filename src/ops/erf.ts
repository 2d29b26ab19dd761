import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
import { exp } from './exp.js';
import { neg } from './neg.js';
import { square } from './square.js';
import { erf as erfScalar } from './special.js';
// d erf x = (2/√π)·e^(−x²) dx
export const erfOp = elementwise({
  name: 'erf',
  scalar: erfScalar,
  partials: [([x]) => mul(2 / Math.sqrt(Math.PI), exp(neg(square(x))))],
  test: { domain: [-3, 3] },
}, 1);
export const erf = (x: TensorLike) => apply1(erfOp, x);
