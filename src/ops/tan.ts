import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { add } from './add.js';
import { mul } from './mul.js';
// d tan x = (1 + tan²x) dx
export const tanOp = elementwise({
  name: 'tan',
  scalar: Math.tan,
  partials: [(_, y) => add(mul(y, y), 1)],
  test: { domain: [-1.3, 1.3] },
}, 1);
export const tan = (x: TensorLike) => apply1(tanOp, x);
