import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { add } from './add.js';
import { square } from './square.js';
import { abs } from './abs.js';
import { lessEqual } from './lessEqual.js';
import { where } from './where.js';
// d atan x = dx / (1 + x²) = r²/(1 + r²) dx with r = 1/x: the second form for |x| > 1, where x² would
// overflow (|x| > 1.3e154) and 1/(1 + x²)², in the second derivative, underflow while −2/x³ is normal
export const atanOp = elementwise({
  name: 'atan',
  scalar: Math.atan,
  partials: [([x]) => {
    const r2 = square(div(1, x));
    return where(lessEqual(abs(x), 1), div(1, add(square(x), 1)), div(r2, add(r2, 1)));
  }],
  test: { domain: [-3, 3] },
}, 1);
export const atan = (x: TensorLike) => apply1(atanOp, x);
