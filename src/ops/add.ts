import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar } from './util.js';
// d(a + b) = da + db
export const addOp = elementwise({
  name: 'add',
  scalar: (a, b) => a + b,
  partials: [() => 1, () => 1],
  test: { domain: [-3, 3] },
  simplify: (ins) => (isConstScalar(ins[1], 0, ins[0]) ? ins[0] : isConstScalar(ins[0], 0, ins[1]) ? ins[1] : undefined),
}, 2);
export const add = (a: TensorLike, b: TensorLike) => apply2(addOp, a, b);
