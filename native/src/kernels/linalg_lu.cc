// LU with partial pivoting for one SIMD level, blocked, and the ops built on it: solve, det,
// slogdet, adjugate. The TS kernels in src/ops/linalg/kernels are the oracle.
#include "linalg_kit.h"

namespace wg {
namespace WG_NS {
namespace {

// ---- LU with partial pivoting -----------------------------------------------------------------------

/** det(P); a pivot was exactly 0; A had a NaN or ±∞ entry (every result built on it is NaN) */
struct Lu { double parity; bool singular; bool nonFinite; };

/**
 * P·A = L·U into LU (n×n: L unit strictly below, U on and above), perm[i] = A's row in position i.
 * Pivots: the first entry of largest magnitude in the column (as the TS kernel); a zero pivot
 * column (all zero below) is not eliminated. Right-looking in column panels of NB.
 */
Lu lu1(const double* a, double* LU, int32_t* perm, i64 n, double* pack) {
  copy(LU, a, n * n);
  for (i64 i = 0; i < n; i++) perm[i] = int32_t(i);
  Lu f{1.0, false, !allFinite(a, n * n)};
  for (i64 kb = 0; kb < n; kb += NB) {
    const i64 e = imin(kb + NB, n);
    for (i64 j = kb; j < e; j++) {
      i64 p = j;
      double big = fabs_(LU[j * n + j]);
      for (i64 i = j + 1; i < n; i++) { const double v = fabs_(LU[i * n + j]); if (v > big) { big = v; p = i; } }
      if (p != j) {
        for (i64 c = 0; c < n; c++) { const double t = LU[j * n + c]; LU[j * n + c] = LU[p * n + c]; LU[p * n + c] = t; }
        const int32_t t = perm[j]; perm[j] = perm[p]; perm[p] = t;
        f.parity = -f.parity;
      }
      const double piv = LU[j * n + j];
      if (piv == 0) { f.singular = true; continue; }
      for (i64 i = j + 1; i < n; i++) {
        double* ri = LU + i * n;
        const double l = ri[j] / piv;
        ri[j] = l;
        axpyNeg(l, LU + j * n + j + 1, ri + j + 1, e - j - 1);
      }
    }
    if (e == n) break;
    for (i64 i = kb + 1; i < e; i++)  // U12 = L11⁻¹·A12
      for (i64 j = kb; j < i; j++) axpyNeg(LU[i * n + j], LU + j * n + e, LU + i * n + e, n - e);
    gemm(n - e, n - e, e - kb, LU + e * n + kb, n, 1, LU + kb * n + e, n, 1, LU + e * n + e, n, -1.0, pack);  // A22 −= L21·U12
  }
  return f;
}

void opSolve(const LinalgArgs& g) {
  const i64 n = g.n, k = g.k;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* pack = packOf(g, n * n + n);
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    double* x = g.out + t * n * k;
    const double* b = g.b + t * n * k;
    if (f.singular || f.nonFinite || !allFinite(b, n * k)) { fill(x, n * k, kNaN); continue; }
    for (i64 i = 0; i < n; i++) copy(x + i * k, b + i64(perm[i]) * k, k);
    trsm(LU, n, x, k, LA_LOWER | LA_UNIT, pack);
    trsm(LU, n, x, k, 0, pack);
  }
}

void opDet(const LinalgArgs& g, bool logs) {
  const i64 n = g.n;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* pack = packOf(g, n * n + n);
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    if (f.nonFinite) {
      g.out[t] = kNaN;
      if (logs) g.out[g.batch + t] = kNaN;
      continue;
    }
    if (!logs) {
      double d = f.parity;
      for (i64 j = 0; j < n; j++) d *= LU[j * n + j];
      g.out[t] = d;
      continue;
    }
    double sign = f.parity, la = 0;
    for (i64 j = 0; j < n; j++) {
      const double u = LU[j * n + j];
      sign *= u > 0 ? 1.0 : u < 0 ? -1.0 : u == 0 ? 0.0 : kNaN;
      la += __builtin_log(fabs_(u));
    }
    g.out[t] = sign;
    g.out[g.batch + t] = la;
  }
}

/** adj(A) = det(P)·adj(U)·L⁻¹·P, adj(U) by back substitution with the divisions deferred (TS adjugate) */
void opAdjugate(const LinalgArgs& g) {
  const i64 n = g.n;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* Wt = LU + n * n + n;   // adj(U)ᵀ: row j = column j of adj(U), then (W·L⁻¹)ᵀ
  double* v = Wt + n * n;
  double* pre = v + n;           // n + 1
  double* suf = pre + n + 1;     // n + 1
  double* pack = suf + n + 1;
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    if (f.nonFinite) { fill(g.out + t * n * n, n * n, kNaN); continue; }
    pre[0] = 1;
    for (i64 i = 0; i < n; i++) pre[i + 1] = pre[i] * LU[i * n + i];
    suf[n] = 1;
    for (i64 i = n - 1; i >= 0; i--) suf[i] = suf[i + 1] * LU[i * n + i];
    fill(Wt, n * n, 0.0);
    for (i64 j = 0; j < n; j++) {
      double* col = Wt + j * n;
      v[j] = 1;
      col[j] = pre[j] * suf[j + 1];
      for (i64 i = j - 1; i >= 0; i--) {
        const double y = -dot(LU + i * n + i + 1, v + i + 1, j - i);
        scale(LU[i * n + i], v + i + 1, j - i);
        v[i] = y;
        col[i] = y * pre[i] * suf[j + 1];
      }
    }
    trsm(LU, n, Wt, n, LA_LOWER | LA_TRANSPOSE | LA_UNIT, pack);  // (W·L⁻¹)ᵀ = L⁻ᵀ·Wᵀ
    double* out = g.out + t * n * n;
    transposeInto(LU, n, Wt, n, n, n);  // Y = W·L⁻¹ (LU is free now)
    for (i64 i = 0; i < n; i++)
      for (i64 c = 0; c < n; c++) out[i * n + perm[c]] = f.parity * LU[i * n + c];
  }
}

void opDetOnly(const LinalgArgs& g) { opDet(g, false); }

void opSlogdet(const LinalgArgs& g) { opDet(g, true); }

}  // namespace

void fillLu(KernelTable* t) {
  t->linalg[OP_solve] = opSolve;
  t->linalg[OP_det] = opDetOnly;
  t->linalg[OP_slogdet] = opSlogdet;
  t->linalg[OP_adjugate] = opAdjugate;
}

}  // namespace WG_NS
}  // namespace wg
