// The row-blocked matrix–vector pass (DESIGN §8, W4): z = X·w, the fused chains over z's rows, and
// y = Xᵀ·g with g one of their results become one pass over X in blocks of kRowBlock rows, so
// each block of X is read from memory once and again from cache (L2):
//   for each block: z_b = X_b·w (the level's matmul: per row, the interpreter's dot product);
//                   the chains over the block's elements (fused.cc's <chain>_r, sums streamed);
//                   y += X_bᵀ·g_b (the level's gemvAcc: matmul's order for Aᵀ·x, rows in order)
// so every value keeps the interpreter's bits. The steps between the first and the last product
// that are not in the pass (0-d code, other chains) run after it; the pass is taken only when
// that changes nothing any step reads (ranges checked below), else the steps run as they are.
// With more than one thread (rt->threads) a large pass runs on the intra-op pool (pooledPass).
#include <algorithm>
#include <vector>
#include "emitter.h"

namespace wg {
namespace cg {

namespace {

constexpr i64 kRowBlock = 256;  // X's block stays in L2 between its two reads (100 columns: 200 KB)
static_assert(1024 % kRowBlock == 0 && kRowBlock % 8 == 0, "a block's tiles never straddle a sum block (fused_rt.h)");
constexpr i64 kMaxCols = 4096;             // y's accumulator lives on the stack
// with more than one thread: blocks of kParBlock rows (whole tiles) when X has ≥ kParValues values
constexpr i64 kParBlock = 1024, kParValues = i64(1) << 18;
static_assert(kParBlock % 512 == 0, "the threaded pass's blocks are whole tiles (WG_TILE)");

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

/**
 * The pass on the intra-op pool, a pipeline over blocks of kParBlock rows: step i runs, as chunks
 * of one rt->par call, the chains of block i−1 (one chunk: their sums stream in row order), z's
 * rows of block i (J->parts row ranges) and Xᵀg's update by block i−2 (strips of J->cols outputs).
 * Every z row is the same dot product and every y output the same updates in the same row order
 * as on one thread, so the bits do not depend on the chunks; the chunks of one step touch
 * disjoint rows or outputs, and each step's inputs were finished by an earlier step.
 */
std::string pooledPass(const Pass& P, const std::string& fn, const std::vector<std::string>& chainFns) {
  const std::string M = num(P.m), K = num(P.k), B = num(kParBlock);
  std::string t = "struct " + fn + "_j {\n  double* mem;\n  double* const* ext;\n  const struct wg_rt* rt;\n  double* acc;\n";
  for (size_t c = 0; c < chainFns.size(); c++) t += "  struct wg_sum* S" + num(i64(c)) + ";\n";
  t += "  int64_t i, nc, parts, rows, cols;\n};\n";
  t += "static void " + fn + "_c(void* jv, int64_t c) {\n  const struct " + fn + "_j* J = (const struct " + fn + "_j*)jv;\n";
  t += "  double* mem = J->mem;\n  double* const* ext = J->ext;\n  const struct wg_rt* rt = J->rt;\n  (void)mem; (void)ext;\n" + operands(P);
  t += "  if (c < J->nc) {  /* the chains of block i - 1 */\n    const int64_t r0 = (J->i - 1) * " + B + ", r1 = r0 + " + B + " < " + M +
       " ? r0 + " + B + " : " + M + ";\n";
  for (size_t c = 0; c < chainFns.size(); c++) t += "    " + chainFns[c] + "_r(mem, ext, rt, r0, r1, rt->scratch, J->S" + num(i64(c)) + ", 0);\n";
  t += "    return;\n  }\n  c -= J->nc;\n";
  t += "  if (c < J->parts) {  /* z's rows of block i */\n    if (J->i * " + B + " >= " + M + ") return;\n";
  t += "    const int64_t end = J->i * " + B + " + " + B + " < " + M + " ? J->i * " + B + " + " + B + " : " + M + ";\n";
  t += "    const int64_t r0 = J->i * " + B + " + c * J->rows, rows = end - r0 < J->rows ? end - r0 : J->rows;\n";
  t += "    if (rows > 0) rt->matmul(X + r0 * " + K + ", " + K + ", 1, w, 1, 1, z + r0, rows, " + K + ", 1, 0, 0);\n    return;\n  }\n";
  t += "  c -= J->parts;\n  {  /* outputs [c0, c0 + cols) of y += X_bᵀ·g_b, b = i - 2 */\n";
  t += "    const int64_t r0 = (J->i - 2) * " + B + ", rb = " + M + " - r0 < " + B + " ? " + M + " - r0 : " + B + ";\n";
  t += "    const int64_t c0 = c * J->cols, cols = " + K + " - c0 < J->cols ? " + K + " - c0 : J->cols;\n";
  t += "    if (r0 >= 0 && cols > 0) rt->gemv_acc(X + r0 * " + K + " + c0, " + K + ", g + r0, 1, J->acc + c0, cols, rb);\n  }\n}\n";
  return t;
}

/** the statements running the pooled pass (acc and the chains' sum states S<j> declared before) */
std::string pooledSteps(const Pass& P, const std::string& fn, const std::vector<int32_t>& chains) {
  const i64 nb = (P.m + kParBlock - 1) / kParBlock;
  std::string t = "    struct " + fn + "_j J;\n    J.mem = mem; J.ext = ext; J.rt = rt; J.acc = acc;\n";
  for (size_t c = 0; c < chains.size(); c++) t += "    J.S" + num(i64(c)) + " = S" + num(chains[c]) + ";\n";
  t += "    J.parts = rt->threads;\n    J.rows = (" + num(kParBlock) + " + 8 * J.parts - 1) / (8 * J.parts) * 8;\n";
  t += "    J.cols = (" + num(P.k) + " + 8 * J.parts - 1) / (8 * J.parts) * 8;\n";
  t += "    const int64_t strips = (" + num(P.k) + " + J.cols - 1) / J.cols;\n";
  t += "    for (int64_t i = 0; i < " + num(nb + 2) + "; i++) {\n      J.i = i;\n      J.nc = i >= 1 && i <= " + num(nb) + ";\n";
  t += "      rt->par(" + fn + "_c, &J, J.nc + J.parts + (i >= 2 ? strips : 0));\n    }\n";
  return t;
}

}  // namespace

bool Emitter::matvecPass(int32_t si, std::vector<uint8_t>* absorbed) {
  Pass P;
  if (!findPass(v, si, &P)) return false;
  const std::string fn = prefix + "mv" + num(si);
  const bool pooled = P.m * P.k >= kParValues;
  std::string f = "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt) {\n" + operands(P);
  f += "  double acc[" + num(P.k) + "];\n  for (int64_t i = 0; i < " + num(P.k) + "; i++) acc[i] = 0;\n";
  std::string calls;
  std::vector<std::string> names;
  for (int32_t j : P.chains) {
    const i64* p = v.plan + v.steps[j].planOff;
    const std::string S = "S" + num(j), name = fusedFns(j, p);
    names.push_back(name);
    f += sumsBefore(p, S);
    calls += "    " + name + "_r(mem, ext, rt, r0, r0 + rb, rt->scratch, " + S + ", 0);\n";
  }
  if (pooled) {
    out += pooledPass(P, fn, names);
    f += "  if (rt->threads > 1) {\n" + pooledSteps(P, fn, P.chains) + "  } else\n";
  }
  f += "  for (int64_t r0 = 0; r0 < " + num(P.m) + "; r0 += " + num(kRowBlock) + ") {\n";
  f += "    const int64_t rb = " + num(P.m) + " - r0 < " + num(kRowBlock) + " ? " + num(P.m) + " - r0 : " + num(kRowBlock) + ";\n";
  f += "    rt->matmul(X + r0 * " + num(P.k) + ", " + num(P.k) + ", 1, w, 1, 1, z + r0, rb, " + num(P.k) + ", 1, 0, 0);\n";
  f += calls;
  f += "    rt->gemv_acc(X + r0 * " + num(P.k) + ", " + num(P.k) + ", g + r0, 1, acc, " + num(P.k) + ", rb);\n  }\n";
  for (int32_t j : P.chains) f += sumsAfter(v.plan + v.steps[j].planOff, "S" + num(j));
  f += "  for (int64_t i = 0; i < " + num(P.k) + "; i++) y[i] = acc[i];\n}\n";
  out += f;
  body += "  " + fn + "(mem, ext, rt);\n";
  (*absorbed)[size_t(P.last)] = 1;
  for (int32_t j : P.chains) (*absorbed)[size_t(j)] = 1;
  return true;
}

}  // namespace cg
}  // namespace wg
