// Scalar semantics of every elementwise op, matching the TS `scalar` formulas in src/ops/*.ts
// exactly (NaN and signed-zero rules included). Every function is `static inline`: each
// translation unit (each SIMD level) gets its own internal copy, so the linker never merges a
// copy compiled for one level into another (the COMDAT trap, CONTRIBUTING.md "SIMD levels").
#pragma once
#include <math.h>
#include "special_scalar.h"

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

// One function per elementwise op, wg_op_<name> (the ops of the generated WG_OPS_UNARY, _BINARY and
// _TERNARY lists, native/generated/ops.h): the interpreter's 0-d loop, the per-level row kernels
// (elementwise.cc) and the compiled tier's generated C (codegen/, which embeds this file) are all
// built from these lists, so an op missing here is a compile error in each of them.
static inline double wg_op_neg(double x) { return -x; }
static inline double wg_op_square(double x) { return x * x; }
static inline double wg_op_sqrt(double x) { return sqrt(x); }
static inline double wg_op_exp(double x) { return exp(x); }
static inline double wg_op_expm1(double x) { return expm1(x); }
static inline double wg_op_log(double x) { return log(x); }
static inline double wg_op_log1p(double x) { return log1p(x); }
static inline double wg_op_sin(double x) { return sin(x); }
static inline double wg_op_cos(double x) { return cos(x); }
static inline double wg_op_tan(double x) { return tan(x); }
static inline double wg_op_asin(double x) { return asin(x); }
static inline double wg_op_acos(double x) { return acos(x); }
static inline double wg_op_atan(double x) { return atan(x); }
static inline double wg_op_sinh(double x) { return sinh(x); }
static inline double wg_op_cosh(double x) { return cosh(x); }
static inline double wg_op_tanh(double x) { return tanh(x); }
static inline double wg_op_sigmoid(double x) { return wg_sigmoid(x); }
static inline double wg_op_softplus(double x) { return wg_softplus(x); }
static inline double wg_op_relu(double x) { return wg_relu(x); }
static inline double wg_op_abs(double x) { return fabs(x); }
static inline double wg_op_sign(double x) { return wg_sign(x); }
static inline double wg_op_stopGradient(double x) { return x; }
static inline double wg_op_add(double x, double y) { return x + y; }
static inline double wg_op_sub(double x, double y) { return x - y; }
static inline double wg_op_mul(double x, double y) { return x * y; }
static inline double wg_op_div(double x, double y) { return x / y; }
static inline double wg_op_pow(double x, double y) { return wg_pow(x, y); }
static inline double wg_op_atan2(double x, double y) { return atan2(x, y); }
static inline double wg_op_maximum(double x, double y) { return wg_maximum(x, y); }
static inline double wg_op_minimum(double x, double y) { return wg_minimum(x, y); }
static inline double wg_op_cmul(double x, double y) { return wg_cmul(x, y); }
static inline double wg_op_less(double x, double y) { return x < y ? 1.0 : 0.0; }
static inline double wg_op_lessEqual(double x, double y) { return x <= y ? 1.0 : 0.0; }
static inline double wg_op_greater(double x, double y) { return x > y ? 1.0 : 0.0; }
static inline double wg_op_greaterEqual(double x, double y) { return x >= y ? 1.0 : 0.0; }
static inline double wg_op_equal(double x, double y) { return x == y ? 1.0 : 0.0; }
static inline double wg_op_notEqual(double x, double y) { return x != y ? 1.0 : 0.0; }
static inline double wg_op_where(double c, double a, double b) { return wg_where(c, a, b); }
static inline double wg_op_clip(double x, double lo, double hi) { return wg_clip(x, lo, hi); }
// the special functions and the ops added with them (special_scalar.h)
static inline double wg_op_acosh(double x) { return acosh(x); }
static inline double wg_op_asinh(double x) { return asinh(x); }
static inline double wg_op_atanh(double x) { return atanh(x); }
static inline double wg_op_cbrt(double x) { return cbrt(x); }
static inline double wg_op_log2(double x) { return log2(x); }
static inline double wg_op_log10(double x) { return log10(x); }
static inline double wg_op_exp2(double x) { return wg_exp2(x); }
static inline double wg_op_erf(double x) { return wg_erf(x); }
static inline double wg_op_erfc(double x) { return wg_erfc(x); }
static inline double wg_op_erfinv(double x) { return wg_erfinv(x); }
static inline double wg_op_lgamma(double x) { return wg_lgamma(x); }
static inline double wg_op_digamma(double x) { return wg_digamma(x); }
static inline double wg_op_floor(double x) { return floor(x); }
static inline double wg_op_ceil(double x) { return ceil(x); }
static inline double wg_op_round(double x) { return wg_round(x); }
static inline double wg_op_trunc(double x) { return trunc(x); }
static inline double wg_op_polygamma(double n, double x) { return wg_polygamma(n, x); }
static inline double wg_op_hypot(double x, double y) { return hypot(x, y); }
static inline double wg_op_mod(double x, double y) { return wg_mod(x, y); }
static inline double wg_op_logaddexp(double x, double y) { return wg_logaddexp(x, y); }
static inline double wg_op_xlogy(double x, double y) { return wg_xlogy(x, y); }

// The reductions' combine c(a, x) (kernels/reduce.cc's order; kinds as ReduceKind: 0 sum, 1 max,
// 2 min, 3 prod). The NaN rule of + and · (docs/numerics.md): a NaN a gives a (quieted, a + a),
// else the plain operation (a NaN x, the only NaN, comes out quieted). x86 keeps the first
// operand's NaN and the compiler may put either operand first, so a plain a + x could give two
// copies of one sum NaNs of different sign.
static inline double wg_nadd(double a, double x) { return a != a ? a + a : a + x; }
static inline double wg_nmul(double a, double x) { return a != a ? a + a : a * x; }
static inline double wg_rcombine(int kind, double a, double x) {
  return kind == 0 ? wg_nadd(a, x) : kind == 3 ? wg_nmul(a, x) : kind == 1 ? ((x > a || x != x) ? x : a) : ((x < a || x != x) ? x : a);
}
