import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';

// d(-x) = -dx
export const negOp = elementwise({
  name: 'neg',
  scalar: (x) => -x,
  partials: [() => -1],
  test: { domain: [-3, 3] },
}, 1);
export const neg = (x: TensorLike) => apply1(negOp, x);
