import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { log } from './log.js';
import { div } from './div.js';
import { where } from './where.js';
import { equal } from './equal.js';
// xlogy(x, y) = x·log y, and 0 where x = 0 (also at y = 0);  ∂x = log y, ∂y = x/y (0 where x = 0)
export const xlogyOp = elementwise({
  name: 'xlogy',
  scalar: (x, y) => (x === 0 ? 0 : x * Math.log(y)),
  partials: [([, y]) => log(y), ([x, y]) => where(equal(x, 0), 0, div(x, y))],
  test: { domain: [[-3, 3], [0.3, 3]] },
}, 2);
export const xlogy = (x: TensorLike, y: TensorLike) => apply2(xlogyOp, x, y);
