import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
// σ(x) = 1/(1+e⁻ˣ), stable for both signs; dσ = σ(x)·σ(−x) dx. Not σ(1 − σ): 1 − σ cancels (relative
// error 1e-3 at x = 30, exactly 0 for x ≥ 36.8); σ(−x) is computed directly, and so are the factors
// of every higher derivative (σ″ = σσ̄(σ̄ − σ): σ̄ − σ ≈ ∓1 at large |x|).
export const sigmoidOp = elementwise({
  name: 'sigmoid',
  scalar: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  partials: [([x], y) => mul(y, sigmoid(neg(x)))],
  test: { domain: [-6, 6] },
}, 1);
export const sigmoid = (x: TensorLike) => apply1(sigmoidOp, x);
