import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar } from './util.js';
// cotangent product g ⊙ p: exactly 0 when g = 0, even for an infinite or NaN partial (DESIGN §4)
export const cmulOp = elementwise({
  name: 'cmul',
  scalar: (g, p) => (g === 0 ? 0 : g * p),
  partials: [([, p]) => p, ([g]) => g],
  test: { domain: [-3, 3] },
  simplify: ([g, p]) => (isConstScalar(p, 1, g) ? g : isConstScalar(g, 1, p) ? p : undefined),
}, 2);
export const cmul = (a: TensorLike, b: TensorLike) => apply2(cmulOp, a, b);
