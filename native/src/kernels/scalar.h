// Scalar semantics of every elementwise op, matching the TS `scalar` formulas in src/ops/*.ts
// exactly (NaN and signed-zero rules included). Every function is `static inline`: each
// translation unit (each SIMD level) gets its own internal copy, so the linker never merges a
// copy compiled for one level into another (the COMDAT trap, CONTRIBUTING.md "SIMD levels").
#pragma once
#include <math.h>

#define WG_NAN __builtin_nan("")

static inline double wg_sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x == 0 ? 0.0 : WG_NAN; }
static inline double wg_relu(double x) { return x > 0 ? x : 0.0; }
// stable forms: sigmoid(x) = 1/(1+e^-x) (x ≥ 0), e^x/(1+e^x) (x < 0)
static inline double wg_sigmoid(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }
// softplus(x) = x + log1p(e^-x) (x > 0), log1p(e^x) otherwise
static inline double wg_softplus(double x) { return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)); }
// Math.pow differs from C pow: NaN exponent → NaN; |x| = 1 with infinite exponent → NaN
static inline double wg_pow(double x, double y) {
  if (y != y) return WG_NAN;
  if ((x == 1.0 || x == -1.0) && __builtin_isinf(y)) return WG_NAN;
  return pow(x, y);
}
// maximum(a, b) = a > b || a ≠ a ? a : b   (NaN from either side propagates)
static inline double wg_maximum(double a, double b) { return (a > b || a != a) ? a : b; }
static inline double wg_minimum(double a, double b) { return (a < b || a != a) ? a : b; }
// Math.max / Math.min: NaN wins, +0 > -0
static inline double wg_jsmax(double a, double b) {
  if (a != a || b != b) return WG_NAN;
  if (a == b) return (a == 0 && __builtin_signbit(a)) ? b : a;
  return a > b ? a : b;
}
static inline double wg_jsmin(double a, double b) {
  if (a != a || b != b) return WG_NAN;
  if (a == b) return (a == 0 && __builtin_signbit(a)) ? a : b;
  return a < b ? a : b;
}
static inline double wg_clip(double x, double lo, double hi) { return wg_jsmin(wg_jsmax(x, lo), hi); }
// cotangent product: a zero cotangent gives 0 even against an infinite or NaN partial
static inline double wg_cmul(double g, double p) { return g == 0 ? 0.0 : g * p; }
static inline double wg_where(double c, double a, double b) { return c != 0 ? a : b; }
