// Functions several suites differentiate.
import * as w from '../../src/index.js';

/** √a by Newton's iteration until the step is below 1e-14: the iteration count depends on a */
export function newtonSqrt(a: w.Tensor): w.Tensor {
  let x = w.mul(a, 1);
  for (let i = 0; i < 100; i++) {
    const nx = w.mul(0.5, w.add(x, w.div(a, x)));
    if (w.less(w.abs(w.sub(nx, x)), 1e-14).item()) return nx;
    x = nx;
  }
  return x;
}
