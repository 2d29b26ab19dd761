// Matmul for one SIMD level, blocked as in BLIS over the packed panels and register tile of gemm.h
// (FMA at the levels that have it: avx2, avx512, neon). Matrix–vector shapes skip packing. No BLAS
// dependency. The threaded matmul (threaded.cc) computes blocks of C's rows or columns each with
// this packed path (block): the same kc blocks in the same order, so the same bits.
#include "gemm.h"

namespace wg {
namespace WG_NS {
namespace {

#if WG_LEVEL == 4
// neon: 32 vector registers hold an 8×4 tile (16 accumulators) with room for the B row and A values
constexpr int MR = 8, KC = 256, MC = 96, NC = 1024;
#elif WG_LEVEL >= 3
constexpr int MR = 8, KC = 192, MC = 96, NC = 1024;
#elif WG_LEVEL == 2
constexpr int MR = 6, KC = 256, MC = 96, NC = 1024;
#else
constexpr int MR = 6, KC = 256, MC = 96, NC = 1024;
#endif

// y[i] = Σ_p A(i,p)·x[p·sx] with contiguous rows of A (csA = 1)
void gemvRows(const double* A, i64 rsA, const double* x, i64 sx, double* y, i64 sy, i64 m, i64 k) {
  for (i64 i = 0; i < m; i++) {
    const double* a = A + i * rsA;
    double s;
    if (sx == 1) {
      wg_vd s0 = {}, s1 = {};
      i64 p = 0;
      for (; p + 2 * WG_W <= k; p += 2 * WG_W) {
        s0 += wg_load(a + p) * wg_load(x + p);
        s1 += wg_load(a + p + WG_W) * wg_load(x + p + WG_W);
      }
      s = wg_hsum(s0 + s1);
      for (; p < k; p++) s += a[p] * x[p];
    } else {
      s = 0;
      for (i64 p = 0; p < k; p++) s += a[p] * x[p * sx];
    }
    y[i * sy] = s;
  }
}

// y[i] += Σ_p A(i,p)·x[p·sx], p in order, with contiguous columns of A (rsA = 1): y += x_p · A(:,p)
// (also the compiled tier's row-blocked matrix–vector pass: the same code, so the same bits)
void gemvColsAcc(const double* A, i64 csA, const double* x, i64 sx, double* __restrict y, i64 m, i64 k) {
  for (i64 p = 0; p < k; p++) {
    const double xp = x[p * sx];
    const double* __restrict a = A + p * csA;
    for (i64 i = 0; i < m; i++) y[i] += xp * a[i];
  }
}

// y[i] = Σ_p A(i,p)·x[p·sx] with contiguous columns of A (rsA = 1)
void gemvCols(const double* A, i64 csA, const double* x, i64 sx, double* __restrict y, i64 m, i64 k) {
  for (i64 i = 0; i < m; i++) y[i] = 0;
  gemvColsAcc(A, csA, x, sx, y, m, k);
}

void naive(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 m, i64 k, i64 n) {
  for (i64 i = 0; i < m; i++)
    for (i64 j = 0; j < n; j++) {
      double s = 0;
      for (i64 p = 0; p < k; p++) s += A[i * rsA + p * csA] * B[p * rsB + j * csB];
      C[i * n + j] = s;
    }
}

/** C (m×n of row stride ldc) = A·B by packed blocks, whatever m and n (k ≥ 1): matmul's packed path, and a block of it for threads */
void block(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc, i64 m, i64 k, i64 n,
           double* pA, double* pB) {
  packedProduct<MR>(Blocking{MC, KC, NC}, m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, pA, pB,
                    [](i64 pc) { return pc == 0 ? ACC_SET : ACC_ADD; });
}

void matmul(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 m, i64 k,
            i64 n, double* pA, double* pB) {
  if (m == 0 || n == 0) return;
  if (k == 0) { for (i64 i = 0; i < m * n; i++) C[i] = 0; return; }
  if (n == 1) {  // C(:,0) = A · B(:,0)
    if (csA == 1) gemvRows(A, rsA, B, rsB, C, 1, m, k);
    else if (rsA == 1) gemvCols(A, csA, B, rsB, C, m, k);
    else naive(A, rsA, csA, B, rsB, csB, C, m, k, n);
    return;
  }
  if (m == 1) {  // C(0,:) = Bᵀ · A(0,:)
    if (csB == 1) gemvCols(B, rsB, A, csA, C, n, k);
    else if (rsB == 1) gemvRows(B, csB, A, csA, C, 1, n, k);
    else naive(A, rsA, csA, B, rsB, csB, C, m, k, n);
    return;
  }
  block(A, rsA, csA, B, rsB, csB, C, n, m, k, n, pA, pB);
}

}  // namespace

void fillMatmul(KernelTable* t) {
  t->mm = MatmulShape{MR, NR, KC, MC, NC};
  t->matmul = matmul;
  t->mmBlock = block;
  t->gemvAcc = gemvColsAcc;
}

}  // namespace WG_NS
}  // namespace wg
