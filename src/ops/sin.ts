import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { cos } from './cos.js';
// d sin x = cos x dx
export const sinOp = elementwise({
  name: 'sin',
  scalar: Math.sin,
  partials: [([x]) => cos(x)],
  test: { domain: [-4, 4] },
}, 1);
export const sin = (x: TensorLike) => apply1(sinOp, x);
