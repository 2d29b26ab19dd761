// The packed, register-tiled product C (op)= A·B that matmul.cc and linalg.cc share, compiled once
// per SIMD level (include after level.h). B is packed into kc×NR column panels, A into MR×kc row
// panels, and an MR×NR register tile accumulates over kc (FMA at the levels that contract).
// Every C element is a sum over p in increasing order within one kc block: its bits depend only on
// the kc blocking, never on how rows or columns are grouped into panels, blocks or threads.
#pragma once
#include "level.h"

namespace wg {
namespace WG_NS {
namespace {

constexpr int NR = 2 * WG_W;

inline i64 imin(i64 a, i64 b) { return a < b ? a : b; }

/** packed A panel: Ap[p·MR + r] = A(i0 + r, p0 + p), zero rows past mr */
template <int MR>
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

/** packed B panel: Bp[p·NR + c] = B(p0 + p, j0 + c), zero columns past nr */
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

/** how micro writes its tile T = Ap·Bp: C = T, C += T or C −= T (each one exact IEEE operation per element) */
enum Acc { ACC_SET, ACC_ADD, ACC_SUB };

/** C tile (mr×nr of row stride ldc) (acc)= Ap·Bp over kc */
template <int MR>
void micro(i64 kc, const double* __restrict Ap, const double* __restrict Bp, double* C, i64 ldc, i64 mr, i64 nr, Acc acc) {
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
      if (acc == ACC_SET) {
        wg_store(c, c0[r]);
        wg_store(c + WG_W, c1[r]);
      } else if (acc == ACC_ADD) {
        wg_store(c, wg_load(c) + c0[r]);
        wg_store(c + WG_W, wg_load(c + WG_W) + c1[r]);
      } else {
        wg_store(c, wg_load(c) - c0[r]);
        wg_store(c + WG_W, wg_load(c + WG_W) - c1[r]);
      }
    }
    return;
  }
  double t[MR * NR];
  for (int r = 0; r < MR; r++) { wg_store(t + r * NR, c0[r]); wg_store(t + r * NR + WG_W, c1[r]); }
  for (i64 r = 0; r < mr; r++)
    for (i64 c = 0; c < nr; c++) {
      double* e = C + r * ldc + c;
      *e = acc == ACC_SET ? t[r * NR + c] : acc == ACC_ADD ? *e + t[r * NR + c] : *e - t[r * NR + c];
    }
}


/** the register tiles of one packed mc×kc block of A against one packed kc×nc block of B into C (row stride ldc) */
template <int MR>
void tiles(i64 kc, i64 mc, i64 nc, const double* pA, const double* pB, double* C, i64 ldc, Acc acc) {
  for (i64 jr = 0; jr < nc; jr += NR)
    for (i64 ir = 0; ir < mc; ir += MR)
      micro<MR>(kc, pA + ir * kc, pB + jr * kc, C + ir * ldc + jr, ldc, imin(MR, mc - ir), imin(NR, nc - jr), acc);
}

/** a packed product's block sizes: rows of A (MC), the inner dimension (KC), columns of B (NC) */
struct Blocking { i64 MC, KC, NC; };

/**
 * C (acc)= A·B by packed blocks: each KC×NC block of B packed once (pB), each MC×KC block of A against
 * it (pA); accOf(pc) is how the KC block starting at pc writes C. The loop order is fixed, so each C
 * element's sum runs over p in increasing order.
 */
template <int MR, class AccOf>
void packedProduct(Blocking bl, i64 m, i64 n, i64 k, const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB,
                   double* C, i64 ldc, double* pA, double* pB, AccOf accOf) {
  const i64 MC = bl.MC, KC = bl.KC, NC = bl.NC;
  for (i64 jc = 0; jc < n; jc += NC) {
    const i64 nc = imin(NC, n - jc);
    for (i64 pc = 0; pc < k; pc += KC) {
      const i64 kc = imin(KC, k - pc);
      packB(B + pc * rsB + jc * csB, rsB, csB, kc, nc, pB);
      for (i64 ic = 0; ic < m; ic += MC) {
        const i64 mc = imin(MC, m - ic);
        packA<MR>(A + ic * rsA + pc * csA, rsA, csA, mc, kc, pA);
        tiles<MR>(kc, mc, nc, pA, pB, C + ic * ldc + jc, ldc, accOf(pc));
      }
    }
  }
}

}  // namespace
}  // namespace WG_NS
}  // namespace wg
