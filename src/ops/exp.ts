import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';

// d eˣ = eˣ dx
export const expOp = elementwise({
  name: 'exp',
  scalar: Math.exp,
  partials: [(_, y) => y],
  test: { domain: [-3, 3] },
}, 1);
export const exp = (x: TensorLike) => apply1(expOp, x);
