import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply3 } from './elementwise.js';
import { mul } from './mul.js';
import { greaterEqual } from './greaterEqual.js';
import { lessEqual } from './lessEqual.js';
import { less } from './less.js';
import { greater } from './greater.js';

// clip(x, lo, hi) = min(max(x, lo), hi); d/dx = [lo ≤ x ≤ hi] (closed interval, DESIGN §4)
export const clipOp = elementwise({
  name: 'clip',
  scalar: (x, lo, hi) => Math.min(Math.max(x, lo), hi),
  partials: [
    ([x, lo, hi]) => mul(greaterEqual(x, lo), lessEqual(x, hi)),
    ([x, lo]) => less(x, lo),
    ([x, , hi]) => greater(x, hi),
  ],
  test: { domain: [[-3, 3], [-1.5, -0.5], [0.5, 1.5]] },
}, 3);
export const clip = (x: TensorLike, lo: TensorLike, hi: TensorLike) => apply3(clipOp, x, lo, hi);
