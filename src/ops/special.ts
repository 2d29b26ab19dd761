// Scalar special functions (the TS kernels of erf, erfc, erfinv, lgamma, digamma, polygamma).
// native/src/kernels/special.cc is the same algorithm; measured errors: docs/math.md.
// Polynomial pieces: scripts/fit-special.py (mpmath Chebyshev fits, relative error < 2^-58).
import * as C from './special-coefficients.js';

const horner = (p: readonly number[], t: number): number => {
  let s = p[0];
  for (let i = 1; i < p.length; i++) s = s * t + p[i];
  return s;
};
const piece = (q: C.Piece, x: number) => horner(q.p, x - q.c);

/** x² = hi + lo exactly (Dekker's product without FMA) */
function square2(x: number): [number, number] {
  const hi = x * x;
  const c = 134217729 * x, xh = c - (c - x), xl = x - xh;   // 2^27 + 1 split
  return [hi, ((xh * xh - hi) + 2 * xh * xl) + xl * xl];
}

/** erfc(x) for x ≥ 0.5: e^(−x²)·erfcx(x), e^(−x²) from the exact square (e^(−hi)·(1 − lo)) */
function erfcPos(x: number): number {
  if (x >= 27.3) return 0;
  const [hi, lo] = square2(x);
  const e = Math.exp(-hi) * (1 - lo);
  let g: number;
  if (x < 1.25) g = piece(C.ERFCX_0_5, x);
  else if (x < 2.25) g = piece(C.ERFCX_1_25, x);
  else if (x < 3.5) g = piece(C.ERFCX_2_25, x);
  else if (x < 6) g = piece(C.ERFCX_3_5, x);
  else g = piece(C.ERFCX_ASYM, 1 / hi) / x;
  return e * g;
}

/** erf(x) = x + x·F(x²) for |x| < 0.5; 1 − erfc(|x|) with the sign of x beyond */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 0.5) return x + x * piece(C.ERF_SMALL, x * x);
  if (!(a < 6)) return x !== x ? x : Math.sign(x);
  const r = 1 - erfcPos(a);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (x !== x) return x;
  const a = Math.abs(x);
  if (a < 0.5) return 1 - (x + x * piece(C.ERF_SMALL, x * x));
  return x > 0 ? erfcPos(a) : 2 - erfcPos(a);
}

/** erfinv: x·P(w), w = −log(1 − x²), for w < 6.25; Q(√w) beyond (w from log1p: exact near ±1) */
export function erfinv(x: number): number {
  const a = Math.abs(x);
  if (!(a <= 1)) return NaN;
  if (a === 1) return x * Infinity;
  if (x === 0) return x;
  const w = a < 0.5 ? -Math.log1p(-a * a) : -(Math.log1p(-a) + Math.log1p(a));
  if (w < 6.25) return x * (w < 2 ? piece(C.ERFINV_W0, w) : piece(C.ERFINV_W1, w));
  const s = Math.sqrt(w);
  const r = s < 4 ? piece(C.ERFINV_S0, s) : piece(C.ERFINV_S1, s);
  return x < 0 ? -r : r;
}

const LOG_SQRT_2PI = 0.9189385332046728;
/** Stirling: lgamma(x) = (x − ½)(log x − 1) + (½·log 2π − ½) + Σ B₂ₖ/(2k(2k−1)x^(2k−1)), x ≥ 8 */
function lgammaLarge(x: number): number {
  const r = 1 / x, r2 = r * r;
  const s = r * (1 / 12 + r2 * (-1 / 360 + r2 * (1 / 1260 + r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156)))))));
  return (x - 0.5) * (Math.log(x) - 1) + ((LOG_SQRT_2PI - 0.5) + s);
}

/** lgamma on [0.5, 3]: (x − 1)(x − 2)·R(x) (exact factors: relative accuracy at the zeros 1 and 2) */
function lgammaMid(x: number): number {
  const q = x < 1 ? C.LGAMMA_0_5 : x < 1.5 ? C.LGAMMA_1 : x < 2 ? C.LGAMMA_1_5 : x < 2.5 ? C.LGAMMA_2 : C.LGAMMA_2_5;
  return ((x - 1) * (x - 2)) * piece(q, x) + 0;   // + 0: lgamma(1) = lgamma(2) = +0
}

/** sin(πx) for finite x, the argument reduced exactly (x − 2·round(x/2) is exact) */
export function sinpi(x: number): number {
  const r = x - 2 * Math.round(x / 2);        // [−1, 1]
  const a = Math.abs(r);
  const v = a <= 0.25 ? Math.sin(Math.PI * a) : a <= 0.75 ? Math.cos(Math.PI * (0.5 - a)) : Math.sin(Math.PI * (1 - a));
  return r < 0 ? -v : v;
}

/** log|Γ(x)| (the sign is dropped, as SciPy's gammaln): +∞ at the poles 0, −1, −2, … */
export function lgamma(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x >= 0.5) {
    if (x <= 3) return lgammaMid(x);
    if (x < 8) {
      let p = 1, y = x;
      while (y > 3) { y -= 1; p *= y; }
      return lgammaMid(y) + Math.log(p);
    }
    return lgammaLarge(x);
  }
  if (x > 0) return lgammaMid(x + 1) - Math.log(x);
  if (x === Math.floor(x)) return Infinity;
  // reflection: Γ(x)Γ(1 − x) = π / sin(πx)
  return Math.log(Math.PI / Math.abs(sinpi(x))) - lgamma(1 - x);
}

const B2K = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510];
/** ψ(x) = log x − 1/(2x) − Σ B₂ₖ/(2k·x^(2k)), x ≥ 10 */
function digammaLarge(x: number): number {
  const r2 = 1 / (x * x);
  let s = 0;
  for (let k = B2K.length; k >= 1; k--) s = s * r2 + B2K[k - 1] / (2 * k);
  return Math.log(x) - 0.5 / x - s * r2;
}

/** digamma ψ(x) = Γ'(x)/Γ(x); NaN at the poles 0, −1, −2, … */
export function digamma(x: number): number {
  if (x !== x || x === -Infinity) return NaN;
  if (x === Infinity) return Infinity;
  if (x >= 10) return digammaLarge(x);
  if (x >= 2) return piece(x < 3 ? C.DIGAMMA_2 : x < 4.5 ? C.DIGAMMA_3 : x < 7 ? C.DIGAMMA_4_5 : C.DIGAMMA_7, x);
  if (x >= 1) return ((x - C.DIGAMMA_ROOT_HI) - C.DIGAMMA_ROOT_LO) * piece(x < 1.5 ? C.DIGAMMA_1 : C.DIGAMMA_1_5, x);
  if (x >= 0.5) return piece(C.DIGAMMA_0_5, x);
  if (x > 0) return digamma(x + 1) - 1 / x;
  if (x === Math.floor(x)) return NaN;
  // reflection: ψ(1 − x) − ψ(x) = π·cot(πx)
  const r = x - Math.round(x);
  return digamma(1 - x) - Math.PI / Math.tan(Math.PI * r);
}

/**
 * polygamma(n, x) = ψ⁽ⁿ⁾(x) for integer n ≥ 0: recurrence up to x ≥ 20 (ψ⁽ⁿ⁾(x) = ψ⁽ⁿ⁾(x + 1) −
 * (−1)ⁿ n!/x^(n+1)), then the asymptotic series; relative error about 1e-15 (NaN for other n).
 */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (!(n >= 1 && n <= 64 && Number.isInteger(n)) || x !== x) return NaN;
  if (x <= 0 && x === Math.floor(x)) return NaN;
  if (x < -1e5) return NaN;
  let fact = 1;
  for (let k = 2; k <= n; k++) fact *= k;
  const sgn = n % 2 === 1 ? 1 : -1;                 // (−1)^(n+1)
  let acc = 0, y = x;
  while (y < 20) { acc += 1 / y ** (n + 1); y += 1; }
  // (−1)^(n+1) [ (n−1)!/y^n + n!/(2y^(n+1)) + Σ B₂ₖ (2k+n−1)!/((2k)! y^(2k+n)) ]
  let series = fact / n / y ** n + fact / (2 * y ** (n + 1));
  let f = fact / n;                                   // (n−1)!, then (2k+n−1)!/(2k)!
  for (let k = 1; k <= B2K.length; k++) {
    f *= (2 * k + n - 2) * (2 * k + n - 1) / ((2 * k - 1) * (2 * k));
    series += B2K[k - 1] * f / y ** (2 * k + n);
  }
  return sgn * (series + fact * acc);
}
