import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { digamma } from './digamma.js';
import { lgamma as lgammaScalar } from './special.js';
// d log|Γ(x)| = ψ(x) dx
export const lgammaOp = elementwise({
  name: 'lgamma',
  scalar: lgammaScalar,
  partials: [([x]) => digamma(x)],
  test: { domain: [0.2, 6] },
}, 1);
export const lgamma = (x: TensorLike) => apply1(lgammaOp, x);
