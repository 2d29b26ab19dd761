// Elementwise row kernels for one SIMD level (see level.h): plain loops over restrict pointers
// that the compiler vectorizes at this level's width. The vectorized transcendental functions
// (with ulp bounds) are math.cc's, which also replaces pow at the levels with FMA; asin, acos,
// atan2 call libm.
#include "level.h"

namespace wg {
namespace WG_NS {
namespace {

// In-place use passes a == out with equal shapes: every lane reads a[j] before writing out[j],
// so the vectorized loop stays correct although restrict is then not literally true.
#define WG_UNARY(NAME, EXPR)                                                   \
  void u_##NAME(const double* __restrict a, double* __restrict o, i64 n) {     \
    for (i64 j = 0; j < n; j++) { const double x = a[j]; o[j] = (EXPR); }      \
  }

WG_UNARY(neg, -x)
WG_UNARY(square, x * x)
WG_UNARY(sqrt, sqrt(x))
WG_UNARY(asin, asin(x))
WG_UNARY(acos, acos(x))
WG_UNARY(relu, wg_relu(x))
WG_UNARY(abs, fabs(x))
WG_UNARY(sign, wg_sign(x))
WG_UNARY(stopGradient, x)

// strides are 0 (broadcast) or 1; each combination gets its own loop so the compiler vectorizes it
#define WG_BINARY(NAME, EXPR)                                                                    \
  void b_##NAME(const double* __restrict a, i64 sa, const double* __restrict b, i64 sb,         \
                double* __restrict o, i64 n) {                                                   \
    if (sa && sb) {                                                                              \
      for (i64 j = 0; j < n; j++) { const double x = a[j], y = b[j]; o[j] = (EXPR); }           \
    } else if (sb) {                                                                             \
      const double x = a[0];                                                                     \
      for (i64 j = 0; j < n; j++) { const double y = b[j]; o[j] = (EXPR); }                     \
    } else if (sa) {                                                                             \
      const double y = b[0];                                                                     \
      for (i64 j = 0; j < n; j++) { const double x = a[j]; o[j] = (EXPR); }                     \
    } else {                                                                                     \
      const double x = a[0], y = b[0], v = (EXPR);                                               \
      for (i64 j = 0; j < n; j++) o[j] = v;                                                      \
    }                                                                                            \
  }

WG_BINARY(add, x + y)
WG_BINARY(sub, x - y)
WG_BINARY(mul, x * y)
WG_BINARY(div, x / y)
WG_BINARY(pow, wg_pow(x, y))
WG_BINARY(atan2, atan2(x, y))
WG_BINARY(maximum, wg_maximum(x, y))
WG_BINARY(minimum, wg_minimum(x, y))
WG_BINARY(cmul, wg_cmul(x, y))
WG_BINARY(less, x < y ? 1.0 : 0.0)
WG_BINARY(lessEqual, x <= y ? 1.0 : 0.0)
WG_BINARY(greater, x > y ? 1.0 : 0.0)
WG_BINARY(greaterEqual, x >= y ? 1.0 : 0.0)
WG_BINARY(equal, x == y ? 1.0 : 0.0)
WG_BINARY(notEqual, x != y ? 1.0 : 0.0)

template <int SA, int SB, int SC, int OP>
void tloop(const double* __restrict a, const double* __restrict b, const double* __restrict c,
           double* __restrict o, i64 n) {
  for (i64 j = 0; j < n; j++) {
    const double x = a[SA * j], y = b[SB * j], z = c[SC * j];
    o[j] = OP == OP_where ? wg_where(x, y, z) : wg_clip(x, y, z);
  }
}

template <int OP>
void t_op(const double* a, i64 sa, const double* b, i64 sb, const double* c, i64 sc, double* o, i64 n) {
  switch ((sa ? 4 : 0) | (sb ? 2 : 0) | (sc ? 1 : 0)) {
    case 0: tloop<0, 0, 0, OP>(a, b, c, o, n); break;
    case 1: tloop<0, 0, 1, OP>(a, b, c, o, n); break;
    case 2: tloop<0, 1, 0, OP>(a, b, c, o, n); break;
    case 3: tloop<0, 1, 1, OP>(a, b, c, o, n); break;
    case 4: tloop<1, 0, 0, OP>(a, b, c, o, n); break;
    case 5: tloop<1, 0, 1, OP>(a, b, c, o, n); break;
    case 6: tloop<1, 1, 0, OP>(a, b, c, o, n); break;
    default: tloop<1, 1, 1, OP>(a, b, c, o, n); break;
  }
}

}  // namespace

void fillElementwise(KernelTable* t) {
#define U(N) t->unary[OP_##N] = u_##N;
  U(neg) U(square) U(sqrt) U(asin) U(acos) U(relu) U(abs) U(sign) U(stopGradient)
#undef U
#define B(N) t->binary[OP_##N] = b_##N;
  B(add) B(sub) B(mul) B(div) B(pow) B(atan2) B(maximum) B(minimum) B(cmul) B(less) B(lessEqual)
  B(greater) B(greaterEqual) B(equal) B(notEqual)
#undef B
  t->ternary[OP_where] = t_op<OP_where>;
  t->ternary[OP_clip] = t_op<OP_clip>;
  // last: replaces exp, expm1, log, log1p, sin, cos, tan, atan, sinh, cosh, tanh, sigmoid, softplus
  // and (at the levels with FMA) pow by the vector kernels
  fillMath(t);
  fillSpecial(t);
}

}  // namespace WG_NS
}  // namespace wg
