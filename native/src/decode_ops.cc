// Per-op validation (shape rules mirrored from src/ops/*.ts) and loop plans. Plan layouts, read
// by exec.cc (all entries i64, refs are variable refs):
//   K_UNARY    outRef inRef n
//   K_BINARY / K_TERNARY  outRef nin inRef… nd dims[nd] strides[nin][nd]   (output contiguous)
//   K_REDUCE   outRef inRef kind outSize inSize ng (dim reduced)[ng]
//   K_MATMUL   outRef aRef bRef batch m k n ta tb
//   K_COPY     nitems zeroRef zeroSize item…;  item = dstRef srcRef dstOff srcOff nd dims[nd] dstSt[nd] srcSt[nd]
//   K_GATHER   outRef xRef idxRef outer n K inner      K_SCATTER  outRef gRef idxRef outer size K inner
//   K_FUSED    outRef n nin nouts ncode inRef[nin] mode[nin] (op nargs a0 a1 a2 slot)[ncode] outs[nouts]
//              nsums sums[nsums] rank dims[rank] (slot strides[rank]) per broadcast operand   (decode_fused.cc)
//   K_LINALG   outRef aRef bRef batch m n k flags cRef   (bRef, cRef = aRef when the op has fewer operands)
//   K_LOOP     see decode_loops.cc
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include "decoder.h"

namespace wg {
namespace detail {

void Decoder::rowMajor(int32_t v, i64* st) const {
  i64 acc = 1;
  for (int32_t i = V(v).rank - 1; i >= 0; i--) { st[i] = acc; acc *= D(v)[i]; }
}

bool Decoder::instruction(int32_t idx) {
  int32_t op = 0, nin = 0, out = 0, nattr = 0;
  if (!word(&op, "an op id") || !word(&nin, "an operand count") || !word(&out, "an output id")) return false;
  if (op < 0 || op >= kOpCount) return fail(S_OP, "expected an op id in 0..%d but received %d", kOpCount - 1, op);
  const OpInfo& info = kOps[op];
  if (info.arity >= 0 ? nin != info.arity : (nin < 1 || nin > kMaxConcat)) {
    return fail(S_OP, "%s: expected %d operands but received %d", info.name, info.arity, nin);
  }
  if (at + nin > len) return fail(S_FORMAT, "encoding truncated inside instruction %d", idx);
  ins.resize(nin);
  for (int32_t i = 0; i < nin; i++) {
    const int32_t v = enc[at++];
    if (v < 0 || v >= P->nvars || !defined[v]) return fail(S_OPERAND, "%s: operand %d is variable %d, which is out of range or not yet defined", info.name, i, v);
    ins[i] = v;
  }
  if (out < 0 || out >= P->nvars || defined[out]) return fail(S_OPERAND, "%s: output variable %d is out of range or already defined", info.name, out);
  if (!word(&nattr, "an attribute count")) return false;
  // a loop's attributes hold its bodies' encodings: bounded by the encoding only
  const bool isLoop = op == OP_scan || op == OP_whileLoop || op == OP_whileVjp;
  if (nattr < 0 || (!isLoop && nattr > kMaxAttrs) || nattr > len - at) return fail(S_ATTR, "%s: bad attribute count %d", info.name, nattr);
  attrs.assign(enc + at, enc + at + nattr);
  at += nattr;
  bool ok = false;
  // dispatch by family (generated/ops.h): every family is handled (-Werror=switch); the ops of
  // family none are named one by one and any other op of it is refused, never run as something else
  switch (info.family) {
    case FAM_unary: case FAM_binary: case FAM_ternary: ok = elementwise(op, out); break;
    case FAM_reduce: ok = reduce(op, out); break;
    case FAM_matmul: ok = matmul(out); break;
    case FAM_layout:
      ok = op == OP_part ? fail(S_OP, "%s is lowered to slice + reshape by the planner, not run by the native executor", info.name)
                         : layout(op, out);
      break;
    case FAM_gather: ok = op == OP_argsort || op == OP_random ? extra(op, out) : gather(op, out); break;
    case FAM_linalg: ok = linalg(op, out); break;
    case FAM_none:
      if (op == OP_fused) ok = fused(out);
      else if (isLoop) ok = loop(op, out);
      else ok = fail(S_OP, "%s has no native kernel (it runs JS code)", info.name);
      break;
  }
  if (ok) defined[out] = 2;
  return ok;
}

// strides: output row-major, operands broadcast (0 on broadcast axes); drop size-1 axes and merge
// axes that are contiguous for every operand, so the inner row is as long as possible. Returns nd.
int Decoder::mergedStrides(int32_t out, i64* dims, i64 (*st)[kMaxRank]) const {
  const int32_t r = V(out).rank, nin = int32_t(ins.size());
  int nd = 0;
  for (int32_t a = 0; a < r; a++) {
    const i64 d = D(out)[a];
    if (d == 1) continue;
    i64 s[3];
    for (int32_t i = 0; i < nin; i++) {
      const int32_t ri = V(ins[i]).rank, k = a - (r - ri);
      if (k < 0 || D(ins[i])[k] == 1) { s[i] = 0; continue; }
      i64 acc = 1;
      for (int32_t j = ri - 1; j > k; j--) acc *= D(ins[i])[j];
      s[i] = acc;
    }
    bool merge = nd > 0;
    for (int32_t i = 0; merge && i < nin; i++) merge = st[i][nd - 1] == s[i] * d;
    if (merge) {
      dims[nd - 1] *= d;
      for (int32_t i = 0; i < nin; i++) st[i][nd - 1] = s[i];
    } else {
      dims[nd] = d;
      for (int32_t i = 0; i < nin; i++) st[i][nd] = s[i];
      nd++;
    }
  }
  return nd;
}

// unary, binary and ternary elementwise ops
bool Decoder::elementwise(int32_t op, int32_t out) {
  const int32_t nin = int32_t(ins.size());
  if (!attrs.empty()) return fail(S_ATTR, "%s: expected no attributes but received %d", kOps[op].name, int(attrs.size()));
  if (nin == 1 ? !sameShape(out, ins[0]) : !shapeElementwise(out, ins.data(), nin)) {
    return fail(S_SHAPE, "%s: output shape does not match the operands", kOps[op].name);
  }
  if (!writable(out) || !noOverlap(out, ins.data(), nin, true)) return false;
  const bool fn = nin == 1 ? P->K->unary[op] != nullptr : nin == 2 ? P->K->binary[op] != nullptr : P->K->ternary[op] != nullptr;
  if (!fn) return fail(S_OP, "%s: no kernel at this SIMD level", kOps[op].name);
  const Var& o = V(out);
  if (o.size == 0) return true;
  bool arena = o.ref >= 0;
  for (int32_t v : ins) arena = arena && V(v).ref >= 0;
  if (o.size == 1 && arena) {
    const uint32_t a = V(ins[0]).ref, b = V(ins[nin > 1]).ref, c = V(ins[nin - 1]).ref;
    return scalarStep(op, out, a, b, c);
  }
  if (nin == 1) {
    P->steps.push_back(Step{K_UNARY, cur, op, int32_t(P->plan.size())});
    P->plan.insert(P->plan.end(), {o.loc, V(ins[0]).loc, o.size});
    return true;
  }
  i64 dims[kMaxRank], st[3][kMaxRank];
  const int nd = mergedStrides(out, dims, st);
  P->steps.push_back(Step{nin == 2 ? K_BINARY : K_TERNARY, cur, op, int32_t(P->plan.size())});
  P->plan.push_back(o.loc);
  P->plan.push_back(nin);
  for (int32_t v : ins) P->plan.push_back(V(v).loc);
  P->plan.push_back(nd);
  for (int a = 0; a < nd; a++) P->plan.push_back(dims[a]);
  for (int32_t i = 0; i < nin; i++)
    for (int a = 0; a < nd; a++) P->plan.push_back(st[i][a]);
  return true;
}

bool Decoder::reduce(int32_t op, int32_t out) {
  const char* name = kOps[op].name;
  const int32_t x = ins[0];
  const int32_t r = V(x).rank;
  if (attrs.size() < 2 || (attrs[0] != 0 && attrs[0] != 1) || attrs[1] < 0 || attrs[1] > r ||
      int32_t(attrs.size()) != 2 + attrs[1]) {
    return fail(S_ATTR, "%s: expected attributes [%s]", name, kOps[op].attrs);
  }
  const bool keep = attrs[0] == 1;
  bool red[kMaxRank] = {};
  for (int32_t i = 0; i < attrs[1]; i++) {
    const int32_t a = attrs[2 + i];
    if (a < 0 || a >= r || (i > 0 && a <= attrs[1 + i])) return fail(S_ATTR, "%s: axes must be increasing in [0, %d)", name, r);
    red[a] = true;
  }
  int32_t er = 0;
  int32_t want[kMaxRank];
  for (int32_t a = 0; a < r; a++) {
    if (!red[a]) want[er++] = D(x)[a];
    else if (keep) want[er++] = 1;
  }
  if (V(out).rank != er) return fail(S_SHAPE, "%s: expected output rank %d but received %d", name, er, V(out).rank);
  for (int32_t a = 0; a < er; a++)
    if (D(out)[a] != want[a]) return fail(S_SHAPE, "%s: output axis %d: expected %d but received %d", name, a, want[a], D(out)[a]);
  if (!writable(out) || !noOverlap(out, ins.data(), 1, false)) return false;
  const int kind = op == OP_sum ? R_SUM : op == OP_max ? R_MAX : op == OP_min ? R_MIN : R_PROD;
  const Var& o = V(out);
  if (o.size == 0) return true;
  if (V(x).size == 1 && o.ref >= 0 && V(x).ref >= 0) {
    // one value x: c(identity, x) = x for every kind (sum(−0) = −0 + −0 = −0)
    return scalarStep(SC_COPY, out, V(x).ref, V(x).ref, V(x).ref);
  }
  P->steps.push_back(Step{K_REDUCE, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {o.loc, V(x).loc, i64(kind), o.size, V(x).size});
  const size_t ngAt = P->plan.size();
  P->plan.push_back(0);
  i64 ng = 0;
  for (int32_t a = 0; a < r; a++) {
    const i64 d = D(x)[a];
    if (d == 1) continue;
    if (ng > 0 && P->plan.back() == i64(red[a])) {
      P->plan[P->plan.size() - 2] *= d;
    } else {
      P->plan.push_back(d);
      P->plan.push_back(red[a]);
      ng++;
    }
  }
  P->plan[ngAt] = ng;
  i64 outer = 1, cols = 0;
  if (o.size > 0 && reducePattern(ng, P->plan.data() + ngAt + 1, &outer, &cols) == RP_COLS) {
    P->reduceScratch = std::max(P->reduceScratch, colsScratch(V(x).size / o.size, cols));
  }
  return true;
}

bool Decoder::gather(int32_t op, int32_t out) {
  const int32_t x = ins[0], idx = ins[1];
  const int32_t rx = V(x).rank, ri = V(idx).rank, ro = V(out).rank;
  i64 outer = 1, inner = 1, n;
  if (op == OP_gather) {
    if (attrs.size() != 1 || attrs[0] < 0 || attrs[0] >= rx) return fail(S_ATTR, "gather: expected an axis in [0, %d)", rx);
    const int32_t axis = attrs[0];
    if (ro != rx - 1 + ri) return fail(S_SHAPE, "gather: expected output rank %d", rx - 1 + ri);
    for (int32_t a = 0; a < ro; a++) {
      const int32_t want = a < axis ? D(x)[a] : a < axis + ri ? D(idx)[a - axis] : D(x)[a - ri + 1];
      if (D(out)[a] != want) return fail(S_SHAPE, "gather: output axis %d: expected %d", a, want);
    }
    for (int32_t a = 0; a < axis; a++) outer *= D(x)[a];
    for (int32_t a = axis + 1; a < rx; a++) inner *= D(x)[a];
    n = D(x)[axis];
  } else {
    if (attrs.size() != 2 || attrs[0] < 0 || attrs[0] + ri > rx || attrs[1] < 0) return fail(S_ATTR, "scatterAdd: expected [axis, size] attributes");
    const int32_t axis = attrs[0];
    n = attrs[1];
    for (int32_t a = 0; a < ri; a++)
      if (D(x)[axis + a] != D(idx)[a]) return fail(S_SHAPE, "scatterAdd: cotangent axis %d does not match the indices", axis + a);
    if (ro != rx - ri + 1) return fail(S_SHAPE, "scatterAdd: expected output rank %d", rx - ri + 1);
    for (int32_t a = 0; a < ro; a++) {
      const int32_t want = a < axis ? D(x)[a] : a == axis ? int32_t(n) : D(x)[a + ri - 1];
      if (D(out)[a] != want) return fail(S_SHAPE, "scatterAdd: output axis %d: expected %d", a, want);
    }
    for (int32_t a = 0; a < axis; a++) outer *= D(x)[a];
    for (int32_t a = axis + ri; a < rx; a++) inner *= D(x)[a];
  }
  if (!writable(out) || !noOverlap(out, ins.data(), 2, false)) return false;
  // indices are checked at run time even when nothing is copied (TS checks them first, too)
  if (op == OP_gather ? V(idx).size == 0 : V(out).size == 0 && V(idx).size == 0) return true;
  P->steps.push_back(Step{op == OP_gather ? K_GATHER : K_SCATTER, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {V(out).loc, V(x).loc, V(idx).loc, outer, n, V(idx).size, inner});
  return true;
}

// the arena's constant region as every run starts with it (its values at their arena offsets)
bool constRegion(Program* P, const double* consts, Error* err) {
  P->constValues.assign(size_t(P->constEnd), 0.0);
  i64 at = P->constAt;
  for (int32_t v : P->consts) {
    const Var& x = P->vars[v];
    if (x.size) std::memcpy(P->constValues.data() + x.ref, consts + at, size_t(x.size) * 8);
    at += x.size;
  }
  return true;
}

}  // namespace detail
}  // namespace wg
