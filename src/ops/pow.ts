import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { log } from './log.js';
import { where } from './where.js';
import { equal } from './equal.js';
// d aᵇ = b·aᵇ⁻¹ da + log(a)·aᵇ db   (∂/∂b pow(0, b) = 0, DESIGN §4)
export const powOp = elementwise({
  name: 'pow',
  scalar: Math.pow,
  partials: [([a, b]) => mul(b, pow(a, sub(b, 1))), ([a], y) => where(equal(a, 0), 0, mul(log(a), y))],
  test: { domain: [[0.5, 3], [-2, 2]] },
}, 2);
export const pow = (a: TensorLike, b: TensorLike) => apply2(powOp, a, b);
