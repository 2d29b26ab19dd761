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
#define WG_UNARY(NAME)                                                         \
  void u_##NAME(const double* __restrict a, double* __restrict o, i64 n) {     \
    for (i64 j = 0; j < n; j++) o[j] = wg_op_##NAME(a[j]);                     \
  }
WG_OPS_UNARY(WG_UNARY)
#undef WG_UNARY

// strides are 0 (broadcast) or 1; each combination gets its own loop so the compiler vectorizes it
#define WG_BINARY(NAME)                                                                          \
  void b_##NAME(const double* __restrict a, i64 sa, const double* __restrict b, i64 sb,         \
                double* __restrict o, i64 n) {                                                   \
    if (sa && sb) {                                                                              \
      for (i64 j = 0; j < n; j++) o[j] = wg_op_##NAME(a[j], b[j]);                              \
    } else if (sb) {                                                                             \
      const double x = a[0];                                                                     \
      for (i64 j = 0; j < n; j++) o[j] = wg_op_##NAME(x, b[j]);                                 \
    } else if (sa) {                                                                             \
      const double y = b[0];                                                                     \
      for (i64 j = 0; j < n; j++) o[j] = wg_op_##NAME(a[j], y);                                 \
    } else {                                                                                     \
      const double v = wg_op_##NAME(a[0], b[0]);                                                 \
      for (i64 j = 0; j < n; j++) o[j] = v;                                                      \
    }                                                                                            \
  }
WG_OPS_BINARY(WG_BINARY)
#undef WG_BINARY

// one loop per combination of strides (0 or 1): SA, SB, SC are compile-time
#define WG_TLOOP(NAME, SA, SB, SC)                                                              \
  for (i64 j = 0; j < n; j++) o[j] = wg_op_##NAME(a[SA * j], b[SB * j], c[SC * j]);
#define WG_TERNARY(NAME)                                                                         \
  void t_##NAME(const double* __restrict a, i64 sa, const double* __restrict b, i64 sb,         \
                const double* __restrict c, i64 sc, double* __restrict o, i64 n) {               \
    switch ((sa ? 4 : 0) | (sb ? 2 : 0) | (sc ? 1 : 0)) {                                        \
      case 0: WG_TLOOP(NAME, 0, 0, 0) break;                                                     \
      case 1: WG_TLOOP(NAME, 0, 0, 1) break;                                                     \
      case 2: WG_TLOOP(NAME, 0, 1, 0) break;                                                     \
      case 3: WG_TLOOP(NAME, 0, 1, 1) break;                                                     \
      case 4: WG_TLOOP(NAME, 1, 0, 0) break;                                                     \
      case 5: WG_TLOOP(NAME, 1, 0, 1) break;                                                     \
      case 6: WG_TLOOP(NAME, 1, 1, 0) break;                                                     \
      default: WG_TLOOP(NAME, 1, 1, 1) break;                                                    \
    }                                                                                            \
  }
WG_OPS_TERNARY(WG_TERNARY)
#undef WG_TERNARY
#undef WG_TLOOP

}  // namespace

void fillElementwise(KernelTable* t) {
  // every elementwise op of the registry: a row loop over its scalar formula (scalar.h)
#define U(N) t->unary[OP_##N] = u_##N;
  WG_OPS_UNARY(U)
#undef U
#define B(N) t->binary[OP_##N] = b_##N;
  WG_OPS_BINARY(B)
#undef B
#define T(N) t->ternary[OP_##N] = t_##N;
  WG_OPS_TERNARY(T)
#undef T
  // last: replaces exp, expm1, log, log1p, sin, cos, tan, atan, sinh, cosh, tanh, sigmoid, softplus
  // and (at the levels with FMA) pow by the vector kernels (and marks them in t->vector)
  fillMath(t);
  fillSpecial(t);
}

}  // namespace WG_NS
}  // namespace wg
