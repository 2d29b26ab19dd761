import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { cosh } from './cosh.js';
// d sinh x = cosh x dx
export const sinhOp = elementwise({
  name: 'sinh',
  scalar: Math.sinh,
  partials: [([x]) => cosh(x)],
  test: { domain: [-3, 3] },
}, 1);
export const sinh = (x: TensorLike) => apply1(sinhOp, x);
