// Scalar special functions and the elementwise ops added with them (erf, erfc, erfinv, lgamma,
// digamma, polygamma, round, mod, logaddexp, xlogy), the same algorithms as src/ops/special.ts
// and the ops' TS formulas. Everything is `static inline` (each translation unit, so each SIMD
// level, gets its own copy: the COMDAT trap, TOOLCHAIN.md). Polynomial pieces: special_coefs.h.
#pragma once
#include <math.h>
#include "special_coefs.h"

static inline double wg_poly(const double* p, int n, double t) {
  double s = p[0];
  for (int i = 1; i < n; i++) s = s * t + p[i];
  return s;
}
#define WG_PIECE(NAME, x) wg_poly(WG_##NAME, WG_##NAME##_N, (x) - WG_##NAME##_C)

/** erfc(x), x ≥ 0.5: e^(−x²)·erfcx(x) with x² = hi + lo exactly (Dekker, no FMA needed) */
static inline double wg_erfc_pos(double x) {
  if (x >= 27.3) return 0.0;
  const double hi = x * x;
  const double c = 134217729.0 * x, xh = c - (c - x), xl = x - xh;
  const double lo = ((xh * xh - hi) + 2 * xh * xl) + xl * xl;
  const double e = exp(-hi) * (1 - lo);
  double g;
  if (x < 1.25) g = WG_PIECE(ERFCX_0_5, x);
  else if (x < 2.25) g = WG_PIECE(ERFCX_1_25, x);
  else if (x < 3.5) g = WG_PIECE(ERFCX_2_25, x);
  else if (x < 6) g = WG_PIECE(ERFCX_3_5, x);
  else g = WG_PIECE(ERFCX_ASYM, 1 / hi) / x;
  return e * g;
}
static inline double wg_erf(double x) {
  const double a = fabs(x);
  if (a < 0.5) return x + x * WG_PIECE(ERF_SMALL, x * x);
  if (!(a < 6)) return x != x ? x : (x > 0 ? 1.0 : -1.0);
  const double r = 1 - wg_erfc_pos(a);
  return x < 0 ? -r : r;
}
static inline double wg_erfc(double x) {
  if (x != x) return x;
  const double a = fabs(x);
  if (a < 0.5) return 1 - (x + x * WG_PIECE(ERF_SMALL, x * x));
  return x > 0 ? wg_erfc_pos(a) : 2 - wg_erfc_pos(a);
}
static inline double wg_erfinv(double x) {
  const double a = fabs(x);
  if (!(a <= 1)) return __builtin_nan("");
  if (a == 1) return x * __builtin_inf();
  if (x == 0) return x;
  const double w = a < 0.5 ? -log1p(-a * a) : -(log1p(-a) + log1p(a));
  if (w < 6.25) return x * (w < 2 ? WG_PIECE(ERFINV_W0, w) : WG_PIECE(ERFINV_W1, w));
  const double s = sqrt(w);
  const double r = s < 4 ? WG_PIECE(ERFINV_S0, s) : WG_PIECE(ERFINV_S1, s);
  return x < 0 ? -r : r;
}

static inline double wg_lgamma_mid(double x) {
  const double r = x < 1 ? WG_PIECE(LGAMMA_0_5, x) : x < 1.5 ? WG_PIECE(LGAMMA_1, x) : x < 2 ? WG_PIECE(LGAMMA_1_5, x)
                 : x < 2.5 ? WG_PIECE(LGAMMA_2, x) : WG_PIECE(LGAMMA_2_5, x);
  return ((x - 1) * (x - 2)) * r + 0;  // + 0: lgamma(1) = lgamma(2) = +0
}
/** sin(πx), the argument reduced exactly */
static inline double wg_sinpi(double x) {
  const double r = x - 2 * round(x / 2);
  const double a = fabs(r), pi = 3.141592653589793;
  const double v = a <= 0.25 ? sin(pi * a) : a <= 0.75 ? cos(pi * (0.5 - a)) : sin(pi * (1 - a));
  return r < 0 ? -v : v;
}
/** log|Γ(x)|; +∞ at the poles */
static inline double wg_lgamma(double x) {
  if (x != x) return x;
  if (__builtin_isinf(x)) return __builtin_inf();
  double sign = 0, refl = 0;
  if (x < 0.5) {
    if (x > 0) return wg_lgamma_mid(x + 1) - log(x);
    if (x == floor(x)) return __builtin_inf();
    refl = log(3.141592653589793 / fabs(wg_sinpi(x)));
    sign = 1;
    x = 1 - x;
  }
  double y;
  if (x <= 3) y = wg_lgamma_mid(x);
  else if (x < 8) {
    double p = 1, z = x;
    while (z > 3) { z -= 1; p *= z; }
    y = wg_lgamma_mid(z) + log(p);
  } else {
    const double r = 1 / x, r2 = r * r;
    const double s = r * (1.0 / 12 + r2 * (-1.0 / 360 + r2 * (1.0 / 1260 + r2 * (-1.0 / 1680 + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360 + r2 * (1.0 / 156)))))));
    y = (x - 0.5) * (log(x) - 1) + ((0.9189385332046728 - 0.5) + s);
  }
  return sign ? refl - y : y;
}

static inline double wg_digamma_pos(double x) {  // x ≥ 0.5
  if (x >= 10) {
    static const double B[8] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510};
    const double r2 = 1 / (x * x);
    double s = 0;
    for (int k = 8; k >= 1; k--) s = s * r2 + B[k - 1] / (2 * k);
    return log(x) - 0.5 / x - s * r2;
  }
  if (x >= 2) return x < 3 ? WG_PIECE(DIGAMMA_2, x) : x < 4.5 ? WG_PIECE(DIGAMMA_3, x) : x < 7 ? WG_PIECE(DIGAMMA_4_5, x) : WG_PIECE(DIGAMMA_7, x);
  if (x >= 1) return ((x - WG_DIGAMMA_ROOT_HI) - WG_DIGAMMA_ROOT_LO) * (x < 1.5 ? WG_PIECE(DIGAMMA_1, x) : WG_PIECE(DIGAMMA_1_5, x));
  return WG_PIECE(DIGAMMA_0_5, x);
}
/** ψ(x); NaN at the poles */
static inline double wg_digamma(double x) {
  if (x != x || x == -__builtin_inf()) return __builtin_nan("");
  if (x == __builtin_inf()) return x;
  if (x >= 0.5) return wg_digamma_pos(x);
  if (x > 0) return wg_digamma_pos(x + 1) - 1 / x;
  if (x == floor(x)) return __builtin_nan("");
  const double r = x - round(x);
  const double pi = 3.141592653589793;
  return wg_digamma(1 - x) - pi / tan(pi * r);
}
/** ψ⁽ⁿ⁾(x) for integer n ≥ 0 (src/ops/special.ts polygamma) */
static inline double wg_polygamma(double n, double x) {
  if (n == 0) return wg_digamma(x);
  if (!(n >= 1 && n <= 64 && n == floor(n)) || x != x) return __builtin_nan("");
  if (x <= 0 && x == floor(x)) return __builtin_nan("");
  if (x < -1e5) return __builtin_nan("");
  const int m = (int)n;
  double fact = 1;
  for (int k = 2; k <= m; k++) fact *= k;
  const double sgn = m % 2 == 1 ? 1 : -1;
  double acc = 0, y = x;
  while (y < 20) { acc += 1 / pow(y, m + 1); y += 1; }
  static const double B[8] = {1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510};
  double series = fact / m / pow(y, m) + fact / (2 * pow(y, m + 1));
  double f = fact / m;
  for (int k = 1; k <= 8; k++) {
    f *= (2.0 * k + m - 2) * (2.0 * k + m - 1) / ((2.0 * k - 1) * (2.0 * k));
    series += B[k - 1] * f / pow(y, 2 * k + m);
  }
  return sgn * (series + fact * acc);
}

/** round half to even (rint in the default rounding mode) */
static inline double wg_round(double x) { return __builtin_rint(x); }
/** NumPy's remainder: fmod, + b when the signs differ; a zero result takes b's sign */
static inline double wg_mod(double a, double b) {
  const double r = fmod(a, b);
  if (r == 0) return (b < 0) ? -0.0 : 0.0;
  return ((r < 0) != (b < 0)) ? r + b : r;
}
static inline double wg_logaddexp(double a, double b) {
  if (a == b) return a + 0.6931471805599453;
  const double m = a > b ? a : b, d = fabs(a - b);
  return d != d ? a + b : m + log1p(exp(-d));
}
static inline double wg_xlogy(double x, double y) { return x == 0 ? 0.0 : x * log(y); }
static inline double wg_exp2(double x) { return exp2(x); }
