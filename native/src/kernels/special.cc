// Elementwise kernels of the ops added with the special functions, for one SIMD level: row loops
// over the scalar functions of special_scalar.h (the same algorithm as the TS kernels), and libm
// for acosh, asinh, atanh, cbrt, log2, log10, exp2, hypot. Measured ulp errors: docs/math.md.
#include "level.h"
#include "special_scalar.h"

namespace wg {
namespace WG_NS {
namespace {

#define WG_UNARY(NAME, EXPR)                                                   \
  void u_##NAME(const double* __restrict a, double* __restrict o, i64 n) {     \
    for (i64 j = 0; j < n; j++) { const double x = a[j]; o[j] = (EXPR); }      \
  }
WG_UNARY(acosh, acosh(x))
WG_UNARY(asinh, asinh(x))
WG_UNARY(atanh, atanh(x))
WG_UNARY(cbrt, cbrt(x))
WG_UNARY(log2, log2(x))
WG_UNARY(log10, log10(x))
WG_UNARY(exp2, wg_exp2(x))
WG_UNARY(erf, wg_erf(x))
WG_UNARY(erfc, wg_erfc(x))
WG_UNARY(erfinv, wg_erfinv(x))
WG_UNARY(lgamma, wg_lgamma(x))
WG_UNARY(digamma, wg_digamma(x))
WG_UNARY(floor, floor(x))
WG_UNARY(ceil, ceil(x))
WG_UNARY(round, wg_round(x))
WG_UNARY(trunc, trunc(x))

#define WG_BINARY(NAME, EXPR)                                                                    \
  void b_##NAME(const double* __restrict a, i64 sa, const double* __restrict b, i64 sb,         \
                double* __restrict o, i64 n) {                                                   \
    for (i64 j = 0; j < n; j++) { const double x = a[sa * j], y = b[sb * j]; o[j] = (EXPR); }   \
  }
WG_BINARY(polygamma, wg_polygamma(x, y))
WG_BINARY(hypot, hypot(x, y))
WG_BINARY(mod, wg_mod(x, y))
WG_BINARY(logaddexp, wg_logaddexp(x, y))
WG_BINARY(xlogy, wg_xlogy(x, y))

}  // namespace

void fillSpecial(KernelTable* t) {
#define U(N) t->unary[OP_##N] = u_##N;
  U(acosh) U(asinh) U(atanh) U(cbrt) U(log2) U(log10) U(exp2) U(erf) U(erfc) U(erfinv) U(lgamma) U(digamma)
  U(floor) U(ceil) U(round) U(trunc)
#undef U
#define B(N) t->binary[OP_##N] = b_##N;
  B(polygamma) B(hypot) B(mod) B(logaddexp) B(xlogy)
#undef B
  // polynomial pieces and Dekker products: at the levels that contract a·b + c into an FMA these
  // rows are not the formula as the 0-d code computes it, so the compiled tier calls them (codegen/)
  static const int kVec[] = {OP_erf, OP_erfc, OP_erfinv, OP_lgamma, OP_digamma, OP_polygamma};
  for (int op : kVec) t->vector[op] = 1;
}

}  // namespace WG_NS
}  // namespace wg
