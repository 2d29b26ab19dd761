// The row-blocked matrix–vector pass (DESIGN §8, W4): z = X·w, the fused chains over z's rows, and
// y = Xᵀ·g with g one of their results become one pass over X in blocks of kRowBlock rows, so
// each block of X is read from memory once and again from cache (L2):
//   for each block: z_b = X_b·w (the level's matmul: per row, the interpreter's dot product);
//                   the chains over the block's elements (fused.cc's <chain>_r, sums streamed);
//                   y += X_bᵀ·g_b (the level's gemvAcc: matmul's order for Aᵀ·x, rows in order)
// so every value keeps the interpreter's bits. The steps between the first and the last product
// that are not in the pass (0-d code, other chains) run after it; the pass is taken only when
// that changes nothing any step reads (ranges checked below), else the steps run as they are.
// With more than one thread (rt->threads) a large pass runs on the intra-op pool (pooledPass), its
// chains' sums then combined from their 1024-value blocks' values (the same tree as streamed).
#include <algorithm>
#include <vector>
#include "chain.h"

namespace wg {
namespace cg {

namespace {

constexpr i64 kRowBlock = 256;  // X's block stays in L2 between its two reads (100 columns: 200 KB)
static_assert(1024 % kRowBlock == 0 && kRowBlock % 8 == 0, "a block's tiles never straddle a sum block (fused_rt.h)");
constexpr i64 kMaxCols = 4096;             // y's accumulator lives on the stack
// with more than one thread (X ≥ kParValues values): sub-blocks of kSubBlock rows (whole sum blocks),
// V (the chains' sums' block values) and a chunk's tile scratch at most kMaxV doubles each on the stack
constexpr i64 kSubBlock = 1024, kParValues = i64(1) << 18, kMaxV = 16384;
static_assert(kSubBlock % kReduceBlock == 0, "a sub-block is whole sum blocks (fused_rt.h)");

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

/** the pass starting at step si, if its reordering is exact */
bool findPass(const ImageView& v, int32_t si, Pass* P) {
  const i64* p = v.plan + v.steps[si].planOff;
  if (v.steps[si].kind != K_MATMUL || p[3] != 1 || p[6] != 1 || p[7] || p[8] || p[5] > kMaxCols || p[4] < 4 * kRowBlock) return false;
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

/**
 * The pass on the intra-op pool, per block of kSubBlock·threads rows, in two pool jobs: (0) chunk c
 * computes z's rows of sub-block c (kSubBlock rows: whole sum blocks) and the chains over them,
 * each sum's block values to V (combined in block order after: the streaming sums' bits); (1)
 * strip c of y += X_bᵀ·g_b (J->cols outputs, rows in order), reading the block the first job just
 * brought into the cores' caches. Every z row is the same dot product and every y output the
 * same updates in the same row order as on one thread, so the bits do not depend on the chunks.
 */
std::string pooledPass(const Pass& P, const std::string& fn, const std::vector<PassChain>& ch) {
  const std::string M = num(P.m), K = num(P.k), B = num(kSubBlock);
  i64 slots = 1, nsums = 1;
  for (const PassChain& c : ch) { slots = std::max(slots, c.slots); nsums = std::max(nsums, c.nsums); }
  std::string t = "struct " + fn + "_j {\n  double* mem;\n  double* const* ext;\n  const struct wg_rt* rt;\n  double* acc;\n  double* V;\n";
  t += "  int64_t r0, r1, cols;\n};\n";
  t += "static void " + fn + "_z(void* jv, int64_t c) {  /* z's rows and the chains of sub-block c */\n";
  t += "  const struct " + fn + "_j* J = (const struct " + fn + "_j*)jv;\n  double* mem = J->mem;\n  double* const* ext = J->ext;\n";
  t += "  const struct wg_rt* rt = J->rt;\n  (void)mem; (void)ext;\n" + operands(P);
  t += "  const int64_t r0 = J->r0 + c * " + B + ", r1 = r0 + " + B + " < J->r1 ? r0 + " + B + " : J->r1;\n  if (r0 >= r1) return;\n";
  t += "  rt->matmul(X + r0 * " + K + ", " + K + ", 1, w, 1, 1, z + r0, r1 - r0, " + K + ", 1, 0, 0);\n";
  t += "  double sc[" + num(slots * kFusedTile) + "];\n  struct wg_sum S[" + num(nsums) + "];\n";
  for (const PassChain& c : ch) {
    if (c.nsums) t += "  for (int q = 0; q < " + num(c.nsums) + "; q++) wg_sum_init(S + q);\n";
    t += "  " + c.fn + "_r(mem, ext, rt, r0, r1, sc, S, " + (c.nsums ? "J->V + " + num(c.at) : "0") + ");\n";
  }
  t += "}\nstatic void " + fn + "_y(void* jv, int64_t c) {  /* outputs [c0, c0 + cols) of y += X_bᵀ·g_b */\n";
  t += "  const struct " + fn + "_j* J = (const struct " + fn + "_j*)jv;\n  double* mem = J->mem;\n  double* const* ext = J->ext;\n  (void)mem; (void)ext;\n" + operands(P);
  t += "  const int64_t c0 = c * J->cols, cols = " + K + " - c0 < J->cols ? " + K + " - c0 : J->cols;\n";
  t += "  if (cols > 0) J->rt->gemv_acc(X + J->r0 * " + K + " + c0, " + K + ", g + J->r0, 1, J->acc + c0, cols, J->r1 - J->r0);\n}\n";
  return t;
}

/** the statements running the pooled pass (acc declared before), its chains' sums stored after */
std::string pooledSteps(const ImageView& v, const Pass& P, const std::string& fn, const std::vector<PassChain>& ch) {
  const i64 nb = (P.m + kReduceBlock - 1) / kReduceBlock;
  i64 nv = 1;
  for (const PassChain& c : ch) nv = std::max(nv, c.at + c.nsums * nb);
  std::string t = "    double V[" + num(nv) + "];\n    struct " + fn + "_j J;\n    J.mem = mem; J.ext = ext; J.rt = rt; J.acc = acc; J.V = V;\n";
  t += "    const int64_t parts = rt->threads, rows = parts * " + num(kSubBlock) + ";\n";
  t += "    J.cols = (" + num(P.k) + " + 8 * parts - 1) / (8 * parts) * 8;\n";
  t += "    const int64_t strips = (" + num(P.k) + " + J.cols - 1) / J.cols;\n";
  t += "    for (J.r0 = 0; J.r0 < " + num(P.m) + "; J.r0 += rows) {\n      J.r1 = J.r0 + rows < " + num(P.m) + " ? J.r0 + rows : " + num(P.m) + ";\n";
  t += "      rt->par(" + fn + "_z, &J, parts);\n      rt->par(" + fn + "_y, &J, strips);\n    }\n";
  for (size_t c = 0; c < ch.size(); c++) {
    const i64* p = v.plan + v.steps[P.chains[c]].planOff;
    for (i64 s = 0; s < ch[c].nsums; s++)
      t += "    " + ptr(p[0]) + "[" + num(p[3] * P.m + s) + "] = wg_sum_blocks(V + " + num(ch[c].at + s * nb) + ", " + num(P.m) + ");\n";
  }
  return t;
}

}  // namespace

bool Emitter::matvecPass(int32_t si, std::vector<uint8_t>* absorbed) {
  Pass P;
  if (!findPass(v, si, &P)) return false;
  const std::string fn = prefix + "mv" + num(si);
  const i64 nb = (P.m + kReduceBlock - 1) / kReduceBlock;
  std::string f = "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt) {\n" + operands(P);
  // acc on whole cache lines: the pool's strips of it (multiples of 8 outputs) never share one
  f += "  double acc[" + num(P.k) + "] __attribute__((aligned(64)));\n  for (int64_t i = 0; i < " + num(P.k) + "; i++) acc[i] = 0;\n";
  std::string calls, sums;
  std::vector<PassChain> ch;
  i64 at = 0;
  for (int32_t j : P.chains) {
    const i64* p = v.plan + v.steps[j].planOff;
    const std::string S = "S" + num(j), name = fusedFns(j, p);
    const Chain c(p, v.K, nullptr);
    ch.push_back({name, c.nsums, c.slots(), at});
    at += c.nsums * nb;
    sums += sumsBefore(p, S);
    calls += "    " + name + "_r(mem, ext, rt, r0, r0 + rb, rt->scratch, " + S + ", 0);\n";
  }
  const bool pooled = P.m * P.k >= kParValues && at <= kMaxV &&
                     std::all_of(ch.begin(), ch.end(), [](const PassChain& c) { return c.slots * kFusedTile <= kMaxV; });
  if (pooled) {
    out += pooledPass(P, fn, ch);
    f += "  if (rt->threads > 1) {\n" + pooledSteps(v, P, fn, ch) + "  } else {\n";
  } else {
    f += "  {\n";
  }
  f += sums + "  for (int64_t r0 = 0; r0 < " + num(P.m) + "; r0 += " + num(kRowBlock) + ") {\n";
  f += "    const int64_t rb = " + num(P.m) + " - r0 < " + num(kRowBlock) + " ? " + num(P.m) + " - r0 : " + num(kRowBlock) + ";\n";
  f += "    rt->matmul(X + r0 * " + num(P.k) + ", " + num(P.k) + ", 1, w, 1, 1, z + r0, rb, " + num(P.k) + ", 1, 0, 0);\n";
  f += calls;
  f += "    rt->gemv_acc(X + r0 * " + num(P.k) + ", " + num(P.k) + ", g + r0, 1, acc, " + num(P.k) + ", rb);\n  }\n";
  for (int32_t j : P.chains) f += sumsAfter(v.plan + v.steps[j].planOff, "S" + num(j));
  f += "  }\n  for (int64_t i = 0; i < " + num(P.k) + "; i++) y[i] = acc[i];\n}\n";
  out += f;
  body += "  " + fn + "(mem, ext, rt);\n";
  (*absorbed)[size_t(P.last)] = 1;
  for (int32_t j : P.chains) (*absorbed)[size_t(j)] = 1;
  return true;
}

}  // namespace cg
}  // namespace wg
