// libFuzzer target: the program decoder/validator (native/src/decode*.cc) and, for encodings it
// accepts, its image (image.h) and one run of the executor (unless its loops may run long or
// forever) — plain C++, no N-API. Input layout (native/fuzz/README.md):
//   u32 nconst | nconst × f64 constants | the rest as i32 encoding words
// Built by scripts/fuzz.sh with clang -fsanitize=fuzzer,address,undefined.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>
#include "dispatch.h"
#include "image.h"

using namespace wg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  uint32_t nconst;
  std::memcpy(&nconst, data, 4);
  nconst %= 4096;
  size_t at = 4;
  if (size - at < size_t(nconst) * 8) nconst = uint32_t((size - at) / 8);
  std::vector<double> consts(nconst);
  if (nconst) std::memcpy(consts.data(), data + at, size_t(nconst) * 8);
  at += size_t(nconst) * 8;
  std::vector<int32_t> enc((size - at) / 4);
  if (!enc.empty()) std::memcpy(enc.data(), data + at, enc.size() * 4);

  static const int level = currentLevel();
  Error err;
  OwnedProgram P;
  if (!buildProgram(enc.data(), i64(enc.size()), consts.data(), i64(consts.size()), kernelTable(level), &P, &err)) {
    if (err.status == S_OK || err.message.empty()) __builtin_trap();  // a refusal always says why
    return 0;
  }
  const int32_t nin = P.v.h->nin, nout = P.v.h->nout;
  const double bound = iterationBound(P.v);
  if (P.memoryBytes() < (i64(1) << 26) && P.v.h->ioValues < (i64(1) << 22) && bound >= 0 && bound < 1e6) {
    std::vector<std::vector<double>> in(nin), out(nout);
    std::vector<const double*> ip;
    std::vector<double*> op;
    std::vector<i64> il, ol;
    for (int32_t k = 0; k < nin; k++) {
      in[k].resize(size_t(P.v.io[k].size));
      for (size_t i = 0; i < in[k].size(); i++) in[k][i] = std::sin(double(i + k)) * 2;  // indices stay in range often
      ip.push_back(in[k].data());
      il.push_back(i64(in[k].size()));
    }
    for (int32_t k = 0; k < nout; k++) {
      out[k].resize(size_t(P.v.io[nin + k].size));
      op.push_back(out[k].data());
      ol.push_back(i64(out[k].size()));
    }
    P.run(ip.data(), il.data(), op.data(), ol.data());
  }
  return 0;
}
