// Shared by the linear-algebra kernels of one level (linalg*.cc): blocking constants, vector
// helpers, tiled copies and the packed BLAS-3 update C ∓= A·B (gemm.h), on the intra-op pool in
// fixed chunks when large; trsm (linalg.cc). Included once per level (level.h's WG_NS).
#pragma once
#include "gemm.h"
#include "../threads.h"
#include <vector>

namespace wg {
namespace WG_NS {
namespace {

#if WG_LEVEL >= 3
constexpr int MR = 8;
#else
constexpr int MR = 6;
#endif
constexpr i64 NB = kLaNB, KC = kLaKC, MC = kLaMC, NC = kLaNC;
static_assert(MC % 8 == 0 && MC % 6 == 0 && NC % 16 == 0, "packing scratch (laPack) assumes these multiples");

inline double fabs_(double x) { return __builtin_fabs(x); }
inline double sqrt_(double x) { return __builtin_sqrt(x); }
constexpr double kNaN = __builtin_nan("");
inline void fill(double* x, i64 n, double v) { for (i64 i = 0; i < n; i++) x[i] = v; }
inline void copy(double* dst, const double* src, i64 n) { if (n > 0 && dst != src) __builtin_memmove(dst, src, size_t(n) * 8); }

// ---- vector helpers ------------------------------------------------------------------------------

/** Σ x[i]·y[i], i < n (contiguous) */
inline double dot(const double* x, const double* y, i64 n) {
  wg_vd s0 = {}, s1 = {};
  i64 i = 0;
  for (; i + 2 * WG_W <= n; i += 2 * WG_W) {
    s0 += wg_load(x + i) * wg_load(y + i);
    s1 += wg_load(x + i + WG_W) * wg_load(y + i + WG_W);
  }
  double s = wg_hsum(s0 + s1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

/** y[i] −= a·x[i], i < n */
inline void axpyNeg(double a, const double* x, double* y, i64 n) {
  const wg_vd va = wg_splat(a);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) wg_store(y + i, wg_load(y + i) - va * wg_load(x + i));
  for (; i < n; i++) y[i] -= a * x[i];
}

/** y[i] −= a0·x0[i] + a1·x1[i] + a2·x2[i] + a3·x3[i], i < n: four row updates in one pass over y */
inline void axpy4Neg(const double* a, const double* x0, const double* x1, const double* x2, const double* x3, double* y, i64 n) {
  const wg_vd v0 = wg_splat(a[0]), v1 = wg_splat(a[1]), v2 = wg_splat(a[2]), v3 = wg_splat(a[3]);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W)
    wg_store(y + i, wg_load(y + i) - ((v0 * wg_load(x0 + i) + v1 * wg_load(x1 + i)) + (v2 * wg_load(x2 + i) + v3 * wg_load(x3 + i))));
  for (; i < n; i++) y[i] -= (a[0] * x0[i] + a[1] * x1[i]) + (a[2] * x2[i] + a[3] * x3[i]);
}

inline void scale(double a, double* x, i64 n) {
  const wg_vd va = wg_splat(a);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) wg_store(x + i, va * wg_load(x + i));
  for (; i < n; i++) x[i] *= a;
}

/** no NaN or ±∞ among x[i], i < n (x·0 is 0 for finite x, NaN otherwise) */
inline bool allFinite(const double* x, i64 n) {
  wg_vd acc = {};
  const wg_vd zero = {};
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) acc += wg_load(x + i) * zero;
  double s = wg_hsum(acc);
  for (; i < n; i++) s += x[i] * 0.0;
  return s == 0;
}

/** (x, y) ← (c·x − s·y, s·x + c·y) */
inline void rotate(double* x, double* y, i64 n, double c, double s) {
  const wg_vd vc = wg_splat(c), vs = wg_splat(s);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) {
    const wg_vd a = wg_load(x + i), b = wg_load(y + i);
    wg_store(x + i, vc * a - vs * b);
    wg_store(y + i, vs * a + vc * b);
  }
  for (; i < n; i++) { const double a = x[i], b = y[i]; x[i] = c * a - s * b; y[i] = s * a + c * b; }
}

/** ‖x[i·s]‖, i < n, rescaled when the plain sum of squares under- or overflows (TS norm2) */
inline double norm2(const double* x, i64 s, i64 n) {
  double ss = 0;
  if (s == 1) ss = dot(x, x, n);
  else for (i64 i = 0; i < n; i++) ss += x[i * s] * x[i * s];
  if (ss > 1e-150 && ss < 1e150) return sqrt_(ss);
  double big = 0;
  for (i64 i = 0; i < n; i++) { const double v = fabs_(x[i * s]); if (v > big || v != v) big = v; }
  if (big == 0 || !(big - big == 0)) return big;
  ss = 0;
  for (i64 i = 0; i < n; i++) { const double v = x[i * s] / big; ss += v * v; }
  return big * sqrt_(ss);
}

/** √(a² + b²) from IEEE operations only (TS pythag) */
inline double pythag(double a, double b) {
  const double x = fabs_(a), y = fabs_(b);
  if (x > y) { const double r = y / x; return x * sqrt_(1 + r * r); }
  if (y == 0) return 0;
  const double r = x / y;
  return y * sqrt_(1 + r * r);
}

// ---- tiled copies (a column walk over a large matrix misses the cache at every step) ----------------

constexpr i64 TILE = 32;

/** dst[j·ldd + i] = src[i·lds + j] for i < rows, j < cols */
inline void transposeInto(double* dst, i64 ldd, const double* src, i64 lds, i64 rows, i64 cols) {
  for (i64 i0 = 0; i0 < rows; i0 += TILE)
    for (i64 j0 = 0; j0 < cols; j0 += TILE) {
      const i64 i1 = imin(i0 + TILE, rows), j1 = imin(j0 + TILE, cols);
      for (i64 j = j0; j < j1; j++)
        for (i64 i = i0; i < i1; i++) dst[j * ldd + i] = src[i * lds + j];
    }
}

/** S = ½(A + Aᵀ) (n×n; lowerOnly: the lower triangle, zeros above) */
inline void symmetrize(double* S, const double* a, i64 n, bool lowerOnly) {
  for (i64 i0 = 0; i0 < n; i0 += TILE)
    for (i64 j0 = 0; j0 < n; j0 += TILE) {
      const i64 i1 = imin(i0 + TILE, n), j1 = imin(j0 + TILE, n);
      for (i64 i = i0; i < i1; i++)
        for (i64 j = j0; j < j1; j++) S[i * n + j] = lowerOnly && j > i ? 0.0 : 0.5 * (a[i * n + j] + a[j * n + i]);
    }
}

// ---- C ±= A·B: packed panels and an MR×NR register tile (gemm.h) --------------------------------

/**
 * C[m×n, row stride ldc] += sign·A·B, A(i,p) = A[i·rsA + p·csA], B(p,j) = B[p·rsB + j·csB];
 * pack: laPack(n) doubles. One column (n = 1) with contiguous rows of A runs as dot products.
 */
inline void gemm(i64 m, i64 n, i64 k, const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc,
          double sign, double* pack) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (n == 1 && csA == 1 && rsB == 1) {
    for (i64 i = 0; i < m; i++) C[i * ldc] += sign * dot(A + i * rsA, B, k);
    return;
  }
  const Acc acc = sign > 0 ? ACC_ADD : ACC_SUB;  // sign ±1: C + (−T) is C − T exactly
  packedProduct<MR>(Blocking{MC, KC, NC}, m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, pack, pack + MC * KC,
                    [acc](i64) { return acc; });
}

/** gemm on the pool: C's rows (or columns, when it has fewer rows than PAR_ROWS) in fixed chunks */
struct GemmJob {
  i64 m, n, k; const double* A; i64 rsA, csA; const double* B; i64 rsB, csB; double* C; i64 ldc; double sign;
  bool byRows;
};
constexpr i64 PAR_ROWS = MC, PAR_COLS = 64;  // multiples of every level's MR, NR

inline void gemmChunk(void* ctx, i64 c) {
  const GemmJob& g = *static_cast<const GemmJob*>(ctx);
  thread_local std::vector<double> pack;
  if (i64(pack.size()) < laPack(g.n)) pack.resize(size_t(laPack(g.n)));
  if (g.byRows) {
    const i64 r0 = c * PAR_ROWS;
    gemm(imin(PAR_ROWS, g.m - r0), g.n, g.k, g.A + r0 * g.rsA, g.rsA, g.csA, g.B, g.rsB, g.csB, g.C + r0 * g.ldc, g.ldc, g.sign, pack.data());
  } else {
    const i64 c0 = c * PAR_COLS;
    gemm(g.m, imin(PAR_COLS, g.n - c0), g.k, g.A, g.rsA, g.csA, g.B + c0 * g.csB, g.rsB, g.csB, g.C + c0, g.ldc, g.sign, pack.data());
  }
}

/**
 * gemm, on the pool's threads when large. Every C element is the same register tile's sum over the
 * same kc blocks however C is cut (gemm.h): the bits of the single-threaded gemm, for every thread count.
 */
inline void gemmPar(i64 m, i64 n, i64 k, const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc,
             double sign, double* pack) {
  const bool byRows = m >= 2 * PAR_ROWS;
  if (threadCount() <= 1 || double(m) * double(n) * double(k) < 1e6 || (!byRows && n < 2 * PAR_COLS)) {
    gemm(m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, sign, pack);
    return;
  }
  GemmJob g{m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, sign, byRows};
  parallelFor(byRows ? (m + PAR_ROWS - 1) / PAR_ROWS : (n + PAR_COLS - 1) / PAR_COLS, gemmChunk, &g);
}

/** the first component within 1e-10 of the largest magnitude (TS pivotIndex) */
inline i64 pivotIndex(const double* x, i64 s, i64 n) {
  double big = 0;
  for (i64 i = 0; i < n; i++) { const double v = fabs_(x[i * s]); if (v > big) big = v; }
  const double bar = big - 1e-10 * big;
  for (i64 i = 0; i < n; i++) if (fabs_(x[i * s]) >= bar) return i;
  return 0;
}

/** linalg scratch after the first `used` doubles: packing space for the BLAS-3 updates */
inline double* packOf(const LinalgArgs& g, i64 used) { return g.work + used; }

}  // namespace

/** X (n×k) ← op(T)⁻¹·X for the triangular T (flags LA_LOWER, LA_TRANSPOSE, LA_UNIT), blocked by nb (linalg.cc) */
void trsm(const double* T, i64 n, double* X, i64 k, int32_t flags, double* pack, i64 nb = NB);

}  // namespace WG_NS
}  // namespace wg
