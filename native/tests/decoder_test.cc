// Decoder/validator tests on hand-built encodings (native/src/program.h documents the layout): a
// valid program decodes and runs right; every one-word corruption, every truncation and bad run
// arguments come back as a status with a message, never a crash (run under ASan+UBSan by
// scripts/sanitize.sh, which also replays the fuzz corpus through the addon).
#include <cmath>
#include <memory>
#include <vector>
#include "check.h"
#include "dispatch.h"
#include "image.h"

using namespace wg;

namespace {

struct Enc { std::vector<int32_t> w; std::vector<double> consts; };

/** x: f64[5] (input 0) → y = exp(x) (arena) → z = add(y, c) (output 0), c = 3 a 0-d constant */
Enc expAdd() {
  Enc e;
  e.w = {kMagic, kVersion, 4, 1, 1, 1, 2, 16, 1, 11,
         ~0, 0, 1, 5,   // var 0: input buffer 0
         0, 0, 0,       // var 1: constant at arena 0, 0-d
         8, 0, 1, 5,    // var 2: arena [8, 13)
         ~1, 0, 1, 5,   // var 3: output buffer 0 (external ~(nin + 0))
         0, 1, 3,       // inputs, consts, outputs
         OP_exp, 1, 2, 0, 0,
         OP_add, 2, 3, 2, 1, 0};
  e.consts = {3.0};
  return e;
}

/** a 2×3 · 3×2 matmul then a sum over axis 1 (kept), all in the arena but the output */
Enc matmulSum() {
  Enc e;
  e.w = {kMagic, kVersion, 4, 2, 0, 1, 2, 24, 0, 0,   // arena: 20 values used, rounded up to 8
         0, 0, 2, 2, 3,    // var 0: input 0 copied into the arena [0, 6)
         8, 0, 2, 3, 2,    // var 1: input 1 in the arena [8, 14)
         16, 0, 2, 2, 2,   // var 2: matmul result [16, 20)
         ~2, 0, 2, 2, 1,   // var 3: output 0 (external ~(nin + 0) = ~2)
         0, 1, 3,
         OP_matmul, 2, 2, 0, 1, 2, 0, 0,  // attrs [transposeA, transposeB]
         OP_sum, 1, 3, 2, 3, 1, 1, 1};  // attrs [keepDims, naxes, axes…]
  e.w[9] = int32_t(e.w.size()) - 33;
  return e;
}

struct Ran { Error err; std::vector<std::vector<double>> out; };

/** decoded into an image with one arena, or nullptr */
OwnedProgram* decode(const Enc& e, Error* err) {
  OwnedProgram* P = new OwnedProgram();
  if (buildProgram(e.w.data(), i64(e.w.size()), e.consts.data(), i64(e.consts.size()), kernelTable(currentLevel()), P, err)) return P;
  delete P;
  return nullptr;
}

/** run with inputs of the declared sizes (values from `seed`), outputs of the declared sizes */
Ran run(OwnedProgram* P, double seed) {
  Ran r;
  const int32_t nin = P->v.h->nin, nout = P->v.h->nout;
  std::vector<std::vector<double>> in(nin);
  std::vector<const double*> ip;
  std::vector<i64> il, ol;
  for (int32_t k = 0; k < nin; k++) {
    const i64 n = P->v.io[k].size;
    for (i64 i = 0; i < n; i++) in[k].push_back(std::sin(seed + double(i)));
    ip.push_back(in[k].data());
    il.push_back(n);
  }
  r.out.resize(nout);
  std::vector<double*> op;
  for (int32_t k = 0; k < nout; k++) {
    r.out[k].assign(size_t(P->v.io[nin + k].size), NAN);
    op.push_back(r.out[k].data());
    ol.push_back(i64(r.out[k].size()));
  }
  r.err = P->run(ip.data(), il.data(), op.data(), ol.data());
  return r;
}

const int32_t kInteresting[] = {-1, 0, 1, 2, 3, 5, 7, 16, 255, 65536, 0x7fffffff, int32_t(0x80000000), 1 << 28, (1 << 28) + 1, -2, -3, kMagic};

void validProgram() {
  Enc e = expAdd();
  Error err;
  std::unique_ptr<OwnedProgram> P(decode(e, &err));
  CHECKF(P != nullptr, "expAdd refused: %s", err.message.c_str());
  if (!P) return;
  Ran r = run(P.get(), 0.25);
  CHECK(r.err.status == S_OK);
  for (int i = 0; i < 5; i++) CHECKF(std::fabs(r.out[0][i] - (std::exp(std::sin(0.25 + i)) + 3.0)) <= 1e-14 * 25, "expAdd[%d] = %.17g", i, r.out[0][i]);
  // wrong lengths and missing buffers are S_ARGS
  std::vector<double> x(4), y(5);
  const double* ip[] = {x.data()};
  double* op[] = {y.data()};
  i64 il[] = {4}, ol[] = {5};
  CHECK(P->run(ip, il, op, ol).status == S_ARGS);
  il[0] = 5;
  x.resize(5);
  ip[0] = x.data();
  ol[0] = 6;
  CHECK(P->run(ip, il, op, ol).status == S_ARGS);
  // an output aliasing the input is refused
  ol[0] = 5;
  op[0] = x.data();
  CHECK(P->run(ip, il, op, ol).status != S_OK);
}

/** every word set to every interesting value, every truncation: an error status or a correct run */
void corruptions(const Enc& base, const char* name) {
  long refused = 0, ran = 0;
  {
    Error err;
    std::unique_ptr<OwnedProgram> P(decode(base, &err));
    CHECKF(P != nullptr, "%s refused: %s", name, err.message.c_str());
    if (P) CHECK(run(P.get(), 0.5).err.status == S_OK);
  }
  auto tryOne = [&](const Enc& e) {
    Error err;
    OwnedProgram* P = decode(e, &err);
    if (!P) {
      CHECKF(err.status > S_OK && err.status <= S_BUSY && !err.message.empty(), "%s: refused without a status/message", name);
      refused++;
      return;
    }
    if (P->memoryBytes() < (i64(1) << 26)) run(P, 1.0);  // must not crash; results are unspecified
    ran++;
    delete P;
  };
  for (size_t pos = 0; pos < base.w.size(); pos++) {
    for (int32_t v : kInteresting) {
      Enc e = base;
      e.w[pos] = v;
      tryOne(e);
      e.w[pos] = base.w[pos] ^ 1;
      tryOne(e);
    }
  }
  for (size_t n = 0; n < base.w.size(); n++) {
    Enc e = base;
    e.w.resize(n);
    tryOne(e);
  }
  Enc longer = base;
  longer.w.push_back(0);
  tryOne(longer);
  Enc fewConsts = base;
  fewConsts.consts.clear();
  tryOne(fewConsts);
  std::printf("decoder: %s: %ld corruptions refused, %ld decoded and ran\n", name, refused, ran);
  CHECK(refused > ran);
}

/** images and arenas: foreign, corrupted, truncated or mismatched buffers are refused by their headers */
void imageTests() {
  Error err;
  std::unique_ptr<OwnedProgram> P(decode(expAdd(), &err)), Q(decode(expAdd(), &err));
  if (!P || !Q) { CHECK(false); return; }
  const size_t ib = size_t(P->v.h->bytes), ab = size_t(P->v.h->arenaBytes);
  auto words = [](const void* p, size_t bytes) { const uint64_t* w = static_cast<const uint64_t*>(p); return std::vector<uint64_t>(w, w + bytes / 8); };
  ImageView v;
  ArenaView a;
  CHECK(viewImage(P->image, ib, &v, &err));
  CHECK(!viewImage(P->image, ib - 8, &v, &err) && err.status == S_FORMAT);
  CHECK(!viewImage(P->arena, ab, &v, &err));
  std::vector<uint64_t> zeros(ib / 8 + ab / 8 + 1, 0);
  CHECK(!viewImage(zeros.data(), ib, &v, &err));
  for (size_t w = 0; w < 5; w++) {  // header words: magic/version, tag, id, bytes, level (the tag covers these)
    std::vector<uint64_t> img = words(P->image, ib);
    img[w] ^= 1;
    CHECKF(!viewImage(img.data(), ib, &v, &err), "image header word %zu flipped but accepted", w);
  }
  std::vector<uint64_t> copy = words(P->image, ib);  // images are relocatable: a copy is the same image
  CHECK(viewImage(copy.data(), ib, &v, &err));
  CHECK(viewArena(P->v, P->arena, ab, &a, &err));
  CHECK(!viewArena(Q->v, P->arena, ab, &a, &err));  // another image's arena
  CHECK(!viewArena(P->v, P->arena, ab - 8, &a, &err));
  CHECK(!viewArena(P->v, zeros.data(), ab, &a, &err));
  CHECK(!viewArena(P->v, P->image, ib, &a, &err));
  CHECK(claimArena(P->a.h) && !claimArena(P->a.h));
  releaseArena(P->a.h);
  CHECK(claimArena(P->a.h));
  releaseArena(P->a.h);
}

}  // namespace

void decoderTests() {
  validProgram();
  corruptions(expAdd(), "expAdd");
  corruptions(matmulSum(), "matmulSum");
  {
    Enc e = matmulSum();
    Error err;
    std::unique_ptr<OwnedProgram> P(decode(e, &err));
    if (P) {
      Ran r = run(P.get(), 0.0);
      for (int i = 0; i < 2; i++) {
        double want = 0;
        for (int j = 0; j < 2; j++)
          for (int p = 0; p < 3; p++) want += std::sin(double(i * 3 + p)) * std::sin(double(p * 2 + j));
        CHECKF(std::fabs(r.out[0][i] - want) <= 1e-14, "matmulSum[%d] = %.17g, expected %.17g", i, r.out[0][i], want);
      }
    }
  }
  // nullptr buffers with zero lengths are a valid (empty) encoding only if the header says so
  Error err;
  CHECK(decodeProgram(nullptr, 0, nullptr, 0, kernelTable(currentLevel()), &err) == nullptr);
  CHECK(err.status == S_FORMAT);
  imageTests();
}
