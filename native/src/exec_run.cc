// Running an image from outside: the arguments checked (counts, sizes, no output sharing memory
// with another buffer), inputs placed, the compiled tier's code or the interpreter's step loop
// (exec.cc) run, outputs copied out; WENGERT_PROFILE=1 collects seconds per step.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include "exec.h"
#include "codegen/code.h"

namespace wg {

namespace {

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
