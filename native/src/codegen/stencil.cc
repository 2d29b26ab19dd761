// Stencils (emitter.h): a fused chain, the full reductions of its rows and an elementwise row fed
// by pads of its rows (W1's value and gradient: Σ of one row, pad(a) + pad(b) of two others) run
// as one loop over the chain's tiles. A row nothing else reads lives in a tile buffer with a halo
// of H values from the tile before (the pads' shifts), never in the arena. Values are the
// interpreter's: the chain's tile code is fused.cc's; a reduction keeps the canonical order of
// kernels/reduce.cc (blocks of 1024 values, value i in lane i mod 8, the lane tree, block values
// combined by the power-of-two tree); the pad-fed row is pads.cc's formula (0.0 outside a pad).
// Baseline ISA only.
#include "stencil.h"
#include <algorithm>
#include "chain.h"

namespace wg {
namespace cg {

static_assert(kReduceBlock % kFusedTile == 0, "a reduction block is whole tiles");

namespace {

/** whether plan locations a (na values) and b (nb) may share memory (top level: distinct buffers are disjoint) */
bool mayOverlap(i64 a, i64 na, i64 b, i64 nb) {
  if ((a >= 0) != (b >= 0)) return false;
  if (a < 0) {
    const i64 xa = -1 - a, xb = -1 - b, mask = (i64(1) << kExtBits) - 1;
    if ((xa & mask) != (xb & mask)) return false;
    a = xa >> kExtBits;
    b = xb >> kExtBits;
  }
  return a < b + nb && b < a + na;
}

/** the pads and elementwise row at steps j.. reading chain rows; false leaves g without a consumer */
bool matchConsumer(const ImageView& v, int32_t j, Group* g) {
  int32_t c = j;
  while (c < v.h->nsteps && v.steps[c].kind == K_COPY && v.steps[c].op == OP_pad) c++;
  if (c == j || c >= v.h->nsteps) return false;
  const Step& s = v.steps[c];
  if ((s.kind != K_BINARY && s.kind != K_TERNARY) || v.K->vector[s.op]) return false;
  const i64* p = v.plan + s.planOff;
  if (p[2 + p[1]] != 1) return false;
  std::vector<Pad> pads;
  std::vector<int> padOf;
  if (!findPads(v, c, &pads, &padOf)) return false;
  for (const Pad& d : pads)
    if (d.step < j) return false;
  if (int32_t(pads.size()) != c - j) return false;  // every pad in j..c is the row's
  for (const Pad& d : pads) {
    const int r = g->rowOf(d.src + d.srcOff);
    if (d.src < 0 || r < 0 || d.src + d.srcOff + d.len > g->base + (r + 1) * g->n) return false;
    const i64 sh = d.src + d.srcOff - (g->base + r * g->n) - d.dstOff;
    if (sh < -kMaxHalo || sh > kMaxHalo) return false;
    g->padRow.push_back(r);
    g->shift.push_back(sh);
  }
  g->minS = *std::min_element(g->shift.begin(), g->shift.end());
  g->maxS = *std::max_element(g->shift.begin(), g->shift.end());
  g->pads = pads;
  g->padOf = padOf;
  g->consumer = c;
  return true;
}

/** the values a step of the group reads, written by another of its members, would differ from the interpreter's */
bool hazards(const ImageView& v, const i64* chain, const Group& g) {
  const int nin = int(chain[2]);
  std::vector<std::pair<i64, i64>> reads;  // chain inputs, the consumer's own operands
  for (int i = 0; i < nin; i++) reads.push_back({chain[5 + i], chain[5 + nin + i] ? 1 : g.n});
  i64 cOut = 0, m = 0;
  if (g.consumer >= 0) {
    const i64* p = v.plan + v.steps[g.consumer].planOff;
    const int k = int(p[1]);
    cOut = p[0];
    m = p[3 + k];
    for (int i = 0; i < k; i++) {
      if (g.padOf[size_t(i)] >= 0) continue;
      if (mayOverlap(p[2 + i], p[4 + k + i] ? m : 1, g.base, g.nouts * g.n)) return true;
      if (!(p[2 + i] == cOut && p[4 + k + i] == 1)) reads.push_back({p[2 + i], p[4 + k + i] ? m : 1});  // in place: read, then written
    }
    for (const auto& [loc, len] : reads)
      if (mayOverlap(cOut, m, loc, len)) return true;
    for (int r = 0; r < g.nouts; r++)
      if (!g.absorbed[size_t(r)] && mayOverlap(cOut, m, g.base + r * g.n, g.n)) return true;
  }
  for (const Red& x : g.reds) {
    if (mayOverlap(x.out, 1, g.base, g.nouts * g.n) || (g.consumer >= 0 && mayOverlap(x.out, 1, cOut, m))) return true;
    for (const auto& [loc, len] : reads)
      if (mayOverlap(x.out, 1, loc, len)) return true;
    for (const Red& y : g.reds)
      if (&x != &y && mayOverlap(x.out, 1, y.out, 1)) return true;
  }
  return false;
}

/**
 * the interior loop (fastFn) reads the chain's inputs at shifted indices after writing the rows it
 * stores, and its sums' NaN redo reads them again: no stored row may share memory with an input
 */
bool fastLoopSafe(const i64* chain, const Group& g) {
  const int nin = int(chain[2]);
  for (int r = 0; r < g.nouts; r++)
    for (int i = 0; i < nin && !g.absorbed[size_t(r)]; i++)
      if (mayOverlap(g.base + r * g.n, g.n, chain[5 + i], chain[5 + nin + i] ? 1 : g.n)) return false;
  return true;
}

/** rows nothing after the group reads and no program output is: they need no arena row */
void absorb(const ImageView& v, Group* g) {
  g->absorbed.assign(size_t(g->nouts), 1);
  for (int32_t k = v.h->nin; k < v.h->nin + v.h->nout; k++)
    if (g->rowOf(v.io[k].loc) >= 0) g->absorbed[size_t(g->rowOf(v.io[k].loc))] = 0;
  std::vector<i64> r;
  for (int32_t j = g->last + 1; j < v.h->nsteps; j++) {
    r.clear();
    readStarts(v, j, &r);
    for (i64 x : r)
      if (g->rowOf(x) >= 0) g->absorbed[size_t(g->rowOf(x))] = 0;
  }
}

bool match(const ImageView& v, int32_t si, const i64* p, Group* g) {
  g->base = p[0];
  g->n = p[1];
  g->nouts = int(p[3]);
  if (g->base < 0 || g->n < 2 || chainBroadcasts(p)) return false;
  const i64* outs = p + 5 + 2 * p[2] + 6 * p[4];
  int32_t j = si + 1;
  for (; j < v.h->nsteps && v.steps[j].kind == K_REDUCE; j++) {
    const i64* q = v.plan + v.steps[j].planOff;
    const int r = g->rowOf(q[1]);
    if (q[3] != 1 || q[4] != g->n || q[5] != 1 || r < 0 || q[1] != g->base + r * g->n) break;
    g->reds.push_back(Red{j, q[0], int(q[2]), r, int(outs[r]), -1});
  }
  const bool row = matchConsumer(v, j, g);
  if (g->reds.empty() && !row) return false;
  for (int k = 0; k < int(outs[g->nouts]); k++)  // the chain's sums: their values follow its rows
    g->reds.push_back(Red{si, g->base + g->nouts * g->n + k, R_SUM, -1, int(outs[g->nouts + 1 + k]), k});
  g->last = row ? g->consumer : j - 1;
  absorb(v, g);
  return !hazards(v, p, *g);
}

// With intra-op threads a large stencil runs in chunks of kStChunk elements (whole sum blocks; the last
// takes the rest) on the pool: each chunk's reductions start their lanes at its first block and put
// each finished block's value in V, combined afterwards in block order by the same tree — the
// streaming order's bits. The pad-fed row's index J starts at the chunk's e0 − maxS; a chunk's first
// tile needs no halo when H = 0 or when it takes the interior path (recomputing the shifted rows).
constexpr i64 kStChunk = 16 * kFusedTile;
constexpr i64 kMaxV = 8192, kMaxScratch = 8192;  // doubles of V and of a chunk's tile scratch (stack)

/** V's offset (in blocks) of reduction k: the chain's sums first, then the steps' reductions */
i64 vOff(const Group& g, size_t k) {
  const i64 sums = std::count_if(g.reds.begin(), g.reds.end(), [](const Red& x) { return x.sum >= 0; });
  return g.reds[k].sum >= 0 ? g.reds[k].sum : sums + i64(k);
}

/** whether chunks give the one pass's values: every chunk's first tile needs nothing before it */
bool poolable(const ImageView& v, const Group& g, i64 slots, i64 H, bool interior) {
  const i64 chunks = g.n / kStChunk, nb = (g.n + kReduceBlock - 1) / kReduceBlock;
  if (chunks < 2 || i64(g.reds.size()) * nb > kMaxV || slots * kFusedTile > kMaxScratch) return false;
  if (g.consumer < 0 || H == 0) return kStChunk - g.maxS >= 0;
  if (!interior) return false;
  i64 lo = 0, hi = consumerSize(v, g);  // the interior path's condition (stencil_code.cc fastFn) at each chunk's first tile
  for (const Pad& d : g.pads) { lo = std::max(lo, d.dstOff); hi = std::min(hi, d.dstOff + d.len); }
  const i64 last = (chunks - 1) * kStChunk;
  return kStChunk - g.maxS >= lo && last + kFusedTile - g.maxS <= hi && last + kFusedTile < g.n;
}

/** the program's statements: the chunks on the pool and V combined (rt->threads > 1), else one pass */
std::string pooledCall(const Group& g, const std::string& fn) {
  const i64 nb = (g.n + kReduceBlock - 1) / kReduceBlock;
  std::string t = "  if (rt->threads > 1) {\n    double V[" + num(std::max<i64>(1, i64(g.reds.size()) * nb)) + "];\n";
  t += "    struct " + fn + "_j J;\n    J.mem = mem; J.ext = ext; J.rt = rt; J.V = V;\n";
  t += "    rt->par(" + fn + "_k, &J, " + num(g.n / kStChunk) + ");\n";
  for (size_t k = 0; k < g.reds.size(); k++) {
    const Red& x = g.reds[k];
    const std::string at = "V + " + num(vOff(g, k) * nb), K = num(x.kind);
    if (x.sum >= 0) { t += "    " + ptr(x.out) + "[0] = wg_sum_blocks(" + at + ", " + num(g.n) + ");\n"; continue; }
    t += "    {\n      struct wg_rtree W;\n      W.top = 0;\n      for (int64_t b = 0; b < " + num(nb) + "; b++) wg_rpush" + K + "(&W, (" + at + ")[b]);\n";
    t += "      " + ptr(x.out) + "[0] = wg_rresult" + K + "(&W);\n    }\n";
  }
  return t + "  } else\n  " + fn + "_r(mem, ext, rt, 0, " + num(g.n) + ", rt->scratch, 0);\n";
}

/** the pool's chunk c: elements [c·kStChunk, …) with a tile scratch of its own */
std::string pooledChunks(const std::string& fn, i64 n, i64 slots) {
  const i64 last = n / kStChunk - 1;
  return "struct " + fn + "_j {\n  double* mem;\n  double* const* ext;\n  const struct wg_rt* rt;\n  double* V;\n};\n" +
         "static void " + fn + "_k(void* jv, int64_t c) {\n  const struct " + fn + "_j* J = (const struct " + fn + "_j*)jv;\n" +
         "  double sc[" + num(std::max<i64>(1, slots * kFusedTile)) + "];\n  const int64_t e0 = c * " + num(kStChunk) + ", e1 = c == " + num(last) +
         " ? " + num(n) + " : e0 + " + num(kStChunk) + ";\n  " + fn + "_r(J->mem, J->ext, J->rt, e0, e1, sc, J->V);\n}\n";
}

}  // namespace

bool Emitter::stencil(int32_t si, const i64* p, int32_t* next) {
  Group g;
  if (!match(v, si, p, &g)) return false;
  const std::string fn = prefix + "st" + num(si);  // fused.cc names the chain's function so with hooks
  const i64 H = g.consumer >= 0 ? g.maxS - g.minS : 0;
  FusedHooks hk;
  hk.rowHome.assign(size_t(g.nouts), "");
  for (int r = 0; r < g.nouts; r++) {
    if (!g.absorbed[size_t(r)]) continue;
    hk.decls += "  double T" + num(r) + "[" + num(H + kFusedTile) + "];\n";
    hk.rowHome[size_t(r)] = "(T" + num(r) + " + " + num(H) + ")";
  }
  auto rowPtr = [&](int r) { return hk.rowHome[size_t(r)].empty() ? "(o + " + num(r) + " * n + t0)" : hk.rowHome[size_t(r)]; };
  std::string lanes, push, pushSums;  // the reductions' part of a tile: the lanes (general tiles), the block pushed
  const i64 nb = (g.n + kReduceBlock - 1) / kReduceBlock;  // a finished block b_: its value v_ to V (a chunk) or the tree
  const std::string blockEnd = "    if (((t0 + len) & " + num(kReduceBlock - 1) + ") == 0 || t0 + len == n) { const int64_t b_ = (t0 + len - 1) / " +
                               num(kReduceBlock) + "; (void)b_; const double v_ = ";
  for (size_t k = 0; k < g.reds.size(); k++) {
    const Red& x = g.reds[k];
    const std::string K = num(x.kind), a = "A" + num(i64(k)), t = "W" + num(i64(k));
    reductionHelpers(out, x.kind);
    if (x.sum >= 0) {  // the chain's sum: general tiles add to S[sum] (fused.cc), interior tiles its lanes
      pushSums += blockEnd + "wg_rblock0(S[" + num(x.sum) + "].lanes); if (V) V[" + num(x.sum * nb) + " + b_] = v_; else wg_sum_push(S + " + num(x.sum) + ", v_); }\n";
      continue;
    }
    hk.decls += "  double " + a + "[8];\n  for (int q = 0; q < 8; q++) " + a + "[q] = " + reductionIdentity(x.kind) + ";\n";
    hk.decls += "  struct wg_rtree " + t + ";\n  " + t + ".top = 0;\n";
    lanes += "    wg_rlanes" + K + "(" + a + ", " + rowPtr(x.row) + ", len);\n";
    push += blockEnd + "wg_rblock" + K + "(" + a + "); if (V) V[" + num(vOff(g, k) * nb) + " + b_] = v_; else wg_rpush" + K + "(&" + t + ", v_); }\n";
    hk.end += "  " + ptr(x.out) + "[0] = wg_rresult" + K + "(&" + t + ");\n";
  }
  hk.tile = lanes + push;
  if (g.consumer >= 0) {
    const std::string call = consumerFn(v, g, fn + "_c", H, out);
    const std::string m = num(consumerSize(v, g));
    hk.decls += "  int64_t J = e0 > 0 ? e0 - (" + num(g.maxS) + ") : 0;  /* the pad-fed row's next index */\n";
    hk.tile += "    {\n      int64_t J1 = t0 + len == n ? " + m + " : t0 + len - (" + num(g.maxS) + ");\n";
    hk.tile += "      if (J1 > " + m + ") J1 = " + m + ";\n";
    hk.tile += "      if (J1 > J) { " + call + "; J = J1; }\n    }\n";
    if (H > 0)
      for (int r = 0; r < g.nouts; r++)
        if (haloRow(g, r)) hk.tile += "    if (len >= " + num(H) + ") for (int q = 0; q < " + num(H) + "; q++) T" + num(r) + "[q] = T" + num(r) + "[len + q];\n";
  }
  if (g.consumer >= 0 && chainInline(v, p) && fastLoopSafe(p, g)) {
    std::string cond;
    const std::string call = fastFn(v, p, g, fn + "_i", H, hk.rowHome, out, &cond);
    hk.pre = "    if (" + cond + ") {\n      " + call + ";\n" + push + pushSums + "      J = t0 + len - (" + num(g.maxS) + ");\n      continue;\n    }\n";
  }
  const Chain ch(p, v.K, &hk.rowHome);
  const bool pool = poolable(v, g, ch.slots(), H, !hk.pre.empty());
  if (pool) hk.call = pooledCall(g, fn);
  fused(si, p, &hk);
  if (pool) out += pooledChunks(fn, ch.n, ch.slots());
  *next = g.last + 1;
  return true;
}

}  // namespace cg
}  // namespace wg
