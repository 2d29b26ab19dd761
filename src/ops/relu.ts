import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { greater } from './greater.js';
// d relu x = [x > 0] dx (relu'(0) = 0, DESIGN §4)
export const reluOp = elementwise({
  name: 'relu',
  scalar: (x) => (x > 0 ? x : 0),
  partials: [([x]) => greater(x, 0)],
  test: { domain: [-3, 3], kinks: [0] },
}, 1);
export const relu = (x: TensorLike) => apply1(reluOp, x);
