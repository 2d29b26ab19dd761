// Per-op validation (shape rules mirrored from src/ops/*.ts) and loop plans. Plan layouts, read
// by exec.cc (all entries i64, refs are variable refs):
//   K_UNARY    outRef inRef n
//   K_BINARY / K_TERNARY  outRef nin inRef… nd dims[nd] strides[nin][nd]   (output contiguous)
//   K_REDUCE   outRef inRef kind outSize inSize ng (dim reduced)[ng]
//   K_MATMUL   outRef aRef bRef batch m k n ta tb
//   K_COPY     nitems zeroRef zeroSize item…;  item = dstRef srcRef dstOff srcOff nd dims[nd] dstSt[nd] srcSt[nd]
//   K_GATHER   outRef xRef idxRef outer n K inner      K_SCATTER  outRef gRef idxRef outer size K inner
//   K_FUSED    outRef n nin nouts ncode inRef[nin] scalar[nin] (op nargs a0 a1 a2 slot)[ncode] outs[nouts]
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

bool Decoder::matmul(int32_t out) {
  if (attrs.size() != 2 || (attrs[0] != 0 && attrs[0] != 1) || (attrs[1] != 0 && attrs[1] != 1)) {
    return fail(S_ATTR, "matmul: expected attributes [%s] of 0 or 1", kOps[OP_matmul].attrs);
  // matmul and matmulT share the kernel: matmulT carries the flags, matmul's come from the encoder
  }
  const int32_t a = ins[0], b = ins[1];
  const int32_t r = V(a).rank;
  if (r < 2 || V(b).rank != r || V(out).rank != r) return fail(S_SHAPE, "matmul: expected operands and output of equal rank ≥ 2");
  for (int32_t i = 0; i < r - 2; i++)
    if (D(a)[i] != D(b)[i] || D(a)[i] != D(out)[i]) return fail(S_SHAPE, "matmul: batch axis %d differs", i);
  const bool ta = attrs[0], tb = attrs[1];
  const i64 m = ta ? D(a)[r - 1] : D(a)[r - 2], k = ta ? D(a)[r - 2] : D(a)[r - 1];
  const i64 kb = tb ? D(b)[r - 1] : D(b)[r - 2], n = tb ? D(b)[r - 2] : D(b)[r - 1];
  if (k != kb) return fail(S_SHAPE, "matmul: inner dimensions %lld and %lld differ", (long long)k, (long long)kb);
  if (D(out)[r - 2] != m || D(out)[r - 1] != n) return fail(S_SHAPE, "matmul: expected output [.., %lld, %lld]", (long long)m, (long long)n);
  if (!writable(out) || !noOverlap(out, ins.data(), 2, false)) return false;
  if (V(out).size == 0) return true;
  i64 batch = 1;
  for (int32_t i = 0; i < r - 2; i++) batch *= D(out)[i];
  if (m > 1 && n > 1 && k > 0) needPack = true;
  P->steps.push_back(Step{K_MATMUL, cur, OP_matmul, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {V(out).loc, V(a).loc, V(b).loc, batch, m, k, n, i64(ta), i64(tb)});
  return true;
}

// dst[dstOff + Σ i·dstSt] = src[srcOff + Σ i·srcSt] over dims, with size-1 axes dropped and
// axes merged where both sides are contiguous across them
void Decoder::pushCopy(int32_t dst, i64 dstOff, int32_t src, i64 srcOff, int nd, const i64* dims, const i64* dstSt,
                       const i64* srcSt) {
  i64 cd[kMaxRank], cds[kMaxRank], css[kMaxRank];
  int c = 0;
  for (int a = 0; a < nd; a++) {
    if (dims[a] == 1) continue;
    if (c > 0 && cds[c - 1] == dstSt[a] * dims[a] && css[c - 1] == srcSt[a] * dims[a]) {
      cd[c - 1] *= dims[a];
      cds[c - 1] = dstSt[a];
      css[c - 1] = srcSt[a];
    } else {
      cd[c] = dims[a]; cds[c] = dstSt[a]; css[c] = srcSt[a];
      c++;
    }
  }
  P->plan.insert(P->plan.end(), {V(dst).loc, V(src).loc, dstOff, srcOff, i64(c)});
  for (int a = 0; a < c; a++) P->plan.push_back(cd[a]);
  for (int a = 0; a < c; a++) P->plan.push_back(cds[a]);
  for (int a = 0; a < c; a++) P->plan.push_back(css[a]);
}

/** a strided read of the first operand into contiguous out: out[i] = x[off + Σ_a i_a · src[a]] over dims[0..rank) */
struct Decoder::Strided {
  i64 dims[kMaxRank], src[kMaxRank];
  i64 off = 0;
  bool view = false;  // out already is that data (an alias or a contiguous slice in place): nothing to run
};

// layout ops: reshape, broadcastTo, transpose and slice are strided reads of their operand; pad
// and concat plan their own copies
bool Decoder::layout(int32_t op, int32_t out) {
  Strided s;
  bool ok = false;
  switch (op) {
    case OP_reshape: ok = reshape(out, s); break;
    case OP_broadcastTo: ok = broadcast(out, s); break;
    case OP_transpose: ok = transpose(out, s); break;
    case OP_slice: ok = slice(out, s); break;
    case OP_pad: return pad(out);
    case OP_concat: return concat(out);
    default: return fail(S_OP, "%s: not a layout op", kOps[op].name);
  }
  if (!ok) return false;
  return s.view || stridedCopy(op, out, s);
}

bool Decoder::reshape(int32_t out, Strided& s) {
  const int32_t x = ins[0];
  if (!attrs.empty()) return fail(S_ATTR, "reshape: expected no attributes");
  if (V(out).size != V(x).size) return fail(S_SHAPE, "reshape: sizes %lld and %lld differ", (long long)V(x).size, (long long)V(out).size);
  if (V(out).loc == V(x).loc) return s.view = true;  // alias: same data, new shape
  rowMajor(out, s.src);
  for (int32_t a = 0; a < V(out).rank; a++) s.dims[a] = D(out)[a];
  return true;
}

bool Decoder::broadcast(int32_t out, Strided& s) {
  const int32_t x = ins[0], r = V(x).rank, ro = V(out).rank, lead = ro - r;
  if (!attrs.empty()) return fail(S_ATTR, "broadcastTo: expected no attributes");
  if (lead < 0) return fail(S_SHAPE, "broadcastTo: cannot lower rank %d to %d", r, ro);
  i64 xst[kMaxRank];
  rowMajor(x, xst);
  for (int32_t a = 0; a < ro; a++) {
    s.dims[a] = D(out)[a];
    const int32_t k = a - lead;
    if (k < 0) { s.src[a] = 0; continue; }
    if (D(x)[k] != 1 && D(x)[k] != D(out)[a]) return fail(S_SHAPE, "broadcastTo: axis %d has %d, not %d", k, D(x)[k], D(out)[a]);
    s.src[a] = D(x)[k] == 1 ? 0 : xst[k];
  }
  return true;
}

bool Decoder::transpose(int32_t out, Strided& s) {
  const int32_t x = ins[0], r = V(x).rank;
  if (int32_t(attrs.size()) != r || V(out).rank != r) return fail(S_ATTR, "transpose: expected a permutation of %d axes", r);
  i64 xst[kMaxRank];
  rowMajor(x, xst);
  bool seen[kMaxRank] = {};
  for (int32_t a = 0; a < r; a++) {
    const int32_t p = attrs[a];
    if (p < 0 || p >= r || seen[p]) return fail(S_ATTR, "transpose: attribute %d is not a permutation entry", a);
    seen[p] = true;
    if (D(out)[a] != D(x)[p]) return fail(S_SHAPE, "transpose: output axis %d: expected %d", a, D(x)[p]);
    s.dims[a] = D(out)[a];
    s.src[a] = xst[p];
  }
  return true;
}

bool Decoder::slice(int32_t out, Strided& s) {
  const int32_t x = ins[0], r = V(x).rank;
  const Var& o = V(out);
  if (int32_t(attrs.size()) != r || o.rank != r) return fail(S_ATTR, "slice: expected %d begin entries", r);
  rowMajor(x, s.src);
  for (int32_t a = 0; a < r; a++) {
    if (attrs[a] < 0 || i64(attrs[a]) + D(out)[a] > D(x)[a]) return fail(S_SHAPE, "slice: axis %d range out of bounds", a);
    s.dims[a] = D(out)[a];
    if (o.size > 0) s.off += i64(attrs[a]) * s.src[a];
  }
  if (o.size == 0) return true;
  // a contiguous slice placed at its source's location + offset is a view: nothing to run
  bool contiguous = true, partial = false;
  for (int32_t a = 0; a < r; a++) {
    if (partial && D(out)[a] != D(x)[a]) contiguous = false;
    if (D(out)[a] != 1) partial = true;
  }
  const Var& src = V(x);
  const bool placed = o.ref >= 0 ? src.ref >= 0 && o.ref == src.ref + s.off : o.ext >= 0 && o.ext == src.ext && o.off == src.off + s.off;
  s.view = contiguous && placed;
  return true;
}

/** reshape (copy), broadcastTo, transpose, slice: out contiguous, the operand read through s */
bool Decoder::stridedCopy(int32_t op, int32_t out, const Strided& s) {
  const int32_t x = ins[0];
  const Var& o = V(out);
  if (!writable(out) || !noOverlap(out, ins.data(), 1, false)) return false;
  if (o.size == 0) return true;
  if (o.size == 1 && o.ref >= 0 && V(x).ref >= 0) return scalarStep(SC_COPY, out, uint32_t(V(x).ref + s.off), 0, 0);
  i64 dst[kMaxRank];
  rowMajor(out, dst);
  P->steps.push_back(Step{K_COPY, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {1, 0, 0});
  pushCopy(out, 0, x, s.off, o.rank, s.dims, dst, s.src);
  return true;
}

// pad: out zeroed, the operand copied in at `before` (attrs) on every axis
bool Decoder::pad(int32_t out) {
  const int32_t x = ins[0], r = V(x).rank;
  const Var& o = V(out);
  if (int32_t(attrs.size()) != r || o.rank != r) return fail(S_ATTR, "pad: expected %d before entries", r);
  i64 dims[kMaxRank], dst[kMaxRank], xst[kMaxRank], dstOff = 0;
  rowMajor(out, dst);
  rowMajor(x, xst);
  for (int32_t a = 0; a < r; a++) {
    if (attrs[a] < 0 || i64(attrs[a]) + D(x)[a] > D(out)[a]) return fail(S_SHAPE, "pad: axis %d does not fit", a);
    dims[a] = D(x)[a];
    dstOff += i64(attrs[a]) * dst[a];
  }
  if (!writable(out) || !noOverlap(out, ins.data(), 1, false)) return false;
  if (o.size == 0) return true;
  P->steps.push_back(Step{K_COPY, cur, OP_pad, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {1, o.loc, o.size});
  pushCopy(out, V(x).size ? dstOff : 0, x, 0, r, dims, dst, xst);
  return true;
}

// concat along attrs[0]: one copy item per non-empty operand
bool Decoder::concat(int32_t out) {
  const Var& o = V(out);
  const int32_t ro = o.rank;
  if (attrs.size() != 1 || attrs[0] < 0 || attrs[0] >= ro) return fail(S_ATTR, "concat: expected an axis in [0, %d)", ro);
  const int32_t axis = attrs[0];
  i64 total = 0;
  for (size_t i = 0; i < ins.size(); i++) {
    const int32_t v = ins[i];
    if (V(v).rank != ro) return fail(S_SHAPE, "concat: operand %d has rank %d, expected %d", int(i), V(v).rank, ro);
    for (int32_t a = 0; a < ro; a++)
      if (a != axis && D(v)[a] != D(out)[a]) return fail(S_SHAPE, "concat: operand %d differs on axis %d", int(i), a);
    total += D(v)[axis];
  }
  if (total != D(out)[axis]) return fail(S_SHAPE, "concat: axis sizes add to %lld, output has %d", (long long)total, D(out)[axis]);
  if (!writable(out) || !noOverlap(out, ins.data(), int32_t(ins.size()), false)) return false;
  if (o.size == 0) return true;
  i64 dst[kMaxRank];
  rowMajor(out, dst);
  P->steps.push_back(Step{K_COPY, cur, OP_concat, int32_t(P->plan.size())});
  const size_t countAt = P->plan.size();
  P->plan.insert(P->plan.end(), {0, o.loc, 0});
  i64 at = 0, items = 0;
  for (int32_t v : ins) {
    if (V(v).size > 0) {
      i64 st[kMaxRank], dd[kMaxRank];
      rowMajor(v, st);
      for (int32_t a = 0; a < ro; a++) dd[a] = D(v)[a];
      pushCopy(out, at * dst[axis], v, 0, ro, dd, dst, st);
      items++;
    }
    at += D(v)[axis];
  }
  P->plan[countAt] = items;
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

// fused chain (planner output, src/ops/fused.ts). Attributes:
//   nin scalarIn[nin] ncode (op nargs args[nargs])[ncode] nouts outs[nouts]
// registers 0..nin−1 are the operands (full shape, or size 1 when scalarIn), nin + k is code[k];
// one result has the chain's shape S, several are rows of [nouts, ...S]
bool Decoder::fused(int32_t out) {
  const int32_t nin = int32_t(ins.size());
  const int32_t na = int32_t(attrs.size());
  int32_t at = 0;
  auto next = [&](int32_t* v) { if (at >= na) return false; *v = attrs[at++]; return true; };
  int32_t n0 = 0;
  if (!next(&n0) || n0 != nin) return fail(S_ATTR, "fused: expected %d operands in the attributes", nin);
  std::vector<int32_t> scalar(nin), code;
  for (int32_t i = 0; i < nin; i++)
    if (!next(&scalar[i]) || (scalar[i] != 0 && scalar[i] != 1)) return fail(S_ATTR, "fused: bad scalarIn flag %d", i);
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
    if (nargs == 1 && a[0] < nin && scalar[a[0]]) return fail(S_ATTR, "fused: instruction %d: unary op of a scalar operand", k);
    code.insert(code.end(), {op, nargs, a[0], a[1], a[2]});
  }
  int32_t nouts = 0;
  if (!next(&nouts) || nouts < 1 || nouts > ncode + nin) return fail(S_ATTR, "fused: bad result count");
  std::vector<int32_t> outs(nouts);
  for (int32_t j = 0; j < nouts; j++)
    if (!next(&outs[j]) || outs[j] < 0 || outs[j] >= nin + ncode) return fail(S_ATTR, "fused: result %d: register out of range", j);
  if (at != na) return fail(S_ATTR, "fused: %d extra attribute words", na - at);
  // S: the chain's shape (the output's, or its rows')
  const int32_t ro = V(out).rank;
  if (nouts > 1 && (ro < 1 || D(out)[0] != nouts)) return fail(S_SHAPE, "fused: expected an output of %d rows", nouts);
  const int32_t off = nouts > 1 ? 1 : 0;
  i64 n = 1;
  for (int32_t a = off; a < ro; a++) n *= D(out)[a];
  for (int32_t i = 0; i < nin; i++) {
    const int32_t v = ins[i];
    bool ok = scalar[i] ? V(v).size == 1 : V(v).rank == ro - off;
    for (int32_t a = 0; ok && !scalar[i] && a < ro - off; a++) ok = D(v)[a] == D(out)[a + off];
    if (!ok) return fail(S_SHAPE, "fused: operand %d does not have the chain's shape", i);
  }
  if (!writable(out) || !noOverlap(out, ins.data(), nin, false)) return false;
  if (n == 0) return true;
  if (nin + ncode > P->nreg) P->nreg = nin + ncode;
  // tile registers by liveness: a register's slot is free again after its last reader (an op
  // may write the slot of an operand that dies there: elementwise, same index in and out)
  std::vector<int32_t> last(nin + ncode, -1), slot(ncode, -1), freeSlots;
  std::vector<uint8_t> isOut(nin + ncode, 0);
  for (int32_t j = 0; j < nouts; j++) isOut[outs[j]] = 1;
  for (int32_t k = 0; k < ncode; k++)
    for (int32_t j = 0; j < code[5 * k + 1]; j++) last[code[5 * k + 2 + j]] = k;
  int32_t nslots = 0;
  for (int32_t k = 0; k < ncode; k++) {
    for (int32_t j = 0; j < code[5 * k + 1]; j++) {
      const int32_t r = code[5 * k + 2 + j];
      bool dup = false;
      for (int32_t i = 0; i < j; i++) dup = dup || code[5 * k + 2 + i] == r;
      if (!dup && r >= nin && last[r] == k && slot[r - nin] >= 0) freeSlots.push_back(slot[r - nin]);
    }
    if (isOut[nin + k]) continue;  // written straight into its output row
    if (freeSlots.empty()) { slot[k] = nslots++; } else { slot[k] = freeSlots.back(); freeSlots.pop_back(); }
  }
  if (i64(nslots) * kFusedTile > P->fscratchSize) P->fscratchSize = i64(nslots) * kFusedTile;
  P->steps.push_back(Step{K_FUSED, cur, OP_fused, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {V(out).loc, n, i64(nin), i64(nouts), i64(ncode)});
  for (int32_t v : ins) P->plan.push_back(V(v).loc);
  for (int32_t x : scalar) P->plan.push_back(x);
  for (int32_t k = 0; k < ncode; k++) {
    for (int32_t j = 0; j < 5; j++) P->plan.push_back(code[5 * k + j]);
    P->plan.push_back(slot[k]);
  }
  for (int32_t x : outs) P->plan.push_back(x);
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

// linear algebra (kernels/linalg.cc): the shape rules of src/ops/linalg/*.ts; a multi-output op
// (qr, eigh, svd) writes its outputs packed, part by part over the batch
// triangularSolve's [lower, transpose, unitDiagonal] as LA_* flags; the other linalg ops take no attributes
bool Decoder::linalgFlags(int32_t op, int32_t* flags) {
  const char* name = kOps[op].name;
  if (op != OP_triangularSolve) return attrs.empty() || fail(S_ATTR, "%s: expected no attributes but received %d", name, int(attrs.size()));
  if (attrs.size() != 3) return fail(S_ATTR, "%s: expected [lower, transpose, unitDiagonal] attributes", name);
  for (int i = 0; i < 3; i++) {
    if (attrs[i] != 0 && attrs[i] != 1) return fail(S_ATTR, "%s: attribute %d is %d, expected 0 or 1", name, i, attrs[i]);
    if (attrs[i]) *flags |= (i == 0 ? LA_LOWER : i == 1 ? LA_TRANSPOSE : LA_UNIT);
  }
  return true;
}

bool Decoder::linalg(int32_t op, int32_t out) {
  const char* name = kOps[op].name;
  const int32_t a = ins[0], r = V(a).rank, ro = V(out).rank;
  if (r != 2 && op == OP_qrPivoted) return fail(S_SHAPE, "%s: expected J [m, n]", name);
  if (r < 2) return fail(S_SHAPE, "%s: expected a matrix operand (rank >= 2) but received rank %d", name, r);
  const i64 m = D(a)[r - 2], n = D(a)[r - 1], q = m < n ? m : n;
  i64 batch = 1;
  for (int32_t i = 0; i < r - 2; i++) batch *= D(a)[i];
  if (op != OP_qr && op != OP_svd && op != OP_qrPivoted && m != n) return fail(S_SHAPE, "%s: expected a square matrix but received %lld x %lld", name, (long long)m, (long long)n);
  int32_t flags = 0;
  if (!linalgFlags(op, &flags)) return false;
  i64 k = 0;
  bool ok = true;
  switch (op) {
    case OP_triangularSolve: case OP_solve: {
      const int32_t b = ins[1];
      if (V(b).rank != r || D(b)[r - 2] != n) return fail(S_SHAPE, "%s: expected a right-hand side [..., %lld, k]", name, (long long)n);
      for (int32_t i = 0; i < r - 2; i++) if (D(b)[i] != D(a)[i]) return fail(S_SHAPE, "%s: batch axis %d differs", name, i);
      k = D(b)[r - 1];
      ok = sameShape(out, b);
      break;
    }
    case OP_cholesky: case OP_adjugate: ok = sameShape(out, a); break;
    case OP_choleskyGrad: ok = sameShape(out, a) && sameShape(ins[1], a); break;
    case OP_qrPivoted: {
      const int32_t rv = ins[1], cv = ins[2];
      if (V(rv).rank != 1 || D(rv)[0] != m || V(cv).rank != 1 || D(cv)[0] > n) return fail(S_SHAPE, "%s: expected r [m] and cols [k <= n]", name);
      k = D(cv)[0];
      ok = ro == 1 && i64(D(out)[0]) == k * k + 2 * k + n;
      break;
    }
    case OP_det: case OP_slogdet: {
      const int32_t lead = op == OP_slogdet ? 1 : 0;
      ok = ro == r - 2 + lead && (!lead || D(out)[0] == 2);
      for (int32_t i = 0; ok && i < r - 2; i++) ok = D(out)[lead + i] == D(a)[i];
      break;
    }
    case OP_qr: case OP_eigh: case OP_svd: {
      const i64 per = op == OP_qr ? m * q + q * n : op == OP_eigh ? n + n * n : m * q + q + q * n;
      ok = ro == 1 && i64(D(out)[0]) == batch * per;
      break;
    }
    default: ok = false;
  }
  if (!ok) return fail(S_SHAPE, "%s: the output shape does not match the operands", name);
  if (!writable(out) || !noOverlap(out, ins.data(), int32_t(ins.size()), false)) return false;
  if (V(out).size == 0) return true;
  if (!P->K->linalg[op]) return fail(S_OP, "%s: no kernel at this SIMD level", name);
  const i64 need = linalgScratch(op, m, n, k);
  if (need > P->linalgScratch) P->linalgScratch = need;
  P->steps.push_back(Step{K_LINALG, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {V(out).loc, V(a).loc, V(ins.size() > 1 ? ins[1] : a).loc, batch, m, n, k, i64(flags),
                                 V(ins.size() > 2 ? ins[2] : a).loc});
  return true;
}

}  // namespace detail
}  // namespace wg
