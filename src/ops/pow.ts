import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { log } from './log.js';
import { where } from './where.js';
import { equal } from './equal.js';
import { cmul } from './cmul.js';
// d aᵇ = (b ⊙ aᵇ⁻¹) da + log(a)·aᵇ db.  b ⊙ aᵇ⁻¹ is exactly 0 where b = 0, also at a = 0 (aᵇ⁻¹ = ∞),
// and so are all its derivatives in a (cmul's rules); its derivative in b stays aᵇ⁻¹(1 + b log a).
// ∂/∂b pow(0, b) = 0 (DESIGN §4); ∂/∂b pow(a, b) for a < 0 is NaN (b ↦ aᵇ is NaN at every non-integer b)
export const powOp = elementwise({
  name: 'pow',
  scalar: Math.pow,
  partials: [([a, b]) => cmul(b, pow(a, sub(b, 1))), ([a], y) => where(equal(a, 0), 0, mul(log(a), y))],
  test: { domain: [[0.5, 3], [-2, 2]] },
}, 2);
export const pow = (a: TensorLike, b: TensorLike) => apply2(powOp, a, b);
