import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar } from './util.js';
// d(a·b) = b da + a db
export const mulOp = elementwise({
  name: 'mul',
  scalar: (a, b) => a * b,
  partials: [([, b]) => b, ([a]) => a],
  test: { domain: [-3, 3] },
  simplify: (ins) => (isConstScalar(ins[1], 1, ins[0]) ? ins[0] : isConstScalar(ins[0], 1, ins[1]) ? ins[1] : undefined),
}, 2);
export const mul = (a: TensorLike, b: TensorLike) => apply2(mulOp, a, b);
