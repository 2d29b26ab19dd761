import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
import { sigmoid } from './sigmoid.js';
// softplus(x) = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|); d softplus = σ(x) dx
export const softplusOp = elementwise({
  name: 'softplus',
  scalar: (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
  partials: [([x]) => sigmoid(x)],
  test: { domain: [-6, 6] },
}, 1);
export const softplus = (x: TensorLike) => apply1(softplusOp, x);
