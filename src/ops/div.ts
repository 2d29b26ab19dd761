import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { neg } from './neg.js';
import { isConstScalar } from './util.js';
// d(a/b) = da/b − (a/b²) db
export const divOp = elementwise({
  name: 'div',
  scalar: (a, b) => a / b,
  partials: [([, b]) => div(1, b), ([, b], y) => neg(div(y, b))],
  test: { domain: [[-3, 3], [0.5, 3]] },
  simplify: (ins) => (isConstScalar(ins[1], 1, ins[0]) ? ins[0] : undefined),
}, 2);
export const div = (a: TensorLike, b: TensorLike) => apply2(divOp, a, b);
