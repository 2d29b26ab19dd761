// The interface between the executor (baseline ISA) and the per-level kernels. Each SIMD level
// compiles the same kernel sources with its own flags into its own static library, inside a
// level-named namespace; only plain function pointers cross this boundary (no inline code).
#pragma once
#include <cstdint>
#include "../../generated/ops.h"

namespace wg {

using i64 = int64_t;

/** out[j] = f(a[j]) for j < n (in-place a == out allowed) */
typedef void (*UnaryFn)(const double* a, double* out, i64 n);
/** out[j] = f(a[j·sa], b[j·sb]) for j < n; strides are 0 or 1 */
typedef void (*BinaryFn)(const double* a, i64 sa, const double* b, i64 sb, double* out, i64 n);
typedef void (*TernaryFn)(const double* a, i64 sa, const double* b, i64 sb, const double* c, i64 sc,
                          double* out, i64 n);

enum ReduceKind { R_SUM = 0, R_MAX = 1, R_MIN = 2, R_PROD = 3, R_COUNT = 4 };
/** values per block of the canonical reduction order (reduce.cc) */
constexpr i64 kReduceBlock = 1024;
/** columns per tile of a reduction over a leading axis (each row read in runs of 16 KB) */
constexpr i64 kColTile = 2048;
/** doubles of scratch reduceCols needs: 8 accumulator rows and a T stack of one row per bit of the block count */
static inline i64 colsScratch(i64 rows, i64 cols) {
  i64 depth = 1;
  for (i64 nb = (rows + kReduceBlock - 1) / kReduceBlock; nb > 1; nb >>= 1) depth++;
  return (8 + depth) * (cols < kColTile ? cols : kColTile);
}

/** Packing-buffer sizes and tile shape of a level's matmul (C = A·B, row-major). */
struct MatmulShape { int mr, nr, kc, mc, nc; };

/**
 * One linear-algebra instruction over its batch (kernels/linalg.cc). a: [batch, m, n] (square ops:
 * m = n), b: [batch, n, k] (solves; qrPivoted: r [m] and c: cols [k]), out as the op's output (multi-output ops packed, part by part
 * over the batch), flags: triangularSolve's (LA_LOWER | LA_TRANSPOSE | LA_UNIT), work:
 * linalgScratch(op, m, n, k) doubles.
 */
struct LinalgArgs {
  const double* a;
  const double* b;
  const double* c;  // a third operand (qrPivoted's column indices)
  double* out;
  i64 batch, m, n, k;
  int32_t flags;
  double* work;
};
enum : int32_t { LA_LOWER = 1, LA_TRANSPOSE = 2, LA_UNIT = 4 };
typedef void (*LinalgFn)(const LinalgArgs& args);

/** the blocking every level's linear algebra shares (scratch sizes are level-independent) */
constexpr i64 kLaNB = 64, kLaKC = 256, kLaMC = 96, kLaNC = 512;
static inline i64 laUp(i64 x, i64 q) { return (x + q - 1) / q * q; }
/** packing scratch of the blocked updates (C −= A·B) with up to `cols` columns */
static inline i64 laPack(i64 cols) { return kLaMC * kLaKC + kLaKC * laUp(cols < kLaNC ? cols : kLaNC, 16); }
/** doubles of scratch a linear-algebra op needs for one matrix of its batch (reused across the batch) */
static inline i64 linalgScratch(int32_t op, i64 m, i64 n, i64 k) {
  const i64 mx = m > n ? m : n, q = m < n ? m : n;
  switch (op) {
    case OP_cholesky: return kLaNB * kLaNB + kLaNB * n + laPack(n);
    case OP_triangularSolve: return laPack(k);
    case OP_solve: return n * n + n + laPack(k > n ? k : n);
    case OP_det: case OP_slogdet: return n * n + n + laPack(n);
    case OP_adjugate: return 2 * n * n + 4 * n + 2 + laPack(n);
    case OP_qr: return m * n + m * kLaNB + kLaNB * kLaNB + kLaNB * mx + q + laPack(mx);
    case OP_eigh: return 3 * n * n + 4 * n;
    case OP_svd: return q * mx + q * q + q + mx;
    case OP_choleskyGrad: return 4 * kLaNB * kLaNB + kLaNB * n + laPack(n);
    case OP_qrPivoted: { const i64 rows = m > k ? m : k; return k * rows + 2 * rows + 5 * k; }
    default: return 0;
  }
}

struct KernelTable {
  const char* name;
  /** the SIMD level (dispatch.h Level) this table belongs to */
  int level;
  UnaryFn unary[kOpCount];
  BinaryFn binary[kOpCount];
  TernaryFn ternary[kOpCount];
  /**
   * 1 where the row kernel is a vector kernel of its own (math.cc), not the op's scalar formula
   * (scalar.h) lane by lane: generated code calls such a kernel row by row, and computes every
   * other elementwise op inline from the same formula (the same bits either way)
   */
  uint8_t vector[kOpCount];
  /** the canonical reduction (reduce.cc, src/ops/reduce.ts) of a contiguous sequence x[0..n) */
  double (*reduceRow[R_COUNT])(const double* x, i64 n);
  /** the value of one block of m ≤ kReduceBlock values (8 lanes, then the lane tree) */
  double (*reduceBlock[R_COUNT])(const double* x, i64 m);
  /** out[o] = canonical reduction of x[j·ld + o] over j < rows, for o < cols; scratch: colsScratch(rows, cols) doubles */
  void (*reduceCols[R_COUNT])(const double* x, i64 rows, i64 cols, i64 ld, double* out, double* scratch);
  MatmulShape mm;
  /**
   * C[m×n] = A[m×k]·B[k×n], C row-major (ldc = n); A(i,p) = A[i·rsA + p·csA], B(p,j) = B[p·rsB + j·csB]
   * (strides let a transposed operand be read in place). Pack buffers: mmScratchA/B doubles.
   */
  void (*matmul)(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C,
                 i64 m, i64 k, i64 n, double* packA, double* packB);
  /**
   * a block of matmul for threads (threaded.cc): C (m×n, row stride ldc) = A·B by matmul's packed path
   * whatever m and n (k ≥ 1), so each element has the bits the whole call gives it. Pack buffers:
   * mmScratchA and mmScratchBFor(n) doubles.
   */
  void (*mmBlock)(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc,
                  i64 m, i64 k, i64 n, double* packA, double* packB);
  /** y[i] += Σ_p A(i,p)·x[p·sx], p in order (A(i,p) = A[i + p·csA]): matmul's matrix–vector order for Aᵀ·x */
  void (*gemvAcc)(const double* A, i64 csA, const double* x, i64 sx, double* y, i64 m, i64 k);
  /** linear algebra by op id (null for other ops) */
  LinalgFn linalg[kOpCount];
};

/** doubles of packing scratch a matmul of these sizes needs at this tile shape */
static inline i64 mmScratchA(const MatmulShape& s) { return i64(s.mc) * s.kc; }
static inline i64 mmScratchB(const MatmulShape& s) { return i64(s.kc) * s.nc; }
/** doubles of B's packing for n columns (at most one nc block, in whole nr panels) */
static inline i64 mmScratchBFor(const MatmulShape& s, i64 n) { return i64(s.kc) * (((n < s.nc ? n : s.nc) + s.nr - 1) / s.nr * s.nr); }

#define WG_DECLARE_LEVEL(NS)                              \
  namespace NS {                                          \
  void fillElementwise(KernelTable* t);                   \
  void fillMath(KernelTable* t);                          \
  void fillPow(KernelTable* t);                           \
  void fillSpecial(KernelTable* t);                       \
  void fillReduce(KernelTable* t);                        \
  void fillMatmul(KernelTable* t);                        \
  void fillLinalg(KernelTable* t);                        \
  void fillLu(KernelTable* t);                            \
  void fillQr(KernelTable* t);                            \
  void fillEig(KernelTable* t);                           \
  }
WG_DECLARE_LEVEL(scalar)
WG_DECLARE_LEVEL(sse)
WG_DECLARE_LEVEL(avx2)
WG_DECLARE_LEVEL(avx512)
WG_DECLARE_LEVEL(neon)
#undef WG_DECLARE_LEVEL

}  // namespace wg
