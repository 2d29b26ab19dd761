import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
// d log₁₀ x = dx / (x·ln 10)
export const log10Op = elementwise({
  name: 'log10',
  scalar: Math.log10,
  partials: [([x]) => div(1, mul(x, Math.LN10))],
  test: { domain: [0.2, 4] },
}, 1);
export const log10 = (x: TensorLike) => apply1(log10Op, x);
