import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar } from './util.js';
// d(a + b) = da + db
export const addOp = elementwise({
  name: 'add',
  scalar: (a, b) => a + b,
  partials: [() => 1, () => 1],
  test: { domain: [-3, 3] },
  simplify: ([a, b]) => (isConstScalar(b, 0, a) ? a : isConstScalar(a, 0, b) ? b : undefined),
}, 2);
export const add = (a: TensorLike, b: TensorLike) => apply2(addOp, a, b);
