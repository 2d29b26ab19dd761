// Loop steps (plan: decode_loops.cc). A body runs its own planned steps (runSteps) iteration after
// iteration: no validation, no allocation (but whileVjp's tape), no call into JS. Its values live
// in its region of the evaluation's arena. Per iteration its pointer table is pointed at this
// iteration's operands — carries in one of the loop's two state buffers (the last scan iteration
// writes the packed output), rows k of xs and ys in place — and the inputs and outputs the body
// keeps in its own memory (the small ones: a 0-d body runs wholly in the tight scalar loop) are
// copied in and out. Loop constants are pinned inputs: bound once per loop.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include "exec.h"
#include "codegen/code.h"

namespace wg {
namespace detail {

namespace {

constexpr i64 up8(i64 n) { return (n + 7) & ~i64(7); }

/** n values from s to d (0-d carries and residuals: one load and one store) */
inline void move(double* d, const double* s, i64 n) {
  if (n == 1) *d = *s;
  else if (n > 0) std::memcpy(d, s, size_t(n) * 8);
}

/** p + n, never arithmetic on a null pointer (an empty buffer may be null) */
inline double* plus(double* p, i64 n) { return n ? p + n : p; }

/** a body as it runs inside its parent: its image view, memory and pointer table (inputs, then outputs) */
struct Frame {
  ImageView v;
  const ArenaView* A;
  double* mem;
  double** ext;
  Frame(const ImageView& parent, const ArenaView& a, double* parentMem, i64 k)
      : v(subView(parent, k)), A(&a), mem(parentMem + parent.subs[k].mem), ext(reinterpret_cast<double**>(parentMem + parent.subs[k].ext)) {}
  i64 inSize(int32_t k) const { return v.io[k].size; }
  i64 outSize(int32_t j) const { return v.io[v.h->nin + j].size; }
  double*& out(int32_t j) const { return ext[v.h->nin + j]; }

  /** the loop constants (pinned inputs, pointers set) into the body's memory: once per loop */
  void bindPinned() const {
    for (int32_t k = 0; k < v.h->pinned; k++) {
      const IoEntry& e = v.io[k];
      if (e.aux >= 0) move(mem + e.aux, ext[k], e.size);
    }
  }

  /** one run, pointer table set: the other inputs kept in memory copied in, the steps, the outputs copied out */
  bool call(Error* err) const {
    const ImageHeader& h = *v.h;
    for (int32_t k = h.pinned; k < h.nin; k++) {
      const IoEntry& e = v.io[k];
      if (e.aux >= 0) move(mem + e.aux, ext[k], e.size);
    }
    const wg_program_fn code = A->nbodies ? bodyCode(*A, v) : nullptr;
    if (code) {  // the compiled tier: the body's generated steps (codegen/emit.cc), the same bits
      code(mem, ext, A->rt);
    } else if (h.nsteps == 1 && v.steps[0].kind == K_SCALARS) {  // a 0-d body: straight into the tight scalar loop
      const i64* p = v.plan + v.steps[0].planOff;
      runScalarBlock(mem, v.sops + p[0], v.sops + p[1]);
    } else if (!runSteps(v, *A, mem, ext, err, nullptr)) {
      return false;
    }
    for (int32_t k = 0; k < h.nout; k++) {
      const IoEntry& e = v.io[h.nin + k];
      if (!e.aux) move(ext[h.nin + k], locate(mem, ext, e.loc), e.size);
    }
    return true;
  }
};

/** a loop step's plan (decode_loops.cc) resolved in its program's memory */
struct Loop {
  const ImageView& v;
  const ArenaView& A;
  double* mem;
  double* const* ext;
  const i64* p;
  double* out() const { return locate(mem, ext, p[1]); }
  int32_t nIn() const { return int32_t(p[2]); }
  int32_t nConst() const { return int32_t(p[3]); }
  int32_t nCarry() const { return int32_t(p[4]); }
  /** operand k */
  double* in(int32_t k) const { return locate(mem, ext, p[12 + k]); }
  /** state buffer b (0 or 1), sized for `state` values; the flag slot after both */
  double* buf(i64 b, i64 state) const { return mem + p[8] + b * up8(state); }
  double* flag(i64 state) const { return mem + p[8] + 2 * up8(state); }
  /** body k with the loop constants bound */
  Frame body(int32_t k) const {
    Frame f(v, A, mem, p[9 + k]);
    for (int32_t c = 0; c < nConst(); c++) f.ext[c] = in(c);
    f.bindPinned();
    return f;
  }
};

bool fail(Error* err, Status s, const char* fmt, long long a) {
  char buf[160];
  snprintf(buf, sizeof buf, fmt, a);
  err->status = s;
  err->message = buf;
  return false;
}

/** Σ sizes of body inputs [from, from + n) */
i64 inTotal(const Frame& f, int32_t from, int32_t n) {
  i64 t = 0;
  for (int32_t j = 0; j < n; j++) t += f.inSize(from + j);
  return t;
}

// scan: (carry, y_k) = body(consts, carry, xs[k]), k = 0…length−1 (or back); ys[k] at row k
bool scan(const Loop& L, Error* err) {
  const int32_t nConst = L.nConst(), nCarry = L.nCarry(), nIn = L.nIn();
  const i64 length = L.p[6], k0 = L.p[7] ? length - 1 : 0, dir = L.p[7] ? -1 : 1;
  Frame f = L.body(0);
  const int32_t nY = f.v.h->nout - nCarry;
  const i64 state = inTotal(f, nConst, nCarry);
  double* out = L.out();
  // xs and ys: the rows of the first iteration, then one row further per iteration
  for (int32_t x = nConst + nCarry; x < nIn; x++) f.ext[x] = plus(L.in(x), k0 * f.inSize(x));
  i64 at = state;
  for (int32_t y = nCarry; y < nCarry + nY; y++) { f.out(y) = plus(out, at + k0 * f.outSize(y)); at += length * f.outSize(y); }
  double* prev = nullptr;  // the carries the iteration starts from (null: the operands)
  for (i64 it = 0; it < length; it++) {
    double* dst = it == length - 1 ? out : L.buf(it & 1, state);
    i64 off = 0;
    for (int32_t j = 0; j < nCarry; j++) {
      f.ext[nConst + j] = prev ? prev + off : L.in(nConst + j);
      f.out(j) = plus(dst, off);
      off += f.inSize(nConst + j);
    }
    if (!f.call(err)) return false;
    prev = dst;
    if (it + 1 == length) break;
    for (int32_t x = nConst + nCarry; x < nIn; x++) f.ext[x] = plus(f.ext[x], dir * f.inSize(x));
    for (int32_t y = nCarry; y < nCarry + nY; y++) f.out(y) = plus(f.out(y), dir * f.outSize(y));
  }
  if (length == 0) {
    i64 off = 0;
    for (int32_t j = 0; j < nCarry; j++) { move(plus(out, off), L.in(nConst + j), f.inSize(nConst + j)); off += f.inSize(nConst + j); }
  }
  return true;
}

/** cond and body read the carries at `cur` (null: the operands) */
void pointCarries(const Loop& L, const Frame& c, const Frame& b, double* cur) {
  i64 off = 0;
  for (int32_t j = 0; j < L.nCarry(); j++) {
    double* x = cur ? cur + off : L.in(L.nConst() + j);
    c.ext[L.nConst() + j] = b.ext[L.nConst() + j] = x;
    off += b.inSize(L.nConst() + j);
  }
}

/** the body writes the carries to dst */
void pointResults(const Frame& b, int32_t n, double* dst) {
  i64 off = 0;
  for (int32_t j = 0; j < n; j++) { b.out(j) = plus(dst, off); off += b.outSize(j); }
}

/** cond on the carries pointed at: false with err; *go: nonzero (NaN counts as nonzero) */
bool holds(const Frame& c, double* flag, i64 n, const Loop& L, bool* go, Error* err) {
  if (!c.call(err)) return false;
  *go = !(*flag == 0.0);
  if (*go && L.p[7] && n >= L.p[6]) {
    return fail(err, S_ITERATIONS, "whileLoop: the loop did not end within maxIterations = %lld iterations", (long long)L.p[6]);
  }
  return true;
}

// whileLoop: carry = body(consts, carry) while cond(consts, carry) ≠ 0
bool whileLoop(const Loop& L, Error* err) {
  Frame c = L.body(0), b = L.body(1);
  const i64 state = inTotal(b, L.nConst(), L.nCarry());
  double* flag = L.flag(state);
  c.out(0) = flag;
  double* cur = nullptr;
  for (i64 n = 0;; n++) {
    pointCarries(L, c, b, cur);
    bool go = false;
    if (!holds(c, flag, n, L, &go, err)) return false;
    if (!go) break;
    double* dst = L.buf(n & 1, state);
    pointResults(b, L.nCarry(), dst);
    if (!b.call(err)) return false;
    cur = dst;
  }
  double* out = L.out();
  i64 off = 0;
  for (int32_t j = 0; j < L.nCarry(); j++) {
    const i64 n = b.inSize(L.nConst() + j);
    move(plus(out, off), cur ? cur + off : L.in(L.nConst() + j), n);
    off += n;
  }
  return true;
}

/** whileVjp's tape: the carry each iteration starts from, `width` values per entry (heap, owned by one run) */
struct Tape {
  double* p = nullptr;
  i64 cap = 0;
  const i64 width;
  explicit Tape(i64 w) : width(w) {}
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;
  ~Tape() { std::free(p); }
  double* at(i64 k) const { return p + k * width; }
  /** room for `entries` entries (doubling); false when the memory is not there */
  bool reserve(i64 entries) {
    if (entries <= cap) return true;
    const i64 want = entries > 2 * cap ? entries : 2 * cap;
    if (width > 0 && want > (i64(1) << 59) / width) return false;
    void* q = std::realloc(p, size_t(want * width > 0 ? want * width : 1) * 8);
    if (!q) return false;
    p = static_cast<double*>(q);
    cap = want;
    return true;
  }
};

/** whileVjp's forward iterations, taping the carry each starts from; *N: how many ran */
bool tapeForward(const Loop& L, double* flag, Tape* T, i64* N, Error* err) {
  Frame c = L.body(0), b = L.body(1);
  c.out(0) = flag;
  for (i64 n = 0;; n++) {
    if (!T->reserve(n + 2)) return fail(err, S_ALLOC, "whileVjp: out of memory for a tape of %lld iterations", (long long)(n + 2));
    if (n == 0) {
      i64 off = 0;
      for (int32_t j = 0; j < L.nCarry(); j++) { move(T->at(0) + off, L.in(L.nConst() + j), b.inSize(L.nConst() + j)); off += b.inSize(L.nConst() + j); }
    }
    pointCarries(L, c, b, T->at(n));
    bool go = false;
    if (!holds(c, flag, n, L, &go, err)) return false;
    if (!go) { *N = n; return true; }
    pointResults(b, L.nCarry(), T->at(n + 1));
    if (!b.call(err)) return false;
  }
}

// whileVjp: the forward iterations again (taped), then the reverse sweep over the tape backwards;
// the state (carries' cotangents, then the sums) lives in the state buffers, the last step writes the output
bool whileVjp(const Loop& L, Error* err) {
  const int32_t nConst = L.nConst(), nCarry = L.nCarry(), nState = nCarry + int32_t(L.p[5]);
  Frame w = L.body(2);
  const i64 width = inTotal(w, nConst, nCarry), state = inTotal(w, nConst + nCarry, nState);
  Tape T(width);
  i64 N = 0;
  if (!tapeForward(L, L.flag(state), &T, &N, err)) return false;
  double* out = L.out();
  double* prev = nullptr;  // the state the iteration starts from (null: the operands)
  for (i64 k = N - 1; k >= 0; k--) {
    double* dst = k == 0 ? out : L.buf(k & 1, state);
    i64 off = 0;
    for (int32_t j = 0; j < nCarry; j++) { w.ext[nConst + j] = T.at(k) + off; off += w.inSize(nConst + j); }
    off = 0;
    for (int32_t j = 0; j < nState; j++) {
      w.ext[nConst + nCarry + j] = prev ? prev + off : L.in(nConst + nCarry + j);
      w.out(j) = plus(dst, off);
      off += w.outSize(j);
    }
    if (!w.call(err)) return false;
    prev = dst;
  }
  if (N == 0) {
    i64 off = 0;
    for (int32_t j = 0; j < nState; j++) { move(plus(out, off), L.in(nConst + nCarry + j), w.outSize(j)); off += w.outSize(j); }
  }
  return true;
}

}  // namespace

bool runLoop(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, const Step& s, const i64* p, Error* err) {
  const Loop L{v, A, mem, ext, p};
  const bool ok = p[0] == LK_SCAN ? scan(L, err) : p[0] == LK_WHILE ? whileLoop(L, err) : whileVjp(L, err);
  if (!ok) err->instr = s.instr;  // errors inside a body are reported at the loop's instruction
  return ok;
}

}  // namespace detail
}  // namespace wg
