import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { add } from './add.js';
// d (eˣ − 1) = eˣ dx
export const expm1Op = elementwise({
  name: 'expm1',
  scalar: Math.expm1,
  partials: [(_, y) => add(y, 1)],
  test: { domain: [-3, 3] },
}, 1);
export const expm1 = (x: TensorLike) => apply1(expm1Op, x);
