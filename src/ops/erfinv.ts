import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
import { exp } from './exp.js';
import { square } from './square.js';
import { erfinv as erfinvScalar } from './special.js';
// d erfinv x = (√π/2)·e^(erfinv(x)²) dx
export const erfinvOp = elementwise({
  name: 'erfinv',
  scalar: erfinvScalar,
  partials: [(_, y) => mul(Math.sqrt(Math.PI) / 2, exp(square(y)))],
  test: { domain: [-0.95, 0.95] },
}, 1);
export const erfinv = (x: TensorLike) => apply1(erfinvOp, x);
