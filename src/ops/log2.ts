import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
// d log₂ x = dx / (x·ln 2)   (exact at powers of two: log2(8) = 3)
export const log2Op = elementwise({
  name: 'log2',
  scalar: Math.log2,
  partials: [([x]) => div(1, mul(x, Math.LN2))],
  test: { domain: [0.2, 4] },
}, 1);
export const log2 = (x: TensorLike) => apply1(log2Op, x);
