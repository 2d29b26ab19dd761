import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { sqrt } from './sqrt.js';
import { neg } from './neg.js';
import { oneMinusSquare } from './asin.js';
// d acos x = −dx / √(1 − x²)   (1 − x² formed without cancellation near ±1, asin.ts)
export const acosOp = elementwise({
  name: 'acos',
  scalar: Math.acos,
  partials: [([x]) => neg(div(1, sqrt(oneMinusSquare(x))))],
  test: { domain: [-0.9, 0.9] },
}, 1);
export const acos = (x: TensorLike) => apply1(acosOp, x);
