import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { polygamma } from './polygamma.js';
import { digamma as digammaScalar } from './special.js';
// d ψ(x) = ψ⁽¹⁾(x) dx (trigamma: polygamma(1, x))
export const digammaOp = elementwise({
  name: 'digamma',
  scalar: digammaScalar,
  partials: [([x]) => polygamma(1, x)],
  test: { domain: [0.2, 6] },
}, 1);
export const digamma = (x: TensorLike) => apply1(digammaOp, x);
