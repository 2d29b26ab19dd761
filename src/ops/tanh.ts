import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
// d tanh x = (1 − tanh²x) dx
export const tanhOp = elementwise({
  name: 'tanh',
  scalar: Math.tanh,
  partials: [(_, y) => sub(1, mul(y, y))],
  test: { domain: [-3, 3] },
}, 1);
export const tanh = (x: TensorLike) => apply1(tanhOp, x);
