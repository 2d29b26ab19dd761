// Reductions for one SIMD level. Rows reduce in the TS kernel's pairwise order (leaves of at
// most 256 elements, split at the middle), so prod over- and underflows exactly where TS does;
// sum leaves use several vector accumulators (same value up to rounding, DESIGN §4).
#include "level.h"

namespace wg {
namespace WG_NS {
namespace {

double leafSum(const double* x, i64 n) {
  wg_vd s0 = {}, s1 = {}, s2 = {}, s3 = {};
  i64 j = 0;
  for (; j + 4 * WG_W <= n; j += 4 * WG_W) {
    s0 += wg_load(x + j);
    s1 += wg_load(x + j + WG_W);
    s2 += wg_load(x + j + 2 * WG_W);
    s3 += wg_load(x + j + 3 * WG_W);
  }
  for (; j + WG_W <= n; j += WG_W) s0 += wg_load(x + j);
  double s = wg_hsum((s0 + s1) + (s2 + s3));
  for (; j < n; j++) s += x[j];
  return s;
}

// max: x > acc || x ≠ x ? x : acc (NaN sticks); vector lanes then the same rule across lanes
double leafMax(const double* x, i64 n) {
  double acc = -__builtin_inf();
  i64 j = 0;
  if (n >= 2 * WG_W) {
    wg_vd a0 = wg_splat(acc), a1 = a0;
    for (; j + 2 * WG_W <= n; j += 2 * WG_W) {
      wg_vd v0 = wg_load(x + j), v1 = wg_load(x + j + WG_W);
      a0 = (v0 > a0 || v0 != v0) ? v0 : a0;
      a1 = (v1 > a1 || v1 != v1) ? v1 : a1;
    }
    for (int l = 0; l < WG_W; l++) { acc = wg_maximum(a0[l], acc); acc = wg_maximum(a1[l], acc); }
  }
  for (; j < n; j++) acc = wg_maximum(x[j], acc);
  return acc;
}

double leafMin(const double* x, i64 n) {
  double acc = __builtin_inf();
  i64 j = 0;
  if (n >= 2 * WG_W) {
    wg_vd a0 = wg_splat(acc), a1 = a0;
    for (; j + 2 * WG_W <= n; j += 2 * WG_W) {
      wg_vd v0 = wg_load(x + j), v1 = wg_load(x + j + WG_W);
      a0 = (v0 < a0 || v0 != v0) ? v0 : a0;
      a1 = (v1 < a1 || v1 != v1) ? v1 : a1;
    }
    for (int l = 0; l < WG_W; l++) { acc = wg_minimum(a0[l], acc); acc = wg_minimum(a1[l], acc); }
  }
  for (; j < n; j++) acc = wg_minimum(x[j], acc);
  return acc;
}

// prod keeps the sequential order inside a leaf (matches TS bit for bit)
double leafProd(const double* x, i64 n) {
  double acc = 1;
  for (i64 j = 0; j < n; j++) acc *= x[j];
  return acc;
}

template <int K>
double pairwise(const double* x, i64 n) {
  if (n <= 256) {
    return K == R_SUM ? leafSum(x, n) : K == R_MAX ? leafMax(x, n) : K == R_MIN ? leafMin(x, n) : leafProd(x, n);
  }
  const i64 h = n >> 1;
  const double l = pairwise<K>(x, h), r = pairwise<K>(x + h, n - h);
  return K == R_SUM ? l + r : K == R_MAX ? wg_maximum(r, l) : K == R_MIN ? wg_minimum(r, l) : l * r;
}

template <int K>
void accum(double* __restrict acc, const double* __restrict x, i64 n) {
  for (i64 j = 0; j < n; j++) {
    const double a = acc[j], v = x[j];
    acc[j] = K == R_SUM ? a + v : K == R_MAX ? wg_maximum(v, a) : K == R_MIN ? wg_minimum(v, a) : a * v;
  }
}

}  // namespace

void fillReduce(KernelTable* t) {
  t->reduceRow[R_SUM] = pairwise<R_SUM>;
  t->reduceRow[R_MAX] = pairwise<R_MAX>;
  t->reduceRow[R_MIN] = pairwise<R_MIN>;
  t->reduceRow[R_PROD] = pairwise<R_PROD>;
  t->accumRow[R_SUM] = accum<R_SUM>;
  t->accumRow[R_MAX] = accum<R_MAX>;
  t->accumRow[R_MIN] = accum<R_MIN>;
  t->accumRow[R_PROD] = accum<R_PROD>;
}

}  // namespace WG_NS
}  // namespace wg
