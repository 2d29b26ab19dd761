import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { add } from './add.js';
import { polygamma as polygammaScalar } from './special.js';
// d ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁺¹⁾(x) dx; n (a non-negative integer) has no derivative
export const polygammaOp = elementwise({
  name: 'polygamma',
  scalar: polygammaScalar,
  partials: [null, ([n, x]) => polygamma(add(n, 1), x)],
  test: { domain: [[0, 3], [0.3, 6]], integerInputs: [0] },
}, 2);
export const polygamma = (n: TensorLike, x: TensorLike) => apply2(polygammaOp, n, x);
