// Closed forms of the first and second derivatives of the smooth unary ops, written without
// cancellation (exp of non-positive arguments, exact factors 1 ∓ x near ±1, 1/x for large |x|), so
// they are accurate to a few ulp wherever the result is a normal double. The oracle for the local
// derivative checks of the property programs (programs.ts) and of derivative-accuracy.test.ts.

export type Ref = (x: number) => number;

/** sech²x = 4e/(1 + e)², e = e^−2|x| */
export const sech2: Ref = (x) => { const e = Math.exp(-2 * Math.abs(x)); return (4 * e) / ((1 + e) * (1 + e)); };
/** σ(x), stable for both signs */
export const sigmoid: Ref = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
/** σ'(x) = σ(x)σ(−x) = e/(1 + e)², e = e^−|x| */
export const sigmoid1: Ref = (x) => { const e = Math.exp(-Math.abs(x)); return e / ((1 + e) * (1 + e)); };
/** 1 − x² with exact factors near ±1 */
const oneMinusSq = (x: number) => (Math.abs(x) < 0.5 ? 1 - x * x : (1 - x) * (1 + x));
const asin1: Ref = (x) => 1 / Math.sqrt(oneMinusSq(x));
/** 1/(1 + x²) through r = 1/x for |x| > 1 */
const atan1: Ref = (x) => { if (Math.abs(x) <= 1) return 1 / (1 + x * x); const r = 1 / x; return (r * r) / (1 + r * r); };
const atan2nd: Ref = (x) => {
  if (Math.abs(x) <= 1) return (-2 * x) / ((1 + x * x) * (1 + x * x));
  const r = 1 / x, q = 1 + r * r;
  return (-2 * r * r * r) / (q * q);
};
const tan1: Ref = (x) => { const t = Math.tan(x); return 1 + t * t; };

/** [f′, f″] of each smooth unary op */
export const UNARY_DERIVATIVES: Record<string, readonly [Ref, Ref]> = {
  neg: [() => -1, () => 0],
  square: [(x) => 2 * x, () => 2],
  sqrt: [(x) => 0.5 / Math.sqrt(x), (x) => -0.25 / Math.sqrt(x) / x],
  exp: [Math.exp, Math.exp],
  expm1: [Math.exp, Math.exp],
  log: [(x) => 1 / x, (x) => -1 / x / x],
  log1p: [(x) => 1 / (1 + x), (x) => -1 / ((1 + x) * (1 + x))],
  sin: [Math.cos, (x) => -Math.sin(x)],
  cos: [(x) => -Math.sin(x), (x) => -Math.cos(x)],
  tan: [tan1, (x) => 2 * Math.tan(x) * tan1(x)],
  asin: [asin1, (x) => x * asin1(x) ** 3],
  acos: [(x) => -asin1(x), (x) => -x * asin1(x) ** 3],
  atan: [atan1, atan2nd],
  sinh: [Math.cosh, Math.sinh],
  cosh: [Math.sinh, Math.cosh],
  tanh: [sech2, (x) => -2 * Math.tanh(x) * sech2(x)],
  // σ″ = σ′(1 − 2σ) = −σ′·tanh(x/2)
  sigmoid: [sigmoid1, (x) => -sigmoid1(x) * Math.tanh(x / 2)],
  softplus: [sigmoid, sigmoid1],
};
