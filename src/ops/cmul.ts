import type { Tensor, TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { isConstScalar, unbroadcast, addAll } from './util.js';
import { where } from './where.js';
import { equal } from './equal.js';
// cotangent product g ⊙ p = (g = 0 ? 0 : g·p): g a (co)tangent, p a partial that may be ±∞ or NaN (DESIGN §4).
// d(g ⊙ p) = ġ ⊙ p + g ⊛ ṗ. Where g = 0 the product is 0 whatever p, so its derivative in p is 0 at
// every order: the second term is a product of two guards, g ⊛ q = 0 when g = 0 or q = 0 (a zero
// tangent or cotangent carries nothing), so forward mode and every higher order stay NaN-safe.
export const cmulOp = elementwise({
  name: 'cmul',
  scalar: (g, p) => (g === 0 ? 0 : g * p),
  partials: [([, p]) => p, ([g]) => g],
  vjp: (c, { ins: [g, p] }, needs) => [
    needs[0] ? unbroadcast(cmul(c, p), g.shape) : null,
    needs[1] ? unbroadcast(zmul(c, g), p.shape) : null,
  ],
  jvp: ([tg, tp], { ins: [g, p], out }) => addAll([tg ? cmul(tg, p) : null, tp ? zmul(tp, g) : null], out.shape),
  test: { domain: [-3, 3] },
  simplify: ([g, p]) => (isConstScalar(p, 1, g) ? g : isConstScalar(g, 1, p) ? p : undefined),
}, 2);
export const cmul = (a: TensorLike, b: TensorLike) => apply2(cmulOp, a, b);

/** a ⊛ b: 0 when a = 0 or b = 0, else a·b (a product of two guards: tangents, cotangents) */
export const zmul = (a: TensorLike, b: TensorLike): Tensor => where(equal(b, 0), 0, cmul(a, b));
