// The interpreter's elementwise steps, split into fixed chunks on the intra-op pool (threads.h)
// when they are large: fused chains (whole tiles of kFusedTile), unary and binary/ternary rows,
// and layout copies. Every element is computed by the same kernel call on the same tile or row
// position as on one thread — chunks are whole tiles (multiples of 512 elements, so a kernel's
// vector body and scalar tail see the same elements), or whole rows — so the bits never depend on
// the thread count. The compiled tier's generated chains and pad rows take an element range and
// run through runRange (rt->range) in the same chunks. Baseline ISA.
#include <cstring>
#include <vector>
#include "exec.h"
#include "threads.h"
#include "codegen/rt.h"

namespace wg {
namespace detail {

namespace {

/** tiles per chunk, and the smallest step (elements × instructions) worth the pool's hand-off */
constexpr i64 kChunkTiles = 16, kChunk = kChunkTiles * kFusedTile;
constexpr i64 kMinWork = i64(1) << 16;

bool pooled(i64 n, i64 work) { return threadCount() > 1 && n >= 2 * kChunk && work >= kMinWork; }

struct FusedJob {
  const KernelTable* K;
  const i64* p;
  double* mem;
  double* const* ext;
  const int32_t* outOf;
  i64 nslots;
};

/** the per-thread registers and tile scratch of a chunk (grown once, kept for the thread's life) */
struct Regs {
  std::vector<const double*> reg;
  std::vector<i64> st;
  std::vector<double> scratch;
};

void fusedChunk(void* ctx, i64 c) {
  const FusedJob& j = *static_cast<const FusedJob*>(ctx);
  thread_local Regs r;
  const i64 nreg = j.p[2] + j.p[4];
  if (i64(r.reg.size()) < nreg) { r.reg.resize(size_t(nreg)); r.st.resize(size_t(nreg)); }
  if (i64(r.scratch.size()) < j.nslots * kFusedTile) r.scratch.resize(size_t(j.nslots * kFusedTile));
  const i64 t0 = c * kChunk, t1 = t0 + kChunk < j.p[1] ? t0 + kChunk : j.p[1];
  fusedTiles(j.K, j.p, j.mem, j.ext, j.outOf, r.reg.data(), r.st.data(), r.scratch.data(), t0, t1);
}

struct RowJob {
  const KernelTable* K;
  const Step* s;
  const i64* p;
  double* mem;
  double* const* ext;
  i64 n, rows;  // elements (unary) or rows (binary/ternary) per chunk: `rows`
};

void unaryChunk(void* ctx, i64 c) {
  const RowJob& j = *static_cast<const RowJob*>(ctx);
  const i64 e0 = c * kChunk, len = e0 + kChunk < j.n ? kChunk : j.n - e0;
  j.K->unary[j.s->op](locate(j.mem, j.ext, j.p[1]) + e0, locate(j.mem, j.ext, j.p[0]) + e0, len);
}

void elementwiseChunk(void* ctx, i64 c) {
  const RowJob& j = *static_cast<const RowJob*>(ctx);
  const i64 r0 = c * j.rows, r1 = r0 + j.rows < j.n ? r0 + j.rows : j.n;
  elementwisePart(j.K, *j.s, j.p, j.mem, j.ext, r0, r1);
}

struct CopyJob {
  double* d;
  const double* s;
  i64 n, di, si;
};

void copyChunk(void* ctx, i64 c) {
  const CopyJob& j = *static_cast<const CopyJob*>(ctx);
  const i64 e0 = c * kChunk, len = e0 + kChunk < j.n ? kChunk : j.n - e0;
  double* d = j.d + e0 * j.di;
  const double* s = j.s + e0 * j.si;
  if (!j.s) std::memset(d, 0, size_t(len) * 8);
  else if (j.di == 1 && j.si == 1) std::memcpy(d, s, size_t(len) * 8);
  else for (i64 x = 0; x < len; x++) d[x * j.di] = s[x * j.si];
}

struct RangeJob {
  const wg_rt* rt;
  wg_range_fn fn;
  double* mem;
  double* const* ext;
  i64 n, scratch;
};

void rangeChunk(void* ctx, i64 c) {
  const RangeJob& j = *static_cast<const RangeJob*>(ctx);
  thread_local std::vector<double> sc;
  if (i64(sc.size()) < j.scratch) sc.resize(size_t(j.scratch));
  const i64 e0 = c * kChunk, e1 = e0 + kChunk < j.n ? e0 + kChunk : j.n;
  j.fn(j.mem, j.ext, j.rt, e0, e1, sc.data());
}

}  // namespace

void runRange(const wg_rt* rt, wg_range_fn fn, double* mem, double* const* ext, int64_t n, int64_t work, int64_t scratch) {
  if (!pooled(n, work)) { fn(mem, ext, rt, 0, n, rt->scratch); return; }
  RangeJob j{rt, fn, mem, ext, n, scratch};
  parallelFor((n + kChunk - 1) / kChunk, rangeChunk, &j);
}

bool copySpan(double* d, const double* s, i64 n, i64 di, i64 si) {
  if (!pooled(n, n)) return false;
  CopyJob j{d, s, n, di, si};
  parallelFor((n + kChunk - 1) / kChunk, copyChunk, &j);
  return true;
}

void fusedTiles(const KernelTable* K, const i64* p, double* mem, double* const* ext, const int32_t* outOf,
                const double** reg, i64* st, double* scratch, i64 e0, i64 e1) {
  double* o = locate(mem, ext, p[0]);
  const i64 n = p[1];
  const int nin = int(p[2]), nouts = int(p[3]), ncode = int(p[4]);
  const i64* inRef = p + 5;
  const i64* scalar = inRef + nin;
  const i64* code = scalar + nin;
  const i64* outs = code + 6 * ncode;
  for (i64 t0 = e0; t0 < e1; t0 += kFusedTile) {
    const i64 len = e1 - t0 < kFusedTile ? e1 - t0 : kFusedTile;
    for (int i = 0; i < nin; i++) { reg[i] = locate(mem, ext, inRef[i]) + (scalar[i] ? 0 : t0); st[i] = scalar[i] ? 0 : 1; }
    for (int k = 0; k < ncode; k++) {
      const i64* c = code + 6 * k;
      const int r = nin + k;
      double* dst = outOf[r] >= 0 ? o + outOf[r] * n + t0 : scratch + c[5] * kFusedTile;
      const double* a = reg[c[2]];
      if (c[1] == 1) K->unary[c[0]](a, dst, len);
      else if (c[1] == 2) K->binary[c[0]](a, st[c[2]], reg[c[3]], st[c[3]], dst, len);
      else K->ternary[c[0]](a, st[c[2]], reg[c[3]], st[c[3]], reg[c[4]], st[c[4]], dst, len);
      reg[r] = dst;
      st[r] = 1;
    }
    for (int j = 0; j < nouts; j++) {
      const int r = int(outs[j]);
      double* dst = o + j * n + t0;
      if (reg[r] == dst) continue;
      if (st[r]) std::memcpy(dst, reg[r], size_t(len) * 8);
      else for (i64 x = 0; x < len; x++) dst[x] = reg[r][0];
    }
  }
}

void runFused(const KernelTable* K, const ArenaView& A, double* mem, double* const* ext, const i64* p) {
  const i64 n = p[1];
  const int nin = int(p[2]), nouts = int(p[3]), ncode = int(p[4]);
  const i64* code = p + 5 + 2 * nin;
  const i64* outs = code + 6 * ncode;
  int32_t* outOf = A.row;
  for (int r = 0; r < nin + ncode; r++) outOf[r] = -1;
  for (int j = 0; j < nouts; j++) if (outs[j] >= nin && outOf[outs[j]] < 0) outOf[outs[j]] = j;
  if (!pooled(n, n * (ncode + nouts))) {
    fusedTiles(K, p, mem, ext, outOf, A.regs, A.stride, A.scratch, 0, n);
    return;
  }
  i64 nslots = 0;
  for (int k = 0; k < ncode; k++) if (code[6 * k + 5] + 1 > nslots) nslots = code[6 * k + 5] + 1;
  FusedJob j{K, p, mem, ext, outOf, nslots};
  parallelFor((n + kChunk - 1) / kChunk, fusedChunk, &j);
}

void runUnary(const KernelTable* K, const Step& s, double* mem, double* const* ext, const i64* p) {
  const i64 n = p[2];
  if (!pooled(n, n)) { K->unary[s.op](locate(mem, ext, p[1]), locate(mem, ext, p[0]), n); return; }
  RowJob j{K, &s, p, mem, ext, n, 0};
  parallelFor((n + kChunk - 1) / kChunk, unaryChunk, &j);
}

void elementwisePart(const KernelTable* K, const Step& s, const i64* p, double* mem, double* const* ext, i64 r0, i64 r1) {
  double* o = locate(mem, ext, p[0]);
  const int nin = int(p[1]);
  const double* x[3] = {locate(mem, ext, p[2]), locate(mem, ext, p[3]), nin == 3 ? locate(mem, ext, p[4]) : nullptr};
  const i64* q = p + 2 + nin;
  const int nd = int(q[0]);
  const i64* dims = q + 1;
  const i64* st = dims + nd;  // st[i·nd + a]
  const BinaryFn bf = K->binary[s.op];
  const TernaryFn tf = K->ternary[s.op];
  if (nd == 0) {
    if (nin == 2) bf(x[0], 0, x[1], 0, o, 1); else tf(x[0], 0, x[1], 0, x[2], 0, o, 1);
    return;
  }
  i64 si[3] = {0, 0, 0}, off[3] = {0, 0, 0}, idx[kMaxRank] = {};
  for (int i = 0; i < nin; i++) si[i] = st[i * nd + nd - 1];
  if (nd == 1) {  // elements [r0, r1) of the one row
    const i64 len = r1 - r0;
    if (nin == 2) bf(x[0] + r0 * si[0], si[0], x[1] + r0 * si[1], si[1], o + r0, len);
    else tf(x[0] + r0 * si[0], si[0], x[1] + r0 * si[1], si[1], x[2] + r0 * si[2], si[2], o + r0, len);
    return;
  }
  const i64 inner = dims[nd - 1];
  for (i64 r = r0, a = nd - 2; a >= 0; a--) { idx[a] = r % dims[a]; r /= dims[a]; }  // row r0's index
  for (int i = 0; i < nin; i++)
    for (int a = 0; a < nd - 1; a++) off[i] += idx[a] * st[i * nd + a];
  for (i64 row = r0; row < r1; row++) {
    double* out = o + row * inner;
    if (nin == 2) bf(x[0] + off[0], si[0], x[1] + off[1], si[1], out, inner);
    else tf(x[0] + off[0], si[0], x[1] + off[1], si[1], x[2] + off[2], si[2], out, inner);
    for (int a = nd - 2; a >= 0; a--) {
      for (int i = 0; i < nin; i++) off[i] += st[i * nd + a];
      if (++idx[a] < dims[a]) break;
      for (int i = 0; i < nin; i++) off[i] -= st[i * nd + a] * dims[a];
      idx[a] = 0;
    }
  }
}

void runElementwise(const KernelTable* K, const Step& s, double* mem, double* const* ext, const i64* p) {
  const int nin = int(p[1]);
  const i64* q = p + 2 + nin;
  const int nd = int(q[0]);
  i64 total = 1;
  for (int a = 0; a < nd; a++) total *= q[1 + a];
  const i64 inner = nd ? q[nd] : 1;
  // a 1-d step splits into element ranges (units of kChunk), others into whole rows
  const i64 units = nd == 1 ? total : inner ? total / inner : 0;
  if (nd == 0 || !pooled(total, total)) { elementwisePart(K, s, p, mem, ext, 0, units); return; }
  RowJob j{K, &s, p, mem, ext, units, nd == 1 ? kChunk : (kChunk + inner - 1) / inner};
  parallelFor((units + j.rows - 1) / j.rows, elementwiseChunk, &j);
}

}  // namespace detail
}  // namespace wg
