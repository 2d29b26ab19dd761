// Fused chains (planner output, src/ops/fused.ts): validation and the plan exec.cc runs
// (layout in decode_ops.cc's header).
#include <vector>
#include "decoder.h"

namespace wg {
namespace detail {

// fused chain (planner output, src/ops/fused.ts). Attributes:
//   nin mode[nin] ncode (op nargs args[nargs])[ncode] nouts outs[nouts] nsums sums[nsums] rank dims[rank]
// registers 0..nin−1 are the operands (mode 0: the chain's shape S; 1: size 1; 2: broadcast to S,
// read in place), nin + k is code[k]; without sums one result has shape S, several are rows of
// [nouts, ...S]; with sums the output is flat: the rows, then each summed register's sum over S
// in the order of `sum` over all axes (kernels/reduce.cc)
static int32_t fusedSlots(const std::vector<int32_t>& code, const std::vector<int32_t>& outs, const std::vector<int32_t>& sums, int32_t nin, int32_t ncode, std::vector<int32_t>* slot);

bool Decoder::fused(int32_t out) {
  const int32_t nin = int32_t(ins.size());
  const int32_t na = int32_t(attrs.size());
  int32_t at = 0;
  auto next = [&](int32_t* v) { if (at >= na) return false; *v = attrs[at++]; return true; };
  int32_t n0 = 0;
  if (!next(&n0) || n0 != nin) return fail(S_ATTR, "fused: expected %d operands in the attributes", nin);
  std::vector<int32_t> mode(nin), code;
  for (int32_t i = 0; i < nin; i++)
    if (!next(&mode[i]) || mode[i] < 0 || mode[i] > 2) return fail(S_ATTR, "fused: bad operand mode %d", i);
  int32_t ncode = 0;
  if (!next(&ncode) || ncode < 1 || ncode > na) return fail(S_ATTR, "fused: bad instruction count");
  for (int32_t k = 0; k < ncode; k++) {
    int32_t op = 0, nargs = 0;
    if (!next(&op) || !next(&nargs) || op < 0 || op >= kOpCount) return fail(S_ATTR, "fused: instruction %d: bad op", k);
    const Family f = kOps[op].family;
    if ((f != FAM_unary && f != FAM_binary && f != FAM_ternary) || nargs != kOps[op].arity) {
      return fail(S_ATTR, "fused: instruction %d: %s is not an elementwise op of %d operands", k, kOps[op].name, nargs);
    }
    const bool fn = nargs == 1 ? P->K->unary[op] != nullptr : nargs == 2 ? P->K->binary[op] != nullptr : P->K->ternary[op] != nullptr;
    if (!fn) return fail(S_OP, "fused: %s has no kernel at this SIMD level", kOps[op].name);
    int32_t a[3] = {0, 0, 0};
    for (int32_t j = 0; j < nargs; j++) {
      if (!next(&a[j]) || a[j] < 0 || a[j] >= nin + k) return fail(S_ATTR, "fused: instruction %d: register out of range", k);
    }
    if (nargs == 1 && a[0] < nin && mode[a[0]] == 1) return fail(S_ATTR, "fused: instruction %d: unary op of a scalar operand", k);
    code.insert(code.end(), {op, nargs, a[0], a[1], a[2]});
  }
  int32_t nouts = 0, nsums = 0, rank = 0;
  if (!next(&nouts) || nouts < 0 || nouts > ncode + nin) return fail(S_ATTR, "fused: bad result count");
  std::vector<int32_t> outs(nouts);
  for (int32_t j = 0; j < nouts; j++)
    if (!next(&outs[j]) || outs[j] < 0 || outs[j] >= nin + ncode) return fail(S_ATTR, "fused: result %d: register out of range", j);
  if (!next(&nsums) || nsums < 0 || nsums > kFusedSums || nouts + nsums < 1) return fail(S_ATTR, "fused: bad sum count");
  std::vector<int32_t> sums(nsums), dims;
  for (int32_t j = 0; j < nsums; j++)
    if (!next(&sums[j]) || sums[j] < nin || sums[j] >= nin + ncode) return fail(S_ATTR, "fused: sum %d: not an instruction's register", j);
  if (!next(&rank) || rank < 0 || rank > 32) return fail(S_ATTR, "fused: bad rank");
  i64 n = 1;
  dims.resize(size_t(rank));
  for (int32_t a = 0; a < rank; a++) {
    if (!next(&dims[a]) || dims[a] < 0 || (dims[a] > 0 && n > (i64(1) << 48) / dims[a])) return fail(S_ATTR, "fused: bad dimension %d", a);
    n *= dims[a];
  }
  if (at != na) return fail(S_ATTR, "fused: %d extra attribute words", na - at);
  if (!fusedShapes(out, mode, dims, nouts, nsums, n)) return false;
  if (!writable(out) || !noOverlap(out, ins.data(), nin, false)) return false;
  if (n == 0 && nsums == 0) return true;
  fusedPlan(out, mode, code, outs, sums, dims, n);
  return true;
}

/** the K_FUSED step and its plan (layout: decode_ops.cc) */
void Decoder::fusedPlan(int32_t out, const std::vector<int32_t>& mode, const std::vector<int32_t>& code, const std::vector<int32_t>& outs,
                        const std::vector<int32_t>& sums, const std::vector<int32_t>& dims, i64 n) {
  const int32_t nin = int32_t(ins.size()), ncode = int32_t(code.size() / 5), nouts = int32_t(outs.size()), nsums = int32_t(sums.size());
  const int32_t rank = int32_t(dims.size());
  if (nin + ncode > P->nreg) P->nreg = nin + ncode;
  std::vector<int32_t> slot;
  const int32_t nslots = fusedSlots(code, outs, sums, nin, ncode, &slot);
  int32_t nb = 0;  // broadcast operands: one tile slot each, after the registers'
  for (int32_t i = 0; i < nin; i++) nb += mode[i] == 2;
  // tile slots, then each sum's block values (a chain with sums split over threads: kernels/fused_rt.h)
  const i64 need = i64(nslots + nb) * kFusedTile + i64(nsums) * ((n + kReduceBlock - 1) / kReduceBlock);
  if (need > P->fscratchSize) P->fscratchSize = need;
  P->steps.push_back(Step{K_FUSED, cur, OP_fused, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {V(out).loc, n, i64(nin), i64(nouts), i64(ncode)});
  for (int32_t v : ins) P->plan.push_back(V(v).loc);
  for (int32_t x : mode) P->plan.push_back(x);
  for (int32_t k = 0; k < ncode; k++) {
    for (int32_t j = 0; j < 5; j++) P->plan.push_back(code[5 * k + j]);
    P->plan.push_back(slot[k]);
  }
  for (int32_t x : outs) P->plan.push_back(x);
  P->plan.push_back(nsums);
  for (int32_t x : sums) P->plan.push_back(x);
  P->plan.push_back(rank);
  for (int32_t x : dims) P->plan.push_back(x);
  for (int32_t i = 0, b = 0; i < nin; i++) {
    if (mode[i] != 2) continue;
    P->plan.push_back(nslots + b++);  // the operand's tile slot, then its stride per chain axis
    const int32_t r = V(ins[i]).rank;
    i64 s = 1;
    std::vector<i64> st(size_t(rank), 0);
    for (int32_t a = rank - 1, d = r - 1; a >= 0 && d >= 0; a--, d--) {
      if (D(ins[i])[d] != 1) st[size_t(a)] = s;
      s *= D(ins[i])[d];
    }
    P->plan.insert(P->plan.end(), st.begin(), st.end());
  }
}

/** the output and the operands have the shapes the chain's shape S (dims) and the modes say */
bool Decoder::fusedShapes(int32_t out, const std::vector<int32_t>& mode, const std::vector<int32_t>& dims, int32_t nouts, int32_t nsums, i64 n) {
  const int32_t ro = V(out).rank, rank = int32_t(dims.size());
  if (nsums > 0) {
    if (ro != 1 || V(out).size != nouts * n + nsums) return fail(S_SHAPE, "fused: expected a flat output of %d rows and %d sums", nouts, nsums);
  } else {
    const int32_t off = nouts > 1 ? 1 : 0;
    bool ok = ro == rank + off && (!off || D(out)[0] == nouts);
    for (int32_t a = 0; ok && a < rank; a++) ok = D(out)[a + off] == dims[size_t(a)];
    if (!ok) return fail(S_SHAPE, "fused: the output does not have the chain's shape");
  }
  for (int32_t i = 0; i < int32_t(mode.size()); i++) {
    const int32_t v = ins[i], r = V(v).rank;
    bool ok = mode[i] == 1 ? V(v).size == 1 : mode[i] == 0 ? r == rank : r <= rank;
    for (int32_t a = 0; ok && mode[i] == 0 && a < rank; a++) ok = D(v)[a] == dims[size_t(a)];
    for (int32_t d = 0; ok && mode[i] == 2 && d < r; d++) ok = D(v)[d] == 1 || D(v)[d] == dims[size_t(rank - r + d)];
    if (!ok) return fail(S_SHAPE, "fused: operand %d does not have the chain's shape (mode %d)", i, mode[i]);
  }
  return true;
}

/**
 * tile registers by liveness: a register's slot is free again after its last reader (an op may
 * write the slot of an operand that dies there: elementwise, same index in and out); results are
 * written straight into their output rows; a summed register keeps its slot. Returns the number of slots.
 */
static int32_t fusedSlots(const std::vector<int32_t>& code, const std::vector<int32_t>& outs, const std::vector<int32_t>& sums, int32_t nin, int32_t ncode, std::vector<int32_t>* slot) {
  std::vector<int32_t> last(size_t(nin + ncode), -1), freeSlots;
  slot->assign(size_t(ncode), -1);
  std::vector<uint8_t> isOut(size_t(nin + ncode), 0);
  for (int32_t r : outs) isOut[size_t(r)] = 1;
  for (int32_t k = 0; k < ncode; k++)
    for (int32_t j = 0; j < code[5 * k + 1]; j++) last[size_t(code[5 * k + 2 + j])] = k;
  for (int32_t r : sums) last[size_t(r)] = ncode;  // kept to the tile's end (the compiled tier sums it after its segment)
  int32_t nslots = 0;
  for (int32_t k = 0; k < ncode; k++) {
    for (int32_t j = 0; j < code[5 * k + 1]; j++) {
      const int32_t r = code[5 * k + 2 + j];
      bool dup = false;
      for (int32_t i = 0; i < j; i++) dup = dup || code[5 * k + 2 + i] == r;
      if (!dup && r >= nin && last[size_t(r)] == k && (*slot)[size_t(r - nin)] >= 0) freeSlots.push_back((*slot)[size_t(r - nin)]);
    }
    if (isOut[size_t(nin + k)]) continue;
    if (freeSlots.empty()) { (*slot)[size_t(k)] = nslots++; } else { (*slot)[size_t(k)] = freeSlots.back(); freeSlots.pop_back(); }
  }
  return nslots;
}

}  // namespace detail
}  // namespace wg
