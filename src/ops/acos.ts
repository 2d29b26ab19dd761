import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { sqrt } from './sqrt.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
// d acos x = −dx / √(1 − x²)
export const acosOp = elementwise({
  name: 'acos',
  scalar: Math.acos,
  partials: [([x]) => neg(div(1, sqrt(sub(1, mul(x, x)))))],
  test: { domain: [-0.9, 0.9] },
}, 1);
export const acos = (x: TensorLike) => apply1(acosOp, x);
