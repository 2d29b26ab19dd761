// An opaque special function: erf computed by a series in plain JS (code wengert cannot trace),
// with its derivative rule written in wengert ops — then checked with gradcheck.
import * as w from '../src/index.js';

/** erf(x) by its Maclaurin series (|x| ≤ 3) or the continued fraction of erfc (|x| > 3). */
export function erfScalar(x: number): number {
  const ax = Math.abs(x);
  if (ax > 3) {
    // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
    let f = ax;
    for (let k = 60; k >= 1; k--) f = ax + (k / 2) / f;
    return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
  }
  // erf(x) = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
  let term = x, sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// d erf(x) = 2/√π · exp(−x²) dx
export const erf = w.opaque((x) => x.map(erfScalar), {
  name: 'erf',
  shape: (s) => s,
  vjp: (g, { inputs: [x] }) => [w.mul(g, w.mul(2 / Math.sqrt(Math.PI), w.exp(w.neg(w.square(x as w.Tensor)))))],
  jvp: ([t], { inputs: [x] }) => w.mul(t as w.Tensor, w.mul(2 / Math.sqrt(Math.PI), w.exp(w.neg(w.square(x as w.Tensor))))),
});

if (import.meta.url === `file://${process.argv[1]}`) {
  const x = [-2, -0.5, 0, 0.3, 1.7, 3.5];
  console.log('erf(x)     ', erf(x).toArray());
  console.log('d/dx erf   ', w.grad((v: w.Tensor) => w.sum(erf(v)))(x));
  console.log('d²/dx² erf ', x.map((v) => w.derivative(w.derivative(erf))(v)));
  const check = w.gradcheck((v: w.Tensor) => w.sum(w.mul(erf(v), v)), [x]);
  console.log('gradcheck  ', check.ok ? 'ok' : 'FAILED', `max rel error ${check.maxRelError.toExponential(2)}`);
}
