// Loop instructions (native/src/decode_loops.cc, exec_loops.cc) on hand-built encodings: a scan, a
// whileLoop and a whileVjp decode and run right; maxIterations is S_ITER (the whileVjp tape freed:
// run under ASan/LSan by scripts/sanitize.sh); a body writing its pinned constants and loops nested
// deeper than kMaxDepth are refused; every one-word corruption and truncation is a status or a run.
#include <cmath>
#include <memory>
#include <vector>
#include "check.h"
#include "dispatch.h"
#include "image.h"

using namespace wg;

namespace {

/** one program's encoding (program.h), built variable by variable; constants in pre-order */
struct Prog {
  std::vector<int32_t> vars, ins, consts, outs, code;
  std::vector<double> values;  // its own constants, then its bodies' (declare constants before loops)
  int32_t nvars = 0, ninstr = 0, constEnd = 0;
  i64 used = 0;
  /** a variable at arena offset ref (≥ 0) or external buffer ~k */
  int32_t var(int32_t ref, std::vector<int32_t> dims) {
    vars.insert(vars.end(), {ref, 0, int32_t(dims.size())});
    vars.insert(vars.end(), dims.begin(), dims.end());
    i64 size = 1;
    for (int32_t d : dims) size *= d;
    if (ref >= 0 && ref + size > used) used = ref + size;
    return nvars++;
  }
  int32_t input(int32_t ref, std::vector<int32_t> dims) { const int32_t v = var(ref, dims); ins.push_back(v); return v; }
  /** a 0-d constant at the end of the constant region */
  int32_t constant(double x) {
    const int32_t v = var(constEnd++, {});
    consts.push_back(v);
    values.push_back(x);
    return v;
  }
  void instr(int32_t op, std::vector<int32_t> in, int32_t out, std::vector<int32_t> attrs) {
    code.insert(code.end(), {op, int32_t(in.size()), out});
    code.insert(code.end(), in.begin(), in.end());
    code.push_back(int32_t(attrs.size()));
    code.insert(code.end(), attrs.begin(), attrs.end());
    ninstr++;
  }
  std::vector<int32_t> words() const {
    std::vector<int32_t> w = {kMagic, kVersion, nvars, int32_t(ins.size()), int32_t(consts.size()), int32_t(outs.size()), ninstr,
                              int32_t((std::max<i64>(used, constEnd) + 7) / 8 * 8), constEnd, int32_t(code.size())};
    for (const auto* s : {&vars, &ins, &consts, &outs, &code}) w.insert(w.end(), s->begin(), s->end());
    return w;
  }
  /** S(body) words for a loop's attributes; the body's constants join this program's */
  std::vector<int32_t> body(const Prog& b) {
    std::vector<int32_t> w = b.words();
    w.insert(w.begin(), int32_t(w.size()));
    values.insert(values.end(), b.values.begin(), b.values.end());
    return w;
  }
};

/** (x, y) ↦ op(x, y) on 0-d values: inputs a (pinned when asked), b; optional constant c as the second operand */
Prog binary(int32_t op, bool withConst, double c) {
  Prog p;
  const int32_t k = withConst ? p.constant(c) : -1;
  const int32_t a = p.input(1, {});
  const int32_t b = withConst ? k : p.input(2, {});
  const int32_t r = p.var(3, {});
  p.instr(op, {a, b}, r, {});
  p.outs = {r};
  return p;
}

struct Built { std::vector<int32_t> w; std::vector<double> consts; };

std::unique_ptr<OwnedProgram> decode(const Built& b, Error* err) {
  auto P = std::make_unique<OwnedProgram>();
  if (!buildProgram(b.w.data(), i64(b.w.size()), b.consts.data(), i64(b.consts.size()), kernelTable(currentLevel()), P.get(), err)) return nullptr;
  return P;
}

Error run(OwnedProgram& P, std::vector<std::vector<double>> in, std::vector<std::vector<double>>* out) {
  std::vector<const double*> ip;
  std::vector<double*> op;
  std::vector<i64> il, ol;
  for (auto& x : in) { ip.push_back(x.data()); il.push_back(i64(x.size())); }
  out->clear();
  for (int32_t k = 0; k < P.v.h->nout; k++) out->emplace_back(size_t(P.v.io[P.v.h->nin + k].size), NAN);
  for (auto& x : *out) { op.push_back(x.data()); ol.push_back(i64(x.size())); }
  return P.run(ip.data(), il.data(), op.data(), ol.data());
}

/** scan over xs f64[4] with carry acc (0-d constant init): acc ← acc + x, y = acc; output [acc, ys…] */
Built cumsum(bool reverse) {
  Prog body;
  const int32_t acc = body.input(0, {}), x = body.input(1, {}), s = body.var(2, {});
  body.instr(OP_add, {acc, x}, s, {});
  body.outs = {s, s};
  Prog top;
  const int32_t init = top.constant(0.25);
  const int32_t xs = top.input(~0, {4});
  const int32_t out = top.var(~1, {5});
  std::vector<int32_t> attrs = {0, 1, 4, reverse ? 1 : 0};
  const std::vector<int32_t> b = top.body(body);
  attrs.insert(attrs.end(), b.begin(), b.end());
  top.instr(OP_scan, {init, xs}, out, attrs);
  top.outs = {out};
  return {top.words(), top.values};
}

/** x ← x·½ while x > 1 (cond and body with their own constants); whileVjp also sweeps ct ← ct·½ back */
Built halving(bool vjp, int32_t maxIter) {
  Prog top;
  const int32_t x0 = top.input(~0, {});
  const int32_t ct = vjp ? top.input(~1, {}) : -1;
  const int32_t out = top.var(vjp ? ~2 : ~1, {1});
  std::vector<int32_t> attrs = {0, 1, 0, maxIter};
  if (vjp) attrs.push_back(0);
  for (const Prog& b : {binary(OP_greater, true, 1.0), binary(OP_mul, true, 0.5)}) { auto w = top.body(b); attrs.insert(attrs.end(), w.begin(), w.end()); }
  if (vjp) {
    Prog sweep;  // (x, ct) ↦ ct·½
    const int32_t half = sweep.constant(0.5);
    sweep.input(1, {});
    const int32_t c = sweep.input(2, {}), r = sweep.var(3, {});
    sweep.instr(OP_mul, {c, half}, r, {});
    sweep.outs = {r};
    auto w = top.body(sweep);
    attrs.insert(attrs.end(), w.begin(), w.end());
  }
  top.instr(vjp ? OP_whileVjp : OP_whileLoop, vjp ? std::vector<int32_t>{x0, ct} : std::vector<int32_t>{x0}, out, attrs);
  top.outs = {out};
  return {top.words(), top.values};
}

/** scans nested `depth` deep, each of length 1; the innermost body doubles its carry */
Built nested(int depth) {
  Prog body;
  const int32_t a = body.input(0, {}), r = body.var(1, {});
  body.instr(OP_add, {a, a}, r, {});
  body.outs = {r};
  for (int d = 0; d < depth; d++) {
    Prog p;
    const bool top = d == depth - 1;
    const int32_t x = p.input(top ? ~0 : 0, {});
    const int32_t packed = p.var(top ? ~1 : 1, {1});
    std::vector<int32_t> attrs = {0, 1, 1, 0};
    const std::vector<int32_t> w = p.body(body);
    attrs.insert(attrs.end(), w.begin(), w.end());
    p.instr(OP_scan, {x}, packed, attrs);
    if (top) { p.outs = {packed}; body = p; break; }
    const int32_t carry = p.var(1, {});  // the packed carry read as 0-d (a reshape at the same place: a view)
    p.instr(OP_reshape, {packed}, carry, {});
    p.outs = {carry};
    body = p;
  }
  return {body.words(), body.values};
}

void validLoops() {
  Error err;
  std::vector<std::vector<double>> out;
  for (bool reverse : {false, true}) {
    auto P = decode(cumsum(reverse), &err);
    CHECKF(P != nullptr, "cumsum refused: %s", err.message.c_str());
    if (!P) continue;
    CHECK(run(*P, {{1, 2, 3, 4}}, &out).status == S_OK);
    const std::vector<double> want = reverse ? std::vector<double>{10.25, 10.25, 9.25, 7.25, 4.25} : std::vector<double>{10.25, 1.25, 3.25, 6.25, 10.25};
    for (int i = 0; i < 5; i++) CHECKF(out[0][i] == want[size_t(i)], "cumsum%s[%d] = %g", reverse ? " reverse" : "", i, out[0][i]);
  }
  auto W = decode(halving(false, 100), &err);
  CHECKF(W != nullptr, "whileLoop refused: %s", err.message.c_str());
  if (W) {
    CHECK(run(*W, {{100}}, &out).status == S_OK && out[0][0] == 100.0 / 128);   // 7 halvings
    CHECK(run(*W, {{0.5}}, &out).status == S_OK && out[0][0] == 0.5);          // none
  }
  auto V = decode(halving(true, 100), &err);
  CHECKF(V != nullptr, "whileVjp refused: %s", err.message.c_str());
  if (V) CHECK(run(*V, {{100}, {3}}, &out).status == S_OK && out[0][0] == 3.0 / 128);
  for (bool vjp : {false, true}) {  // past maxIterations: S_ITER at the loop's instruction, then the program runs again
    auto P = decode(halving(vjp, 5), &err);
    if (!P) { CHECK(false); continue; }
    Error e = vjp ? run(*P, {{100}, {3}}, &out) : run(*P, {{100}}, &out);
    CHECKF(e.status == S_ITER && e.instr == 0, "status %d: %s", e.status, e.message.c_str());
    CHECK(e.message == "whileLoop: the loop did not end within maxIterations = 5 iterations");
    CHECK((vjp ? run(*P, {{20}, {3}}, &out) : run(*P, {{20}}, &out)).status == S_OK);
  }
  auto N = decode(nested(kMaxDepth), &err);
  CHECKF(N != nullptr, "%d nested scans refused: %s", kMaxDepth, err.message.c_str());
  if (N) CHECK(run(*N, {{0.75}}, &out).status == S_OK && out[0][0] == 1.5);
  CHECK(decode(nested(kMaxDepth + 1), &err) == nullptr && err.status == S_FORMAT && err.message.find("nest deeper") != std::string::npos);
}

/** scan of 3 steps acc ← acc·k + acc with loop constant k (pinned input 0); t = acc·k at arena slot tSlot */
Built pinnedScan(int32_t tSlot) {
  Prog body;
  const int32_t k = body.input(0, {}), acc = body.input(1, {}), t = body.var(tSlot, {}), r = body.var(2, {});
  body.instr(OP_mul, {acc, k}, t, {});
  body.instr(OP_add, {t, acc}, r, {});
  body.outs = {r};
  Prog top;
  const int32_t c = top.input(~0, {}), a = top.input(~1, {}), out = top.var(~2, {1});
  std::vector<int32_t> attrs = {1, 1, 3, 0};
  const std::vector<int32_t> w = top.body(body);
  attrs.insert(attrs.end(), w.begin(), w.end());
  top.instr(OP_scan, {c, a}, out, attrs);
  top.outs = {out};
  return {top.words(), top.values};
}

/** a body writing the slot of its loop constant (pinned: bound once per loop) is refused */
void pinnedInputs() {
  Error err;
  CHECK(decode(pinnedScan(0), &err) == nullptr && err.status == S_MEMORY && err.message.find("pinned") != std::string::npos);
  auto P = decode(pinnedScan(3), &err);
  CHECKF(P != nullptr, "a body keeping its constant refused: %s", err.message.c_str());
  std::vector<std::vector<double>> out;
  if (P) CHECK(run(*P, {{2}, {1}}, &out).status == S_OK && out[0][0] == 27);
}

const int32_t kInteresting[] = {-1, 0, 1, 2, 3, 5, 7, 16, 255, 65536, 0x7fffffff, int32_t(0x80000000), 1 << 28, -2, kMagic, kVersion};

/** every word set to interesting values, every truncation: a status, or a run that ends */
void loopCorruptions(const Built& base, std::vector<std::vector<double>> in, const char* name) {
  long refused = 0, ran = 0;
  auto tryOne = [&](const Built& b) {
    Error err;
    auto P = decode(b, &err);
    if (!P) {
      CHECKF(err.status > S_OK && err.status <= S_ITER && !err.message.empty(), "%s: refused without a status/message", name);
      refused++;
      return;
    }
    std::vector<std::vector<double>> out;
    const double bound = iterationBound(P->v);
    if (P->memoryBytes() < (i64(1) << 26) && P->v.h->nin == i64(in.size()) && bound >= 0 && bound < 1e6) {
      bool fits = true;
      for (int32_t k = 0; k < P->v.h->nin; k++) fits = fits && P->v.io[k].size == i64(in[size_t(k)].size());
      if (fits) run(*P, in, &out);  // must not crash; results unspecified
    }
    ran++;
  };
  for (size_t pos = 0; pos < base.w.size(); pos++) {
    for (int32_t v : kInteresting) {
      Built b = base;
      b.w[pos] = v;
      tryOne(b);
      b.w[pos] = base.w[pos] ^ 1;
      tryOne(b);
    }
  }
  for (size_t n = 0; n < base.w.size(); n++) { Built b = base; b.w.resize(n); tryOne(b); }
  Built fewer = base;
  if (!fewer.consts.empty()) { fewer.consts.pop_back(); tryOne(fewer); }
  std::printf("loops: %s: %ld corruptions refused, %ld decoded and ran\n", name, refused, ran);
  CHECK(refused > ran);
}

}  // namespace

void loopTests() {
  validLoops();
  pinnedInputs();
  loopCorruptions(cumsum(false), {{1, 2, 3, 4}}, "scan");
  loopCorruptions(halving(false, 100), {{100}}, "whileLoop");
  loopCorruptions(halving(true, 100), {{100}, {3}}, "whileVjp");
  loopCorruptions(nested(3), {{0.75}}, "nested scans");
}
