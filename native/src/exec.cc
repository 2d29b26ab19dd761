// The interpreter's step loop: every step of a program image over one arena (image.h), no
// allocation per run. 0-d steps run in exec_scalars.cc, elementwise and fused steps in exec_par.cc,
// loop steps in exec_loops.cc (their bodies' steps through runSteps); exec_run.cc is the entry.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <ctime>
#include "exec.h"
#include "extra.h"
#include "kernels/scalar.h"

namespace wg {

namespace {

double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}


// a number as JS prints it (shortest round-trip digits, NaN, Infinity)
void jsNumber(double v, char* out, size_t cap) {
  if (v != v) { snprintf(out, cap, "NaN"); return; }
  if (__builtin_isinf(v)) { snprintf(out, cap, v > 0 ? "Infinity" : "-Infinity"); return; }
  for (int p = 1; p <= 17; p++) {
    snprintf(out, cap, "%.*g", p, v);
    if (strtod(out, nullptr) == v) return;
  }
}

/** c(acc, x) of the canonical reduction order (kernels/reduce.cc; the NaN rule: kernels/scalar.h) */
double combine(int kind, double a, double x) { return wg_rcombine(kind, a, x); }

/** T over block values pushed in order: a stack of complete power-of-two subtrees (kernels/reduce.cc) */
struct Tree {
  int kind;
  double val[40];
  i64 size[40];
  int top = 0;
  explicit Tree(int k) : kind(k) {}
  void push(double v) {
    i64 s = 1;
    while (top > 0 && size[top - 1] == s) { v = combine(kind, val[--top], v); s <<= 1; }
    val[top] = v;
    size[top++] = s;
  }
  double result() const {  // at least one value pushed
    if (top == 0) return 0.0;
    double acc = val[top - 1];
    for (int t = top - 2; t >= 0; t--) acc = combine(kind, val[t], acc);
    return acc;
  }
};

/** the next row-major index over dims d (offset *off moves by strides s); false after the last */
bool nextIndex(i64* idx, const i64* d, const i64* s, int n, i64* off) {
  for (int a = n - 1; a >= 0; a--) {
    *off += s[a];
    if (++idx[a] < d[a]) return true;
    *off -= s[a] * d[a];
    idx[a] = 0;
  }
  return false;
}

}  // namespace

ReducePattern reducePattern(i64 ng, const i64* g, i64* outer, i64* cols) {
  const bool r0 = ng > 0 && g[1] != 0, r1 = ng > 1 && g[3] != 0;
  if (ng == 1 || (ng == 2 && !r0 && r1)) return RP_ROWS;
  if (ng == 2 && r0) { *outer = 1; *cols = g[2]; return RP_COLS; }
  if (ng == 3 && !r0 && r1 && !g[5]) { *outer = g[0]; *cols = g[4]; return RP_COLS; }
  return RP_GATHER;
}

namespace {

struct Exec {
  const KernelTable* K;
  const ArenaView& A;
  double* arena;
  double* const* ext;
  double* R(i64 loc) const { return detail::locate(arena, ext, loc); }

  // One output per combination of the kept groups; the reduced values of an output in row-major
  // order of the reduced groups, in the canonical order (kernels/reduce.cc). Groups are the
  // input's axes with size-1 axes dropped and neighbours of one kind merged (decode_ops.cc).
  void reduce(const i64* p) {
    double* o = R(p[0]);
    const double* x = R(p[1]);
    const int kind = int(p[2]);
    const i64 outSize = p[3], inSize = p[4], ng = p[5];
    const i64* g = p + 6;  // (dim, reduced) pairs
    const i64 n = outSize ? inSize / outSize : 0;  // values per output
    if (n <= 1) {  // no values: the empty value; one value x: c(identity, x) = x
      for (i64 i = 0; i < outSize; i++) o[i] = n ? x[i] : K->reduceRow[kind](x, 0);
      return;
    }
    i64 outer = 1, cols = 0;
    switch (reducePattern(ng, g, &outer, &cols)) {
      case RP_ROWS:
        for (i64 r = 0; r < outSize; r++) o[r] = K->reduceRow[kind](x + r * n, n);
        break;
      case RP_COLS:
        for (i64 a = 0; a < outer; a++) K->reduceCols[kind](x + a * n * cols, n, cols, cols, o + a * cols, A.reduce);
        break;
      case RP_GATHER:
        gathered(o, x, kind, ng, g, n);
        break;
    }
  }

  /** any other pattern: each output's values gathered block by block, a run at a time (a reduced innermost group is contiguous) */
  void gathered(double* o, const double* x, int kind, i64 ng, const i64* g, i64 n) {
    i64 st[kMaxRank], kd[kMaxRank], ks[kMaxRank], rd[kMaxRank], rs[kMaxRank];
    int nk = 0, nr = 0;
    i64 acc = 1;
    for (i64 a = ng - 1; a >= 0; a--) { st[a] = acc; acc *= g[2 * a]; }
    for (i64 a = 0; a < ng; a++) {
      if (g[2 * a + 1]) { rd[nr] = g[2 * a]; rs[nr++] = st[a]; } else { kd[nk] = g[2 * a]; ks[nk++] = st[a]; }
    }
    const i64 run = g[2 * ng - 1] ? rd[--nr] : 1;  // values per contiguous run
    i64 kidx[kMaxRank] = {}, base = 0, out = 0;
    double buf[kReduceBlock];
    do {
      Tree t(kind);
      i64 ridx[kMaxRank] = {}, off = base, m = 0;
      for (i64 j = 0; j < n; j += run) {
        for (i64 u = 0; u < run;) {
          const i64 len = run - u < kReduceBlock - m ? run - u : kReduceBlock - m;
          std::memcpy(buf + m, x + off + u, size_t(len) * 8);
          m += len;
          u += len;
          if (m == kReduceBlock) { t.push(K->reduceBlock[kind](buf, m)); m = 0; }
        }
        nextIndex(ridx, rd, rs, nr, &off);
      }
      if (m) t.push(K->reduceBlock[kind](buf, m));
      o[out++] = t.result();
    } while (nextIndex(kidx, kd, ks, nk, &base));
  }

  void matmul(const i64* p) {
    double* C = R(p[0]);
    const double* A = R(p[1]);
    const double* B = R(p[2]);
    const i64 batch = p[3], m = p[4], k = p[5], n = p[6];
    const bool ta = p[7], tb = p[8];
    const i64 rsA = ta ? 1 : k, csA = ta ? m : 1, rsB = tb ? 1 : n, csB = tb ? k : 1;
    for (i64 t = 0; t < batch; t++) {
      K->matmul(A + t * m * k, rsA, csA, B + t * k * n, rsB, csB, C + t * m * n, m, k, n, this->A.packA, this->A.packB);
    }
  }

  void copyItem(const i64* q) {
    double* dst = R(q[0]) + q[2];
    const double* src = R(q[1]) + q[3];
    const int nd = int(q[4]);
    const i64* dims = q + 5;
    const i64* ds = dims + nd;
    const i64* ss = ds + nd;
    i64 total = 1;
    for (int a = 0; a < nd; a++) total *= dims[a];
    if (total == 0) return;
    if (nd == 0) { *dst = *src; return; }
    const i64 inner = dims[nd - 1], di = ds[nd - 1], si = ss[nd - 1];
    if (nd == 1 && detail::copySpan(dst, src, inner, di, si)) return;
    if (nd == 2 && di == 1 && ss[0] == 1 && si != 1) {  // a transpose: copy in tiles that stay in cache
      const i64 rows = dims[0];
      for (i64 i0 = 0; i0 < rows; i0 += 16)
        for (i64 j0 = 0; j0 < inner; j0 += 16) {
          const i64 i1 = i0 + 16 < rows ? i0 + 16 : rows, j1 = j0 + 16 < inner ? j0 + 16 : inner;
          for (i64 i = i0; i < i1; i++)
            for (i64 j = j0; j < j1; j++) dst[i * ds[0] + j] = src[i + j * si];
        }
      return;
    }
    i64 idx[kMaxRank] = {}, doff = 0, soff = 0;
    for (i64 done = 0; done < total; done += inner) {
      double* d = dst + doff;
      const double* s = src + soff;
      if (di == 1 && si == 1) std::memcpy(d, s, size_t(inner) * 8);
      else if (si == 0) { const double v = *s; for (i64 j = 0; j < inner; j++) d[j * di] = v; }
      else for (i64 j = 0; j < inner; j++) d[j * di] = s[j * si];
      for (int a = nd - 2; a >= 0; a--) {
        doff += ds[a];
        soff += ss[a];
        if (++idx[a] < dims[a]) break;
        doff -= ds[a] * dims[a];
        soff -= ss[a] * dims[a];
        idx[a] = 0;
      }
    }
  }

  void copy(const i64* p) {
    const i64 items = p[0];
    if (p[2] > 0 && !detail::copySpan(R(p[1]), nullptr, p[2], 1, 0)) std::memset(R(p[1]), 0, size_t(p[2]) * 8);
    const i64* q = p + 3;
    for (i64 i = 0; i < items; i++) {
      copyItem(q);
      q += 5 + 3 * q[4];
    }
  }

  // indices are integers in [0, n) (NumPy take without wraparound), else S_INDEX
  bool checkIndices(const Step& s, const double* idx, i64 K, i64 n, Error* err) {
    for (i64 k = 0; k < K; k++) {
      const double v = idx[k];
      if (!(v >= 0 && v < double(n)) || v != double(i64(v))) {
        err->status = S_INDEX;
        err->instr = s.instr;
        char num[40], buf[200];
        jsNumber(v, num, sizeof num);
        snprintf(buf, sizeof buf, "%s: expected integer indices in [0, %lld) but received %s at position %lld",
                 kOps[s.op].name, (long long)n, num, (long long)k);
        err->message = buf;
        return false;
      }
    }
    return true;
  }

  bool gather(const Step& s, const i64* p, Error* err) {
    double* o = R(p[0]);
    const double* x = R(p[1]);
    const double* idx = R(p[2]);
    const i64 outer = p[3], n = p[4], K = p[5], inner = p[6];
    if (!checkIndices(s, idx, K, n, err)) return false;
    if (s.kind == K_GATHER) {
      for (i64 a = 0; a < outer; a++)
        for (i64 k = 0; k < K; k++, o += inner)
          std::memcpy(o, x + (a * n + i64(idx[k])) * inner, size_t(inner) * 8);
    } else {
      std::memset(o, 0, size_t(outer * n * inner) * 8);
      for (i64 a = 0; a < outer; a++)
        for (i64 k = 0; k < K; k++, x += inner) {
          double* d = o + (a * n + i64(idx[k])) * inner;
          for (i64 j = 0; j < inner; j++) d[j] += x[j];
        }
    }
    return true;
  }
};

}  // namespace

namespace {


}  // namespace

namespace detail {

bool runStep(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, int32_t si, Error* err) {
  Exec X{v.K, A, mem, ext};
  const KernelTable* K = v.K;
  const Step& s = v.steps[si];
  const i64* p = v.plan + s.planOff;
  switch (s.kind) {
    case K_SCALARS: runScalarBlock(mem, v.sops + p[0], v.sops + p[1]); break;
    case K_NOP: break;
    case K_UNARY: runUnary(K, s, mem, ext, p); break;
    case K_BINARY:
    case K_TERNARY: runElementwise(K, s, mem, ext, p); break;
    case K_REDUCE: X.reduce(p); break;
    case K_MATMUL: X.matmul(p); break;
    case K_COPY: X.copy(p); break;
    case K_FUSED: runFused(K, A, mem, ext, p); break;
    case K_GATHER:
    case K_SCATTER: return X.gather(s, p, err);
    case K_EXTRA: return runExtra(s, p, mem, ext, err);
    case K_LOOP: return runLoop(v, A, mem, ext, s, p, err);
    case K_LINALG: K->linalg[s.op](LinalgArgs{X.R(p[1]), X.R(p[2]), X.R(p[8]), X.R(p[0]), p[3], p[4], p[5], p[6], int32_t(p[7]), A.linalg}); break;
  }
  return true;
}

bool runSteps(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, Error* err, double* times) {
  double t0 = times ? now() : 0;
  for (int32_t si = 0; si < v.h->nsteps; si++) {
    if (times && si > 0) { const double t = now(); times[si - 1] += t - t0; t0 = t; }
    if (!runStep(v, A, mem, ext, si, err)) return false;
  }
  if (times && v.h->nsteps) times[v.h->nsteps - 1] += now() - t0;
  return true;
}

}  // namespace detail

}  // namespace wg
