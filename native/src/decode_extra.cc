// Validation and plans of the K_EXTRA ops (extra.h): shape rules mirrored from src/ops/argsort.ts
// and src/ops/random.ts.
#include "decoder.h"
#include "extra.h"

namespace wg {
namespace detail {

bool Decoder::extra(int32_t op, int32_t out) {
  const int32_t x = ins[0];
  const Var& o = V(out);
  i64 rows = 0, n = 0, dist = 0;
  if (op == OP_argsort) {
    if (!attrs.empty()) return fail(S_ATTR, "argsort: expected no attributes");
    if (!sameShape(out, x)) return fail(S_SHAPE, "argsort: output shape does not match the operand");
    n = V(x).rank ? D(x)[V(x).rank - 1] : 1;
    rows = n ? V(x).size / n : 0;
  } else {
    // attributes: dist, rank of the draw shape, its dims
    const int32_t rk = V(x).rank;
    if (attrs.size() < 2 || attrs[0] < 0 || attrs[0] > 2 || attrs[1] < 0 || int32_t(attrs.size()) != 2 + attrs[1]) {
      return fail(S_ATTR, "random: expected [dist, rank, dims…] attributes");
    }
    if (rk < 1 || D(x)[rk - 1] != 2) return fail(S_SHAPE, "random: expected a key of shape [..., 2]");
    if (V(out).rank != rk - 1 + attrs[1]) return fail(S_SHAPE, "random: expected output rank %d", rk - 1 + attrs[1]);
    n = 1;
    for (int32_t a = 0; a < V(out).rank; a++) {
      const int32_t want = a < rk - 1 ? D(x)[a] : attrs[2 + a - (rk - 1)];
      if (want < 0 || D(out)[a] != want) return fail(S_SHAPE, "random: output axis %d: expected %d", a, want);
      if (a >= rk - 1) n *= want;
    }
    if (n > (i64(1) << 30)) return fail(S_SHAPE, "random: more than 2^30 draws per key");
    rows = V(x).size / 2;
    dist = attrs[0];
  }
  if (!writable(out) || !noOverlap(out, ins.data(), 1, false)) return false;
  if (o.size == 0) return true;
  P->steps.push_back(Step{K_EXTRA, cur, op, int32_t(P->plan.size())});
  P->plan.insert(P->plan.end(), {o.loc, V(x).loc, rows, n, dist});
  return true;
}

}  // namespace detail
}  // namespace wg
