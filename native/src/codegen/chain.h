// One fused chain's plan (decode_fused.cc K_FUSED) as the generator reads it, shared by fused.cc
// (the chain's tile code) and stencil_code.cc (a chain's registers at an index). Baseline ISA only.
#pragma once
#include <algorithm>
#include <string>
#include <vector>
#include "emitter.h"

namespace wg {
namespace cg {

/** one fused chain (plan: decode_fused.cc K_FUSED) */
struct Chain {
  i64 n;
  int nin, nouts, ncode;
  const i64 *inRef, *mode, *code, *outs, *sums, *dims, *bc;
  int nsums, rank;
  std::vector<int> outOf;      // register → first output row holding it, or −1
  std::vector<uint8_t> vec;    // code k: a vector kernel call
  std::vector<int> segOf;      // code k: its segment (inline runs), −1 for a call
  const KernelTable* K;
  const std::vector<std::string>* rowHome;  // output row → its tile pointer when not the arena row (stencil.cc), or null

  Chain(const i64* p, const KernelTable* k, const std::vector<std::string>* rh) : K(k), rowHome(rh) {
    n = p[1]; nin = int(p[2]); nouts = int(p[3]); ncode = int(p[4]);
    inRef = p + 5; mode = inRef + nin; code = mode + nin; outs = code + 6 * ncode;
    nsums = int(outs[nouts]); sums = outs + nouts + 1;
    rank = int(sums[nsums]); dims = sums + nsums + 1; bc = dims + rank;
    outOf.assign(size_t(nin + ncode), -1);
    for (int j = 0; j < nouts; j++)
      if (outs[j] >= nin && outOf[size_t(outs[j])] < 0) outOf[size_t(outs[j])] = j;
    vec.resize(size_t(ncode));
    segOf.resize(size_t(ncode));
    int seg = -1;
    bool open = false;
    for (int k = 0; k < ncode; k++) {
      vec[k] = K->vector[code[6 * k]];
      if (vec[k]) { segOf[k] = -1; open = false; continue; }
      if (!open) { seg++; open = true; }
      segOf[k] = seg;
    }
  }
  const i64* c(int k) const { return code + 6 * k; }
  bool scalar(int a) const { return a < nin && mode[a] == 1; }
  bool bcast(int a) const { return a < nin && mode[a] == 2; }
  /** a broadcast operand's (slot strides[rank]) entry */
  const i64* bcOf(int a) const {
    const i64* q = bc;
    for (int i = 0; i < a; i++) q += mode[i] == 2 ? 1 + rank : 0;
    return q;
  }
  /** a broadcast operand's tile: its slot, filled at the tile's start */
  std::string bcExpr(int a) const { return "(sc + " + num(bcOf(a)[0] * kFusedTile) + ")"; }
  i64 blocks() const { return (n + kReduceBlock - 1) / kReduceBlock; }
  /** tile slots: the instructions', then the broadcast operands' (the sums' block values follow) */
  i64 slots() const {
    i64 s = 0;
    for (int k = 0; k < ncode; k++) s = std::max(s, c(k)[5] + 1);
    for (int i = 0; i < nin; i++) if (bcast(i)) s = std::max(s, bcOf(i)[0] + 1);
    return s;
  }
  bool summed(int r) const {
    for (int j = 0; j < nsums; j++) if (sums[j] == r) return true;
    return false;
  }
  /**
   * input x is one value of the image's constants whose literal may go into the source: positive,
   * finite and not 1 (the compiler folds x·(−1) into −x and x·1 into x, which differ from the
   * multiplication for a NaN's sign or a signaling NaN; a positive constant lets it drop cmul's test)
   */
  bool isConst(int x) const { return x < nin && scalar(x) && inRef[x] >= 0 && inRef[x] < constEnd && literal(consts[inRef[x]]); }
  static bool literal(double c) { return c > 0 && c != 1 && c < __builtin_inf(); }
  std::string constant(int x) const { return lit(consts[inRef[x]]); }
  i64 constEnd = 0;
  const double* consts = nullptr;
  /** the memory a code register lives in when it must: its output row, or its scratch slot */
  std::string home(int r) const {
    return outOf[r] >= 0 ? "O" + num(outOf[r]) : "S" + num(c(r - nin)[5]);
  }
  std::string homeExpr(int r) const {
    return outOf[r] >= 0 ? row(outOf[r]) : "(sc + " + num(c(r - nin)[5] * kFusedTile) + ")";
  }
  /** output row j's tile pointer */
  std::string row(int j) const {
    return rowHome && !(*rowHome)[size_t(j)].empty() ? (*rowHome)[size_t(j)] : "(o + " + num(j) + " * n + t0)";
  }
  /** whether code register r must be in memory: read by a call or another segment, or an output */
  bool inMemory(int r) const {
    const int k = r - nin;
    if (vec[k] || outOf[r] >= 0 || summed(r)) return true;
    for (int q = k + 1; q < ncode; q++)
      for (int a = 0; a < c(q)[1]; a++)
        if (c(q)[2 + a] == r && (vec[q] || segOf[q] != segOf[k])) return true;
    return false;
  }
};

}  // namespace cg
}  // namespace wg
