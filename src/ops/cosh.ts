import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sinh } from './sinh.js';
// d cosh x = sinh x dx
export const coshOp = elementwise({
  name: 'cosh',
  scalar: Math.cosh,
  partials: [([x]) => sinh(x)],
  test: { domain: [-3, 3] },
}, 1);
export const cosh = (x: TensorLike) => apply1(coshOp, x);
