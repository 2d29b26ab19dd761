import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { exp } from './exp.js';
// d (eˣ − 1) = eˣ dx, computed as exp(x): expm1(x) + 1 cancels for x ≪ 0 (0 for x ≤ −37.5)
export const expm1Op = elementwise({
  name: 'expm1',
  scalar: Math.expm1,
  partials: [([x]) => exp(x)],
  test: { domain: [-3, 3] },
}, 1);
export const expm1 = (x: TensorLike) => apply1(expm1Op, x);
