import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
// d 2ˣ = 2ˣ·ln 2 dx   (exact at integers: exp2(10) = 1024)
export const exp2Op = elementwise({
  name: 'exp2',
  scalar: (x) => 2 ** x,
  partials: [(_, y) => mul(y, Math.LN2)],
  test: { domain: [-3, 3] },
}, 1);
export const exp2 = (x: TensorLike) => apply1(exp2Op, x);
