import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';

// sign(x) ∈ {−1, 0, 1} (NaN stays NaN); derivative 0
export const signOp = elementwise({
  name: 'sign',
  scalar: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  partials: null,
  test: { domain: [-3, 3], kinks: [0] },
}, 1);
export const sign = (x: TensorLike) => apply1(signOp, x);
