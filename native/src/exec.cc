// The executor: one call runs every step of a program image with one arena (image.h). No
// allocation per run; 0-d instructions run in a tight switch loop over arena offsets
// (scalar-heavy programs, W3). Loop steps (exec_loops.cc) run their bodies' steps through runSteps.
#include <atomic>
#include <map>
#include <mutex>
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <ctime>
#include "exec.h"
#include "codegen/code.h"
#include "kernels/scalar.h"
#include "extra.h"

namespace wg {

namespace {

double now() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

/**
 * WENGERT_PROFILE=1: seconds per step of every image run in this process, printed to stderr at
 * exit (images have no destructor to print from). Keyed by image id; never freed (a diagnostic).
 */
struct Profile { std::vector<Step> steps; std::vector<double> t; i64 runs = 0; };
std::mutex profMutex;
std::map<uint64_t, Profile>* profiles = nullptr;

void printProfiles() {
  static const char* kinds[] = {"scalars", "nop", "unary", "binary", "ternary", "reduce", "matmul", "copy", "gather", "scatter", "fused", "extra", "loop", "linalg"};
  std::lock_guard<std::mutex> lock(profMutex);
  for (const auto& [id, p] : *profiles) {
    double total = 0;
    for (double t : p.t) total += t;
    fprintf(stderr, "wengert profile: image %016llx, %lld runs, %.3f ms per run\n", (unsigned long long)id, (long long)p.runs,
            1e3 * total / double(p.runs));
    for (size_t i = 0; i < p.steps.size(); i++)
      fprintf(stderr, "  step %3zu instr %5d %-8s %-12s %9.3f ms\n", i, p.steps[i].instr, kinds[p.steps[i].kind],
              p.steps[i].op >= 0 ? kOps[p.steps[i].op].name : "-", 1e3 * p.t[i] / double(p.runs));
  }
}

void recordProfile(const ImageView& v, const std::vector<double>& t) {
  std::lock_guard<std::mutex> lock(profMutex);
  if (!profiles) { profiles = new std::map<uint64_t, Profile>(); std::atexit(printProfiles); }
  Profile& p = (*profiles)[v.h->id];
  if (p.steps.empty()) { p.steps.assign(v.steps, v.steps + v.h->nsteps); p.t.assign(size_t(v.h->nsteps), 0.0); }
  for (size_t i = 0; i < t.size() && i < p.t.size(); i++) p.t[i] += t[i];
  p.runs++;
}

// Direct threading (GCC labels as values): every handler ends in its own indirect jump, which
// the branch predictor learns per handler; a 0-d op costs a few ns instead of a switch mispredict.
void runScalars(double* __restrict m, const SOp* s, const SOp* e) {
  // one handler per op of the elementwise families (generated lists): the decoder makes 0-d
  // instructions of these families only, so every op it can emit has its handler
  static void* handlers[kOpCount + 1];
  static std::atomic<bool> ready{false};
  static std::mutex filling;
  // the jump table is filled once (label addresses exist only inside this function); pool threads
  // may get here together, so the first fill is guarded (double-checked, release/acquire)
  if (!ready.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(filling);
    if (!ready.load(std::memory_order_relaxed)) {
      for (int i = 0; i < kOpCount + 1; i++) handlers[i] = &&h_refused;
#define WG_SET(N) handlers[OP_##N] = &&h_##N;
      WG_OPS_UNARY(WG_SET) WG_OPS_BINARY(WG_SET) WG_OPS_TERNARY(WG_SET)
#undef WG_SET
      handlers[kOpCount] = &&h_copy;
      ready.store(true, std::memory_order_release);
    }
  }
  double x;
#define WG_NEXT                                                                  \
  if (s == e) return;                                                            \
  x = m[s->a];                                                                   \
  goto* handlers[s->op == SC_COPY ? kOpCount : s->op];
  WG_NEXT
#define WG_H1(N) h_##N : m[s->o] = wg_op_##N(x); s++; WG_NEXT
#define WG_H2(N) h_##N : m[s->o] = wg_op_##N(x, m[s->b]); s++; WG_NEXT
#define WG_H3(N) h_##N : m[s->o] = wg_op_##N(x, m[s->b], m[s->c]); s++; WG_NEXT
  WG_OPS_UNARY(WG_H1)
  WG_OPS_BINARY(WG_H2)
  WG_OPS_TERNARY(WG_H3)
h_copy:
  m[s->o] = x;
  s++;
  WG_NEXT
h_refused:  // unreachable: decodeProgram emits no other op (kept so a table slot is never wild)
  abort();
#undef WG_H1
#undef WG_H2
#undef WG_H3
#undef WG_NEXT
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

Error argsError(const char* fmt, long long a, long long b, long long c) {
  Error err;
  char buf[160];
  snprintf(buf, sizeof buf, fmt, a, b, c);
  err.status = S_ARGS;
  err.message = buf;
  return err;
}

/**
 * Outputs are written: they must not share memory with an input or another output. Sorted by
 * start, a buffer overlaps an earlier one iff it starts before the largest end seen so far
 * (O(n log n): guarded programs have thousands of small outputs).
 */
bool disjoint(const ImageView& v, const ArenaView& a, const double* const* in, const i64* inLen, double* const* out,
              const i64* outLen, Error* err) {
  const int32_t nin = v.h->nin, nout = v.h->nout;
  Span* spans = a.spans;
  size_t n = 0;
  for (int32_t j = 0; j < nin + nout; j++) {
    const i64 l = j < nin ? inLen[j] : outLen[j - nin];
    const char* b0 = reinterpret_cast<const char*>(j < nin ? in[j] : out[j - nin]);
    if (l > 0) spans[n++] = Span{b0, b0 + l * 8, j};
  }
  std::sort(spans, spans + n, [](const Span& x, const Span& y) { return x.b < y.b; });
  const Span* endAll = nullptr;  // the earlier buffer reaching furthest, and the earlier output
  const Span* endOut = nullptr;
  for (size_t i = 0; i < n; i++) {
    const Span& s = spans[i];
    const bool isOut = s.id >= nin;
    const Span* hit = isOut ? endAll : endOut;
    if (hit && s.b < hit->e) {
      const Span& o = isOut ? s : *hit;
      const Span& other = isOut ? *hit : s;
      char buf[120];
      snprintf(buf, sizeof buf, "output %d shares memory with %s %d", o.id - nin, other.id < nin ? "input" : "output",
               other.id < nin ? other.id : other.id - nin);
      err->status = S_ARGS;
      err->message = buf;
      return false;
    }
    if (!endAll || s.e > endAll->e) endAll = &s;
    if (isOut && (!endOut || s.e > endOut->e)) endOut = &s;
  }
  return true;
}

bool profiling() {
  static const bool on = std::getenv("WENGERT_PROFILE") && std::getenv("WENGERT_PROFILE")[0] == '1';
  return on;
}

}  // namespace

namespace detail {

void runScalarBlock(double* m, const SOp* s, const SOp* e) { runScalars(m, s, e); }

bool runStep(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, int32_t si, Error* err) {
  Exec X{v.K, A, mem, ext};
  const KernelTable* K = v.K;
  const Step& s = v.steps[si];
  const i64* p = v.plan + s.planOff;
  switch (s.kind) {
    case K_SCALARS: runScalars(mem, v.sops + p[0], v.sops + p[1]); break;
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

Error runImage(const ImageView& v, const ArenaView& a, const double* const* in, const i64* inLen, double* const* out,
               const i64* outLen) {
  Error err;
  const int32_t nin = v.h->nin, nout = v.h->nout;
  for (int32_t k = 0; k < nin; k++) {
    const i64 want = v.io[k].size;
    if (inLen[k] != want || (want > 0 && !in[k])) return argsError("input %lld: expected %lld values but received %lld", k, want, inLen[k]);
  }
  for (int32_t k = 0; k < nout; k++) {
    const i64 want = v.io[nin + k].size;
    if (outLen[k] != want || (want > 0 && !out[k])) return argsError("output %lld: expected %lld values but received %lld", k, want, outLen[k]);
  }
  if (!disjoint(v, a, in, inLen, out, outLen, &err)) return err;
  double** ext = a.ext;
  for (int32_t k = 0; k < nin; k++) ext[k] = const_cast<double*>(in[k]);
  for (int32_t k = 0; k < nout; k++) ext[nin + k] = out[k];
  for (int32_t k = 0; k < nin; k++) {
    const IoEntry& e = v.io[k];
    if (e.aux >= 0 && e.size > 0) std::memcpy(a.mem + e.aux, in[k], size_t(e.size) * 8);
  }
  const bool prof = profiling();
  std::vector<double> times(prof ? size_t(v.h->nsteps) : 0);
  // the compiled tier when code is attached (codegen/), else the interpreter; both give the same bits
  const CodeRef code = prof ? CodeRef{} : codeOf(v.h);
  if (code.fn ? !runCompiled(code, v, a, a.mem, ext, &err) : !detail::runSteps(v, a, a.mem, ext, &err, prof ? times.data() : nullptr)) return err;
  if (prof && v.h->nsteps) recordProfile(v, times);
  for (int32_t k = 0; k < nout; k++) {
    const IoEntry& e = v.io[nin + k];
    if (!e.aux && e.size > 0) std::memcpy(out[k], detail::locate(a.mem, ext, e.loc), size_t(e.size) * 8);
  }
  return err;
}

}  // namespace wg
