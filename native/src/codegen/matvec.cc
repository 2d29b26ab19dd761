// The row-blocked matrix–vector pass (DESIGN §8, W4): z = X·w, the fused chains over z's rows, and
// y = Xᵀ·g with g one of their results become one pass over X in blocks of kRowBlock rows, so
// each block of X is read from memory once and again from cache (L2):
//   for each block: z_b = X_b·w (the level's matmul: per row, the interpreter's dot product);
//                   the chains over the block's elements (fused.cc's <chain>_r, sums streamed);
//                   y += X_bᵀ·g_b (the level's gemvAcc: matmul's order for Aᵀ·x, rows in order)
// so every value keeps the interpreter's bits. The steps between the first and the last product
// that are not in the pass (0-d code, other chains) run after it; the pass is taken only when
// that changes nothing any step reads (ranges checked below), else the steps run as they are.
// A pass over many rows (Xᵀ·g grouped: kernels/gemv_groups.h) runs by groups of G rows, one chunk
// of the intra-op pool each (rt->par; in order on one thread): z's rows, the chains and y's partial
// P_q from 0, in blocks of kRowBlock rows; y = ((P₀ + P₁) + …) after, as the interpreter's grouped
// Xᵀ·g; the chains' sums from their 1024-value blocks' values (the same tree as streamed).
#include <algorithm>
#include <vector>
#include "chain.h"
#include "../kernels/gemv_groups.h"

namespace wg {
namespace cg {

namespace {

constexpr i64 kRowBlock = 256;  // X's block stays in L2 between its two reads (100 columns: 200 KB)
static_assert(1024 % kRowBlock == 0 && kRowBlock % 8 == 0, "a block's tiles never straddle a sum block (fused_rt.h)");
constexpr i64 kMaxCols = 4096;             // y's accumulator lives on the stack
// grouped: V (the chains' sums' block values) and a chunk's tile scratch at most kMaxV doubles each on the stack
constexpr i64 kMaxV = 16384;
static_assert(kGemvGroup % kReduceBlock == 0 && kGemvGroup % kRowBlock == 0, "a group is whole sum blocks and row blocks");

struct Range { i64 at, len; };

/** a and b share a value (ext arrays: the same array; the arena: offsets) */
bool overlap(const Range& a, const Range& b) {
  if (a.len <= 0 || b.len <= 0 || (a.at < 0) != (b.at < 0)) return false;
  if (a.at >= 0) return a.at < b.at + b.len && b.at < a.at + a.len;
  const i64 x = -1 - a.at, y = -1 - b.at, mask = (i64(1) << kExtBits) - 1;
  if ((x & mask) != (y & mask)) return false;
  const i64 ox = x >> kExtBits, oy = y >> kExtBits;
  return ox < oy + b.len && oy < ox + a.len;
}

/** the ranges step j reads and writes; false: a step kind the pass does not move */
bool ranges(const ImageView& v, int32_t j, std::vector<Range>* rd, std::vector<Range>* wr) {
  const Step& s = v.steps[j];
  const i64* p = v.plan + s.planOff;
  if (s.kind == K_NOP) return true;
  if (s.kind == K_SCALARS) {
    for (i64 i = p[0]; i < p[1]; i++) {
      const SOp& o = v.sops[i];
      rd->insert(rd->end(), {{i64(o.a), 1}, {i64(o.b), 1}, {i64(o.c), 1}});
      wr->push_back({i64(o.o), 1});
    }
    return true;
  }
  if (s.kind != K_FUSED) return false;
  const i64 n = p[1], nin = p[2], nouts = p[3], ncode = p[4];
  const i64 *mode = p + 5 + nin, *outs = mode + nin + 6 * ncode, nsums = outs[nouts], rank = outs[nouts + 1 + nsums];
  const i64 *dims = outs + nouts + 2 + nsums, *bc = dims + rank;
  for (i64 i = 0; i < nin; i++) {
    i64 len = mode[i] == 0 ? n : 1;
    if (mode[i] == 2) {
      for (i64 a = 0; a < rank; a++) len += (dims[a] - 1) * bc[1 + a];
      bc += 1 + rank;
    }
    rd->push_back({p[5 + i], len});
  }
  wr->push_back({p[0], nouts * n + nsums});
  return true;
}

/** a chain of the pass: n == m, no broadcast operand (its rows are the pass's rows) */
bool rowChain(const ImageView& v, int32_t j, i64 m) {
  const Step& s = v.steps[j];
  const i64* p = v.plan + s.planOff;
  if (s.kind != K_FUSED || p[1] != m) return false;
  for (i64 i = 0; i < p[2]; i++) if (p[5 + p[2] + i] == 2) return false;
  return true;
}

struct Pass {
  int32_t first, last;           // the two products
  std::vector<int32_t> chains;   // in order
  i64 m, k, X, w, z, y, g;
};

/**
 * the pass starting at step si, if its reordering is exact. X has k ≥ 2 columns: with one, Xᵀ's
 * rows are contiguous and the interpreter's Xᵀ·g is a dot product (gemvRows: 8 lanes), not gemvAcc's
 * row-order sum
 */
bool findPass(const ImageView& v, int32_t si, Pass* P) {
  const i64* p = v.plan + v.steps[si].planOff;
  if (v.steps[si].kind != K_MATMUL || p[3] != 1 || p[6] != 1 || p[7] || p[8] || p[5] < 2 || p[5] > kMaxCols || p[4] < 4 * kRowBlock) return false;
  *P = Pass{si, -1, {}, p[4], p[5], p[1], p[2], p[0], 0, 0};
  for (int32_t j = si + 1; j < v.h->nsteps && P->last < 0; j++) {
    const Step& s = v.steps[j];
    const i64* q = v.plan + s.planOff;
    if (s.kind == K_MATMUL && q[1] == P->X && q[3] == 1 && q[4] == P->k && q[5] == P->m && q[6] == 1 && q[7] && !q[8]) {
      P->last = j; P->y = q[0]; P->g = q[2];
    } else if (s.kind != K_FUSED && s.kind != K_SCALARS && s.kind != K_NOP) {
      return false;
    }
  }
  if (P->last < 0) return false;
  // pass writes: z, the chains' outputs (pairwise apart, read by later chains only element by
  // element), y at the end. The other steps move after the pass: exact when none of them shares a
  // value with a pass step that came after it (read–write, write–read, write–write).
  struct Io { int32_t at; std::vector<Range> rd, wr; };
  std::vector<Io> pass{{si, {{P->X, P->m * P->k}, {P->w, P->k}}, {{P->z, P->m}}}}, moved;
  std::vector<Range> pw{{P->z, P->m}};
  bool gFound = false;
  for (int32_t j = si + 1; j < P->last; j++) {
    Io io{j, {}, {}};
    if (!ranges(v, j, &io.rd, &io.wr)) return false;
    const bool chain = rowChain(v, j, P->m) && std::any_of(io.rd.begin(), io.rd.end(), [&](const Range& r) {
      return std::any_of(pw.begin(), pw.end(), [&](const Range& w) { return r.at == w.at; });
    });
    if (!chain) { moved.push_back(io); continue; }
    for (const Range& r : io.rd) {  // pass values read element by element, or none
      const bool exact = std::any_of(pw.begin(), pw.end(), [&](const Range& w) { return w.at == r.at && w.len >= r.len; });
      if (!exact && std::any_of(pw.begin(), pw.end(), [&](const Range& w) { return overlap(w, r); })) return false;
    }
    for (const Range& w : io.wr) {
      if (std::any_of(pw.begin(), pw.end(), [&](const Range& x) { return overlap(w, x); })) return false;
      for (const Io& q : pass)  // nothing the pass reads in place
        if (std::any_of(q.rd.begin(), q.rd.end(), [&](const Range& r) { return overlap(w, r); })) return false;
    }
    const i64* q = v.plan + v.steps[j].planOff;
    for (i64 o = 0; o < q[3]; o++) gFound = gFound || q[0] + o * P->m == P->g;
    pw.insert(pw.end(), io.wr.begin(), io.wr.end());
    pass.push_back(io);
    P->chains.push_back(j);
  }
  if (!gFound) return false;
  pass.push_back({P->last, {{P->X, P->m * P->k}, {P->g, P->m}}, {{P->y, P->k}}});
  auto meets = [](const std::vector<Range>& a, const std::vector<Range>& b) {
    for (const Range& x : a)
      for (const Range& y : b) if (overlap(x, y)) return true;
    return false;
  };
  for (const Io& q : pass)
    for (const Io& mv : moved)
      if (q.at > mv.at && (meets(q.wr, mv.rd) || meets(q.wr, mv.wr) || meets(q.rd, mv.wr))) return false;
  return true;
}

/** the pass's operands as locals of a generated function (mem, ext in scope) */
std::string operands(const Pass& P) {
  return "  const double* X = " + ptr(P.X) + ";\n  const double* w = " + ptr(P.w) + ";\n  double* z = " + ptr(P.z) +
         ";\n  const double* g = " + ptr(P.g) + ";\n  double* y = " + ptr(P.y) + ";\n  (void)X; (void)w; (void)z; (void)g; (void)y;\n";
}

/** a chain of the pass: its function's name, sums, tile slots and where its sums' block values go in V */
struct PassChain { std::string fn; i64 nsums, slots, at; };

/** group q's chunk: rows [q·G, …) in blocks of kRowBlock, y's partial from 0 to P + q·Kp, sums' block values to V */
std::string groupChunk(const Pass& P, const std::string& fn, const std::vector<PassChain>& ch, i64 G, i64 Kp) {
  const std::string M = num(P.m), K = num(P.k), R = num(kRowBlock);
  i64 slots = 1;
  for (const PassChain& c : ch) slots = std::max(slots, c.slots);
  std::string t = "struct " + fn + "_j {\n  double* mem;\n  double* const* ext;\n  const struct wg_rt* rt;\n  double* P;\n  double* V;\n};\n";
  t += "static void " + fn + "_g(void* jv, int64_t q) {\n  const struct " + fn + "_j* J = (const struct " + fn + "_j*)jv;\n";
  t += "  double* mem = J->mem;\n  double* const* ext = J->ext;\n  const struct wg_rt* rt = J->rt;\n  (void)mem; (void)ext;\n" + operands(P);
  t += "  const int64_t g0 = q * " + num(G) + ", g1 = g0 + " + num(G) + " < " + M + " ? g0 + " + num(G) + " : " + M + ";\n";
  t += "  double* acc = J->P + q * " + num(Kp) + ";\n  for (int64_t i = 0; i < " + K + "; i++) acc[i] = 0;\n";
  t += "  double sc[" + num(slots * kFusedTile) + "];\n";
  for (size_t c = 0; c < ch.size(); c++) {
    t += "  struct wg_sum S" + num(i64(c)) + "[" + num(std::max<i64>(1, ch[c].nsums)) + "];\n";
    if (ch[c].nsums) t += "  for (int s = 0; s < " + num(ch[c].nsums) + "; s++) wg_sum_init(S" + num(i64(c)) + " + s);\n";
  }
  t += "  for (int64_t r0 = g0; r0 < g1; r0 += " + R + ") {\n    const int64_t rb = g1 - r0 < " + R + " ? g1 - r0 : " + R + ";\n";
  t += "    rt->matmul(X + r0 * " + K + ", " + K + ", 1, w, 1, 1, z + r0, rb, " + K + ", 1, 0, 0);\n";
  for (size_t c = 0; c < ch.size(); c++)
    t += "    " + ch[c].fn + "_r(mem, ext, rt, r0, r0 + rb, sc, S" + num(i64(c)) + ", " + (ch[c].nsums ? "J->V + " + num(ch[c].at) : "0") + ");\n";
  t += "    rt->gemv_acc(X + r0 * " + K + ", " + K + ", g + r0, 1, acc, " + K + ", rb);\n  }\n}\n";
  return t;
}

/** the grouped pass's statements: the groups on the pool, y = ((P₀ + P₁) + …), the chains' sums from V */
std::string groupedSteps(const ImageView& v, const Pass& P, const std::string& fn, const std::vector<PassChain>& ch, i64 G, i64 Kp) {
  const i64 nb = (P.m + kReduceBlock - 1) / kReduceBlock, groups = (P.m + G - 1) / G;
  i64 nv = 1;
  for (const PassChain& c : ch) nv = std::max(nv, c.at + c.nsums * nb);
  std::string t = "  double P_[" + num(groups * Kp) + "] __attribute__((aligned(64)));  /* partials on whole cache lines */\n";
  t += "  double V[" + num(nv) + "];\n  struct " + fn + "_j J;\n  J.mem = mem; J.ext = ext; J.rt = rt; J.P = P_; J.V = V;\n";
  t += "  rt->par(" + fn + "_g, &J, " + num(groups) + ");\n";
  t += "  for (int64_t i = 0; i < " + num(P.k) + "; i++) y[i] = P_[i];\n";
  t += "  for (int64_t q = 1; q < " + num(groups) + "; q++)\n    for (int64_t i = 0; i < " + num(P.k) + "; i++) y[i] += P_[q * " + num(Kp) + " + i];\n";
  for (size_t c = 0; c < ch.size(); c++) {
    const i64* p = v.plan + v.steps[P.chains[c]].planOff;
    for (i64 s = 0; s < ch[c].nsums; s++)
      t += "  " + ptr(p[0]) + "[" + num(p[3] * P.m + s) + "] = wg_sum_blocks(V + " + num(ch[c].at + s * nb) + ", " + num(P.m) + ");\n";
  }
  return t;
}

}  // namespace

bool Emitter::matvecPass(int32_t si, std::vector<uint8_t>* absorbed) {
  Pass P;
  if (!findPass(v, si, &P)) return false;
  const std::string fn = prefix + "mv" + num(si);
  const i64 nb = (P.m + kReduceBlock - 1) / kReduceBlock, G = gemvGroupTerms(P.k, P.m), Kp = (P.k + 7) / 8 * 8;
  i64 at = 0;
  for (int32_t j : P.chains) {  // grouped: V and the tile scratch on the stack (else the interpreter runs the steps)
    const Chain c(v.plan + v.steps[j].planOff, v.K, nullptr);
    if (G && c.slots() * kFusedTile > kMaxV) return false;
    at += c.nsums * nb;
  }
  if (G && at > kMaxV) return false;
  std::string f = "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt) {\n" + operands(P);
  std::string calls, sums;
  std::vector<PassChain> ch;
  at = 0;
  for (int32_t j : P.chains) {
    const i64* p = v.plan + v.steps[j].planOff;
    const std::string S = "S" + num(j), name = fusedFns(j, p);
    const Chain c(p, v.K, nullptr);
    ch.push_back({name, c.nsums, c.slots(), at});
    at += c.nsums * nb;
    sums += sumsBefore(p, S);
    calls += "    " + name + "_r(mem, ext, rt, r0, r0 + rb, rt->scratch, " + S + ", 0);\n";
  }
  if (G) {
    out += groupChunk(P, fn, ch, G, Kp);
    f += groupedSteps(v, P, fn, ch, G, Kp) + "}\n";
  } else {  // Xᵀ·g in row order: the level's gemvAcc block after block into acc
    f += "  double acc[" + num(P.k) + "];\n  for (int64_t i = 0; i < " + num(P.k) + "; i++) acc[i] = 0;\n";
    f += sums + "  for (int64_t r0 = 0; r0 < " + num(P.m) + "; r0 += " + num(kRowBlock) + ") {\n";
    f += "    const int64_t rb = " + num(P.m) + " - r0 < " + num(kRowBlock) + " ? " + num(P.m) + " - r0 : " + num(kRowBlock) + ";\n";
    f += "    rt->matmul(X + r0 * " + num(P.k) + ", " + num(P.k) + ", 1, w, 1, 1, z + r0, rb, " + num(P.k) + ", 1, 0, 0);\n";
    f += calls;
    f += "    rt->gemv_acc(X + r0 * " + num(P.k) + ", " + num(P.k) + ", g + r0, 1, acc, " + num(P.k) + ", rb);\n  }\n";
    for (int32_t j : P.chains) f += sumsAfter(v.plan + v.steps[j].planOff, "S" + num(j));
    f += "  for (int64_t i = 0; i < " + num(P.k) + "; i++) y[i] = acc[i];\n}\n";
  }
  out += f;
  body += "  " + fn + "(mem, ext, rt);\n";
  (*absorbed)[size_t(P.last)] = 1;
  for (int32_t j : P.chains) (*absorbed)[size_t(j)] = 1;
  return true;
}

}  // namespace cg
}  // namespace wg
