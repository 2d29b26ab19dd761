import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sub } from './sub.js';
import { mul } from './mul.js';
// σ(x) = 1/(1+e⁻ˣ), stable for both signs; dσ = σ(1 − σ) dx
export const sigmoidOp = elementwise({
  name: 'sigmoid',
  scalar: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  partials: [(_, y) => mul(y, sub(1, y))],
  test: { domain: [-6, 6] },
}, 1);
export const sigmoid = (x: TensorLike) => apply1(sigmoidOp, x);
