import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar } from './util.js';
// d(a·b) = b da + a db
export const mulOp = elementwise({
  name: 'mul',
  scalar: (a, b) => a * b,
  partials: [([, b]) => b, ([a]) => a],
  test: { domain: [-3, 3] },
  simplify: ([a, b]) => (isConstScalar(b, 1, a) ? a : isConstScalar(a, 1, b) ? b : undefined),
}, 2);
export const mul = (a: TensorLike, b: TensorLike) => apply2(mulOp, a, b);
