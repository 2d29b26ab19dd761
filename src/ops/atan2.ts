import type { Tensor, TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { div } from './div.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { square } from './square.js';
import { abs } from './abs.js';
import { greaterEqual } from './greaterEqual.js';
import { where } from './where.js';
// d atan2(y, x) = (x dy − y dx) / (x² + y²), formed without x² + y² (which overflows for |x|, |y| >
// 1.3e154 and underflows below 1e-154): with p the larger of x, y in magnitude, q the other, t = q/p,
// k = (1/p)/(1 + t²) = p/(x² + y²):  ∂/∂y = k (|x| ≥ |y|) or t·k;  ∂/∂x = −t·k or −k
const scaled = (y: Tensor, x: Tensor) => {
  const xBig = greaterEqual(abs(x), abs(y));
  const t = div(where(xBig, y, x), where(xBig, x, y));
  const k = div(div(1, where(xBig, x, y)), add(square(t), 1));
  return { xBig, k, tk: mul(t, k) };
};
export const atan2Op = elementwise({
  name: 'atan2',
  scalar: Math.atan2,
  partials: [
    ([y, x]) => { const { xBig, k, tk } = scaled(y, x); return where(xBig, k, tk); },
    ([y, x]) => { const { xBig, k, tk } = scaled(y, x); return neg(where(xBig, tk, k)); },
  ],
  test: { domain: [[-3, 3], [0.5, 3]] },
}, 2);
export const atan2 = (a: TensorLike, b: TensorLike) => apply2(atan2Op, a, b);
