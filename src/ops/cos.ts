import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sin } from './sin.js';
import { neg } from './neg.js';
// d cos x = −sin x dx
export const cosOp = elementwise({
  name: 'cos',
  scalar: Math.cos,
  partials: [([x]) => neg(sin(x))],
  test: { domain: [-4, 4] },
}, 1);
export const cos = (x: TensorLike) => apply1(cosOp, x);
