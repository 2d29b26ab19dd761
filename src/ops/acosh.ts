import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { div } from './div.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { add } from './add.js';
import { sqrt } from './sqrt.js';
// d acosh x = dx / √((x − 1)(x + 1))   (the factored form stays accurate near x = 1)
export const acoshOp = elementwise({
  name: 'acosh',
  scalar: Math.acosh,
  partials: [([x]) => div(1, sqrt(mul(sub(x, 1), add(x, 1))))],
  test: { domain: [1.1, 4] },
}, 1);
export const acosh = (x: TensorLike) => apply1(acoshOp, x);
