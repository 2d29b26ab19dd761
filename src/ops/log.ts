import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
// d log x = dx / x
export const logOp = elementwise({
  name: 'log',
  scalar: Math.log,
  partials: [([x]) => div(1, x)],
  test: { domain: [0.1, 4] },
}, 1);
export const log = (x: TensorLike) => apply1(logOp, x);
