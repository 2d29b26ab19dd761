// Matrix ops (decode side): matmul's K_MATMUL plan and the linear-algebra ops' K_LINALG plans with
// their shape rules. Plan layouts are listed in decode_ops.cc.
#include "decoder.h"

namespace wg {
namespace detail {

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
