// Matmul for one SIMD level, blocked as in BLIS: B is packed into kc×NR column panels (L1/L2),
// A into MR×kc row panels, and an MR×NR register tile accumulates with FMA (at levels that have
// it: avx2, avx512, neon). Matrix–vector shapes skip packing. No BLAS dependency.
#include "level.h"

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
constexpr int NR = 2 * WG_W;

inline i64 imin(i64 a, i64 b) { return a < b ? a : b; }

// packed A panel: Ap[p·MR + r] = A(i0 + r, p0 + p), zero rows past mr
void packA(const double* A, i64 rsA, i64 csA, i64 mc, i64 kc, double* out) {
  for (i64 i = 0; i < mc; i += MR) {
    const i64 mr = imin(MR, mc - i);
    for (i64 p = 0; p < kc; p++) {
      const double* a = A + i * rsA + p * csA;
      for (i64 r = 0; r < MR; r++) out[r] = r < mr ? a[r * rsA] : 0.0;
      out += MR;
    }
  }
}

// packed B panel: Bp[p·NR + c] = B(p0 + p, j0 + c), zero columns past nr
void packB(const double* B, i64 rsB, i64 csB, i64 kc, i64 nc, double* out) {
  for (i64 j = 0; j < nc; j += NR) {
    const i64 nr = imin(NR, nc - j);
    for (i64 p = 0; p < kc; p++) {
      const double* b = B + p * rsB + j * csB;
      if (nr == NR && csB == 1) {
        for (int c = 0; c < NR; c++) out[c] = b[c];
      } else {
        for (i64 c = 0; c < NR; c++) out[c] = c < nr ? b[c * csB] : 0.0;
      }
      out += NR;
    }
  }
}

// C tile (mr×nr of ldc) = (first ? 0 : C) + Ap·Bp over kc
void micro(i64 kc, const double* __restrict Ap, const double* __restrict Bp, double* C, i64 ldc, i64 mr, i64 nr,
           bool first) {
  wg_vd c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int r = 0; r < MR; r++) { c0[r] = wg_vd{}; c1[r] = wg_vd{}; }
  for (i64 p = 0; p < kc; p++) {
    const wg_vd b0 = wg_load(Bp), b1 = wg_load(Bp + WG_W);
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      const wg_vd a = wg_splat(Ap[r]);
      c0[r] += a * b0;
      c1[r] += a * b1;
    }
    Ap += MR;
    Bp += NR;
  }
  if (mr == MR && nr == NR) {
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++) {
      double* c = C + r * ldc;
      if (first) {
        wg_store(c, c0[r]);
        wg_store(c + WG_W, c1[r]);
      } else {
        wg_store(c, wg_load(c) + c0[r]);
        wg_store(c + WG_W, wg_load(c + WG_W) + c1[r]);
      }
    }
    return;
  }
  double t[MR * NR];
  for (int r = 0; r < MR; r++) { wg_store(t + r * NR, c0[r]); wg_store(t + r * NR + WG_W, c1[r]); }
  for (i64 r = 0; r < mr; r++)
    for (i64 c = 0; c < nr; c++) C[r * ldc + c] = first ? t[r * NR + c] : C[r * ldc + c] + t[r * NR + c];
}

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
  for (i64 jc = 0; jc < n; jc += NC) {
    const i64 nc = imin(NC, n - jc);
    for (i64 pc = 0; pc < k; pc += KC) {
      const i64 kc = imin(KC, k - pc);
      packB(B + pc * rsB + jc * csB, rsB, csB, kc, nc, pB);
      for (i64 ic = 0; ic < m; ic += MC) {
        const i64 mc = imin(MC, m - ic);
        packA(A + ic * rsA + pc * csA, rsA, csA, mc, kc, pA);
        for (i64 jr = 0; jr < nc; jr += NR) {
          for (i64 ir = 0; ir < mc; ir += MR) {
            micro(kc, pA + ir * kc, pB + jr * kc, C + (ic + ir) * n + jc + jr, n, imin(MR, mc - ir),
                  imin(NR, nc - jr), pc == 0);
          }
        }
      }
    }
  }
}

}  // namespace

void fillMatmul(KernelTable* t) {
  t->mm = MatmulShape{MR, NR, KC, MC, NC};
  t->matmul = matmul;
  t->gemvAcc = gemvColsAcc;
}

}  // namespace WG_NS
}  // namespace wg
