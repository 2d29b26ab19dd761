// Layout ops as planned copies (decode side): reshape, broadcastTo, transpose and slice are strided
// reads of their operand; pad and concat plan their own copies. K_COPY's layout is in decode_ops.cc.
#include <algorithm>
#include <cstring>
#include "decoder.h"

namespace wg {
namespace detail {

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

}  // namespace detail
}  // namespace wg
