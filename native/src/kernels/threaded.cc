// Intra-op threads for the large kernels (threads.h): a level's matmul and row reductions wrapped
// so that big calls run in fixed chunks on the pool. Compiled at the baseline ISA: the wrappers
// only split work and call the level's own kernels through their pointers.
//
// Same bits for every thread count, and the same bits as the unwrapped kernel:
// - matmul cuts C into one block per thread (whole register tiles by whole panels; at 2 threads
//   the larger dimension halved), and each block runs the level's packed path on its own (mmBlock:
//   its own packing, the BLIS loops, so a thread's B panel stays in its L2 while it sweeps its
//   rows): every C element is the sum over the same kc blocks in the same order as in the whole
//   call (gemm.h), whatever the blocks.
//   A matrix–vector product splits its outputs: each is the same dot product (rows of A) or the
//   same sequence of updates (columns of Aᵀ) as in the whole call.
// - Aᵀ·x over many terms (columns of A contiguous) is computed by groups of terms (gemv_groups.h)
//   at every thread count: the groups' partials on the pool, added in group order after.
// - a row reduction computes the values of its 1024-value blocks (reduceBlock) in chunks, then
//   combines them in the canonical tree T(0, nb) (reduce.cc), exactly as reduceRow does.
#include "../threads.h"
#include "../dispatch.h"
#include "gemv_groups.h"
#include "table.h"
#include "scalar.h"
#include <cstdlib>
#include <cstring>
#include <vector>

namespace wg {
namespace {

/** a matmul is split when m·n·k ≥ kMatmulFlops and its larger dimension has ≥ kSplitMin rows or columns */
constexpr i64 kSplitMin = 48;
/** below these sizes a kernel runs on the calling thread (the pool's hand-off costs 1–20 µs) */
constexpr double kMatmulFlops = 5e5;  // m·n·k (a 256×256·256×10 product: 60 µs)
constexpr double kGemvFlops = 1 << 17;
constexpr i64 kReduceValues = 1 << 18;
constexpr i64 kBlocksPerChunk = 32;

KernelTable inner[L_COUNT];

// ---- matmul ----------------------------------------------------------------------------------------
struct MatmulJob {
  const KernelTable* K;
  const double *A, *B;
  double* C;
  i64 rsA, csA, rsB, csB, m, k, n;
  i64 rows;           // matrix–vector: outputs per chunk
  i64 tiles, panels;  // matmul: C's rows in register tiles (mr), its columns in panels (nr)
  i64 gr, gc;         // matmul: a grid of gr × gc blocks (block c: row band ⌊c / gc⌋, column band c mod gc)
};

/** per-thread scratch (grown once, kept for the life of the thread) */
double* scratch(std::vector<double>& buf, i64 doubles) {
  if (i64(buf.size()) < doubles) buf.resize(size_t(doubles));
  return buf.data();
}

/** units [⌊i·units/parts⌋, ⌊(i+1)·units/parts⌋) of unit each, cut at dim: [lo, hi) */
void cut(i64 i, i64 parts, i64 units, i64 unit, i64 dim, i64* lo, i64* hi) {
  *lo = i * units / parts * unit;
  *hi = (i + 1) * units / parts * unit < dim ? (i + 1) * units / parts * unit : dim;
}

/** block c of a matmul: its rows (whole tiles) × its columns (whole panels), by the level's packed path */
void blockChunk(void* ctx, i64 c) {
  const MatmulJob& j = *static_cast<const MatmulJob*>(ctx);
  const MatmulShape& s = j.K->mm;
  i64 r0, r1, c0, c1;
  cut(c / j.gc, j.gr, j.tiles, s.mr, j.m, &r0, &r1);
  cut(c % j.gc, j.gc, j.panels, s.nr, j.n, &c0, &c1);
  thread_local std::vector<double> bufA, bufB;
  double* pA = scratch(bufA, mmScratchA(s));
  double* pB = scratch(bufB, mmScratchBFor(s, c1 - c0));
  j.K->mmBlock(j.A + r0 * j.rsA, j.rsA, j.csA, j.B + c0 * j.csB, j.rsB, j.csB, j.C + r0 * j.n + c0, j.n, r1 - r0, j.k, c1 - c0, pA, pB);
}

/**
 * C = A·x, one output per row: a chunk is a range of outputs, each computed as the whole call
 * computes it. Columns of Aᵀ update their outputs once per row of A: a strip accumulates in the
 * thread's own buffer and is copied to C after (two strips' ends in one line of C would bounce
 * that line between the cores on every row)
 */
void gemvChunk(void* ctx, i64 c) {
  const MatmulJob& j = *static_cast<const MatmulJob*>(ctx);
  const i64 r0 = c * j.rows, rows = r0 + j.rows < j.m ? j.rows : j.m - r0;
  if (j.csA == 1) { j.K->matmul(j.A + r0 * j.rsA, j.rsA, j.csA, j.B, j.rsB, j.csB, j.C + r0, rows, j.k, 1, nullptr, nullptr); return; }
  thread_local std::vector<double> buf;
  double* y = scratch(buf, rows);
  j.K->matmul(j.A + r0 * j.rsA, j.rsA, j.csA, j.B, j.rsB, j.csB, y, rows, j.k, 1, nullptr, nullptr);
  std::memcpy(j.C + r0, y, size_t(rows) * sizeof(double));
}

/** Aᵀ·x by groups of terms (gemv_groups.h): group g's partial from 0 into P + g·mp */
struct GroupJob {
  const KernelTable* K;
  const double *A, *x;
  double* P;
  i64 csA, sx, m, mp, k, G;
};

void groupChunk(void* ctx, i64 g) {
  const GroupJob& j = *static_cast<const GroupJob*>(ctx);
  double* p = j.P + g * j.mp;
  const i64 p0 = g * j.G, len = p0 + j.G < j.k ? j.G : j.k - p0;
  for (i64 i = 0; i < j.m; i++) p[i] = 0;
  j.K->gemvAcc(j.A + p0 * j.csA, j.csA, j.x + p0 * j.sx, j.sx, p, j.m, len);
}

/** y = ((P₀ + P₁) + P₂) + … (partials on whole cache lines: mp a multiple of 8, so groups on two threads never share one) */
void groupedGemv(const KernelTable* K, const double* A, i64 csA, const double* x, i64 sx, double* y, i64 m, i64 k, i64 G) {
  thread_local std::vector<double> buf;
  const i64 groups = (k + G - 1) / G, mp = (m + 7) / 8 * 8;
  GroupJob j{K, A, x, scratch(buf, groups * mp + 8), csA, sx, m, mp, k, G};
  j.P += (8 - (reinterpret_cast<uintptr_t>(j.P) / 8) % 8) % 8;  // to a 64-byte line
  parallelFor(groups, groupChunk, &j);
  for (i64 i = 0; i < m; i++) y[i] = j.P[i];
  for (i64 g = 1; g < groups; g++)
    for (i64 i = 0; i < m; i++) y[i] += j.P[g * mp + i];
}

/**
 * a matmul's blocks: one per thread (fewer when the tiles run out), as the grid gr × gc whose
 * blocks read the least, rows/gr + columns/gc (more columns on a tie): at 2 threads the larger
 * dimension halved. Each block packs its own rows of A and columns of B.
 */
void gridMatmul(MatmulJob& j) {
  j.tiles = (j.m + j.K->mm.mr - 1) / j.K->mm.mr;
  j.panels = (j.n + j.K->mm.nr - 1) / j.K->mm.nr;
  for (i64 parts = threadCount(); parts >= 1; parts--) {
    double best = 0;
    for (i64 gr = parts; gr >= 1; gr--) {
      const i64 gc = parts / gr;
      if (gr * gc != parts || gr > j.tiles || gc > j.panels) continue;
      const double cost = double(j.m) / double(gr) + double(j.n) / double(gc);
      if (best == 0 || cost <= best) { best = cost; j.gr = gr; j.gc = gc; }
    }
    if (best > 0) return;
  }
}

template <int L>
void matmul(const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 m, i64 k, i64 n,
            double* pA, double* pB) {
  const KernelTable* K = &inner[L];
  const double flops = double(m) * double(n) * double(k);
  MatmulJob j{K, A, B, C, rsA, csA, rsB, csB, m, k, n, 0, 0, 0, 1, 1};
  const i64 G = n == 1 && csA != 1 && rsA == 1 ? gemvGroupTerms(m, k) : 0;
  if (G) {
    groupedGemv(K, A, csA, B, rsB, C, m, k, G);
  } else if (threadCount() <= 1 || k < 1 || m < 2) {
    K->matmul(A, rsA, csA, B, rsB, csB, C, m, k, n, pA, pB);
  } else if (n == 1 && flops >= kGemvFlops && m >= 64) {
    // matrix–vector: rows of A (gemvRows) or columns of Aᵀ (gemvCols), each output's sum in the
    // whole call's order whatever the chunks. Rows of A: 8 chunks; columns of Aᵀ: one strip per
    // thread (every chunk streams all of A, so fewer and wider strips read it faster)
    const i64 parts = csA == 1 ? 8 : threadCount();
    j.rows = (m + 8 * parts - 1) / (8 * parts) * 8;
    parallelFor((m + j.rows - 1) / j.rows, gemvChunk, &j);
  } else if (n >= 2 && flops >= kMatmulFlops && (m >= kSplitMin || n >= kSplitMin)) {
    gridMatmul(j);
    parallelFor(j.gr * j.gc, blockChunk, &j);
  } else {
    K->matmul(A, rsA, csA, B, rsB, csB, C, m, k, n, pA, pB);
  }
}

// ---- row reductions --------------------------------------------------------------------------------
template <int Kind> double combine(double a, double x) { return wg_rcombine(Kind, a, x); }

/** T(lo, hi) of reduce.cc: p[lo] alone, else c(T(lo, lo+h), T(lo+h, hi)), h the largest power of two below hi − lo */
template <int Kind> double tree(const double* p, i64 lo, i64 hi) {
  if (hi - lo == 1) return p[lo];
  i64 h = 1;
  while (h * 2 < hi - lo) h *= 2;
  return combine<Kind>(tree<Kind>(p, lo, lo + h), tree<Kind>(p, lo + h, hi));
}

struct ReduceJob {
  double (*block)(const double*, i64);
  const double* x;
  i64 n, nb;
  double* vals;
};

void reduceChunk(void* ctx, i64 c) {
  const ReduceJob& j = *static_cast<const ReduceJob*>(ctx);
  const i64 b1 = (c + 1) * kBlocksPerChunk < j.nb ? (c + 1) * kBlocksPerChunk : j.nb;
  for (i64 b = c * kBlocksPerChunk; b < b1; b++) {
    const i64 at = b * kReduceBlock;
    j.vals[b] = j.block(j.x + at, j.n - at < kReduceBlock ? j.n - at : kReduceBlock);
  }
}

template <int L, int Kind>
double reduceRow(const double* x, i64 n) {
  const KernelTable* K = &inner[L];
  if (threadCount() <= 1 || n < kReduceValues) return K->reduceRow[Kind](x, n);
  const i64 nb = (n + kReduceBlock - 1) / kReduceBlock;
  std::vector<double> vals(static_cast<size_t>(nb));
  ReduceJob j{K->reduceBlock[Kind], x, n, nb, vals.data()};
  parallelFor((nb + kBlocksPerChunk - 1) / kBlocksPerChunk, reduceChunk, &j);
  return tree<Kind>(vals.data(), 0, nb);
}

template <int L> void install(KernelTable* t) {
  inner[L] = *t;
  t->matmul = matmul<L>;
  t->reduceRow[R_SUM] = reduceRow<L, R_SUM>;
  t->reduceRow[R_MAX] = reduceRow<L, R_MAX>;
  t->reduceRow[R_MIN] = reduceRow<L, R_MIN>;
  t->reduceRow[R_PROD] = reduceRow<L, R_PROD>;
}

}  // namespace

void threadKernels(KernelTable* t) {
  switch (t->level) {
    case L_SCALAR: install<L_SCALAR>(t); break;
    case L_SSE: install<L_SSE>(t); break;
    case L_AVX2: install<L_AVX2>(t); break;
    case L_AVX512: install<L_AVX512>(t); break;
    case L_NEON: install<L_NEON>(t); break;
    default: break;
  }
}

}  // namespace wg
