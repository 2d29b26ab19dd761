// Stencils (emitter.h): a fused chain, the full reductions of its rows and an elementwise row fed
// by pads of its rows (W1's value and gradient: Σ of one row, pad(a) + pad(b) of two others) run
// as one loop over the chain's tiles. A row nothing else reads lives in a tile buffer with a halo
// of H values from the tile before (the pads' shifts), never in the arena. Values are the
// interpreter's: the chain's tile code is fused.cc's; a reduction keeps the canonical order of
// kernels/reduce.cc (blocks of 1024 values, value i in lane i mod 8, the lane tree, block values
// combined by the power-of-two tree); the pad-fed row is pads.cc's formula (0.0 outside a pad).
// Baseline ISA only.
#include <algorithm>
#include <map>
#include "../kernels/table.h"
#include "emitter.h"
#include "pads.h"

namespace wg {
namespace cg {

namespace {

static_assert(kReduceBlock % kFusedTile == 0, "a reduction block is whole tiles");
constexpr i64 kMaxHalo = 64;  // pads shifted further stay the interpreter's

struct Red { int32_t step; i64 out; int kind; int row; };

struct Group {
  i64 n = 0, base = 0;  // values per chain row, the first row's arena location
  int nouts = 0;
  std::vector<Red> reds;
  int32_t consumer = -1, last = -1;
  std::vector<Pad> pads;
  std::vector<int> padOf;            // consumer operand → pad, −1
  std::vector<int> padRow;           // pad → chain row
  std::vector<i64> shift;            // pad → chain index − consumer index
  std::vector<uint8_t> absorbed;     // chain row → kept in a tile buffer only
  i64 minS = 0, maxS = 0;
  int rowOf(i64 loc) const { return loc >= base && loc < base + nouts * n ? int((loc - base) / n) : -1; }
};

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
  if (g->base < 0 || g->n < 2) return false;
  int32_t j = si + 1;
  for (; j < v.h->nsteps && v.steps[j].kind == K_REDUCE; j++) {
    const i64* q = v.plan + v.steps[j].planOff;
    const int r = g->rowOf(q[1]);
    if (q[3] != 1 || q[4] != g->n || q[5] != 1 || r < 0 || q[1] != g->base + r * g->n) break;
    g->reds.push_back(Red{j, q[0], int(q[2]), r});
  }
  const bool row = matchConsumer(v, j, g);
  if (g->reds.empty() && !row) return false;
  g->last = row ? g->consumer : j - 1;
  absorb(v, g);
  return !hazards(v, p, *g);
}

const char* kCombine[R_COUNT] = {"a + x", "((x > a || x != x) ? x : a)", "((x < a || x != x) ? x : a)", "a * x"};
const char* kIdentity[R_COUNT] = {"-0.0", "-__builtin_inf()", "__builtin_inf()", "1.0"};

/** the canonical order's pieces for reduction kind k, once per source (kernels/reduce.cc) */
void reductionHelpers(std::string& out, int k) {
  const std::string K = num(k);
  if (out.find("wg_rlanes" + K + "(") != std::string::npos) return;
  if (out.find("struct wg_rtree {") == std::string::npos)
    out += "struct wg_rtree { double val[48]; int64_t size[48]; int top; };\n"
           "typedef double wg_v8 __attribute__((vector_size(64)));\n";
  std::string c = kCombine[k];
  out += "static inline double wg_rc" + K + "(double a, double x) { return " + c + "; }\n";
  // lanes: 8 values at a time as one vector (exact IEEE operations lane by lane), then the tail: value j in lane j mod 8
  std::string vc = k == R_SUM ? "a + x" : k == R_PROD ? "a * x" : "";
  out += "static void wg_rlanes" + K + "(double* restrict l, const double* restrict xs, int64_t len) {\n  int64_t j = 0;\n";
  if (!vc.empty())
    out += "  wg_v8 a;\n  __builtin_memcpy(&a, l, 64);\n  for (; j + 8 <= len; j += 8) { wg_v8 x; __builtin_memcpy(&x, xs + j, 64); a = " + vc +
           "; }\n  __builtin_memcpy(l, &a, 64);\n";
  out += "  for (; j < len; j++) l[j & 7] = wg_rc" + K + "(l[j & 7], xs[j]);\n}\n";
  const std::string f = "wg_rc" + K;
  out += "static inline double wg_rblock" + K + "(double* l) {\n  const double v = " + f + "(" + f + "(" + f + "(l[0], l[1]), " + f + "(l[2], l[3])), " + f +
         "(" + f + "(l[4], l[5]), " + f + "(l[6], l[7])));\n  for (int q = 0; q < 8; q++) l[q] = " + kIdentity[k] + ";\n  return v;\n}\n";
  out += "static void wg_rpush" + K + "(struct wg_rtree* t, double v) {\n  int64_t s = 1;\n"
         "  while (t->top > 0 && t->size[t->top - 1] == s) { v = " + f + "(t->val[--t->top], v); s <<= 1; }\n"
         "  t->val[t->top] = v;\n  t->size[t->top++] = s;\n}\n";
  out += "static double wg_rresult" + K + "(const struct wg_rtree* t) {\n  double acc = t->val[t->top - 1];\n"
         "  for (int q = t->top - 2; q >= 0; q--) acc = " + f + "(t->val[q], acc);\n  return acc;\n}\n";
}

/** the pad-fed row over [j0, j1) of the tile at t0, as a function (into out); its call returned */
std::string consumerFn(const ImageView& v, const Group& g, const std::string& fn, i64 H, std::string& out) {
  const Step& s = v.steps[g.consumer];
  const i64* p = v.plan + s.planOff;
  const int k = int(p[1]);
  const i64 m = p[3 + k];
  const i64* st = p + 4 + k;
  std::vector<i64> cut = {0, m};
  for (const Pad& d : g.pads) cut.insert(cut.end(), {d.dstOff, d.dstOff + d.len});
  std::sort(cut.begin(), cut.end());
  cut.erase(std::unique(cut.begin(), cut.end()), cut.end());
  bool inPlace = false;
  std::string sig, call = fn + "(J, J1, t0, " + ptr(p[0]);
  for (int i = 0; i < k; i++) {
    const int pk = g.padOf[size_t(i)];
    const std::string I = num(i);
    if (pk >= 0) {
      const int r = g.padRow[size_t(pk)];
      sig += ", const double* restrict P" + I;
      call += ", " + (g.absorbed[size_t(r)] ? "T" + num(r) : "(mem + " + num(g.base + r * g.n) + ")");
    } else if (st[i] == 0) {
      sig += ", const double c" + I;
      call += ", " + ptr(p[2 + i]) + "[0]";
    } else {
      inPlace = inPlace || p[2 + i] == p[0];
      sig += ", const double* A" + I;
      call += ", " + ptr(p[2 + i]);
    }
  }
  std::string f = "static void " + fn + "(int64_t j0, int64_t j1, int64_t t0, double* " + (inPlace ? "" : "restrict ") + "o" + sig + ") {\n  (void)t0;\n";
  for (size_t c = 0; c + 1 < cut.size(); c++) {
    const i64 lo = cut[c], hi = cut[c + 1];
    std::string args;
    for (int i = 0; i < k; i++) {
      const int pk = g.padOf[size_t(i)];
      std::string e = st[i] == 0 ? "c" + num(i) : "A" + num(i) + "[j]";
      if (pk >= 0) {
        const Pad& d = g.pads[size_t(pk)];
        const i64 sh = g.shift[size_t(pk)];
        const bool abs = g.absorbed[size_t(g.padRow[size_t(pk)])];
        e = !(lo >= d.dstOff && hi <= d.dstOff + d.len) ? "0.0" : abs ? "P" + num(i) + "[j - t0 + " + num(H + sh) + "]" : "P" + num(i) + "[j + " + num(sh) + "]";
      }
      args += (i ? ", " : "") + e;
    }
    f += "  {\n    const int64_t a = j0 > " + num(lo) + " ? j0 : " + num(lo) + ", b = j1 < " + num(hi) + " ? j1 : " + num(hi) + ";\n";
    f += "    for (int64_t j = a; j < b; j++) o[j] = wg_op_" + std::string(kOps[s.op].name) + "(" + args + ");\n  }\n";
  }
  out += f + "}\n";
  return call + ")";
}

i64 consumerSize(const ImageView& v, const Group& g);

/** the pads' rows kept in tile buffers: the rows a following general tile reads from its halo */
bool haloRow(const Group& g, int r) {
  return g.absorbed[size_t(r)] && std::find(g.padRow.begin(), g.padRow.end(), r) != g.padRow.end();
}

/**
 * An interior tile (every pad of the row inside its source) of a chain of inline ops as one loop:
 * the chain at each index, the reductions' values into their lanes, the rows later steps read stored, the pad-fed row
 * with each pad's row recomputed at its shift — the same statements on the same values, no
 * buffer between them — then the halo rows' last H values for a following general tile. Its
 * definition into out; its call returned; *cond: when a tile may take it.
 */
std::string fastFn(const ImageView& v, const i64* chain, const Group& g, const std::string& fn, i64 H,
                   const std::vector<std::string>& rowHome, std::string& out, std::string* cond) {
  const int nin = int(chain[2]), ncode = int(chain[4]);
  const i64* outs = chain + 5 + 2 * nin + 6 * ncode;
  const i64* cp = v.plan + v.steps[g.consumer].planOff;
  const int k = int(cp[1]);
  const i64* st = cp + 4 + k;
  const std::string base = "(t0 - (" + num(g.maxS) + "))";
  std::vector<uint8_t> used(size_t(nin), 0), u;
  auto at = [&](const std::vector<int>& regs, const ChainIndex& ix) {
    const std::string t = chainAt(v, chain, regs, ix, &u);
    for (int x = 0; x < nin; x++) used[size_t(x)] |= u[size_t(x)];
    return t;
  };
  std::vector<int> stored, regs0;  // rows written to memory: those later steps read
  for (int r = 0; r < g.nouts; r++)
    if (!g.absorbed[size_t(r)]) { stored.push_back(r); regs0.push_back(int(outs[r])); }
  for (const Red& x : g.reds) regs0.push_back(int(outs[x.row]));
  std::map<i64, std::vector<int>> shifted;  // d = maxS − shift → the pads' rows' registers
  for (size_t q = 0; q < g.pads.size(); q++) {
    const i64 d = g.maxS - g.shift[q];
    (d ? shifted[d] : regs0).push_back(int(outs[g.padRow[q]]));
  }
  std::string body = at(regs0, {"j", ""}), sig, call = fn + "(len";
  for (size_t q = 0; q < g.reds.size(); q++) {  // value j into lane l = j mod 8 (kernels/reduce.cc)
    const std::string a = "A" + num(i64(q)), K = num(g.reds[q].kind);
    body += "    " + a + "[l] = wg_rc" + K + "(" + a + "[l], " + chainValue(v, chain, int(outs[g.reds[q].row]), {"j", ""}) + ");\n";
    sig += ", double* restrict " + a;
    call += ", " + a;
  }
  for (int r : stored) {
    body += "    R" + num(r) + "[j] = " + chainValue(v, chain, int(outs[r]), {"j", ""}) + ";\n";
    sig += ", double* restrict R" + num(r);
    call += ", " + (rowHome[size_t(r)].empty() ? "(o + " + num(r) + " * n + t0)" : rowHome[size_t(r)]);
  }
  for (const auto& [d, regs] : shifted) body += at(regs, {"j - " + num(d), "_" + num(d)});
  std::string args;
  bool inPlace = false;
  for (int i = 0; i < k; i++) {
    const int pk = g.padOf[size_t(i)];
    const std::string I = num(i);
    std::string e;
    if (pk >= 0) {
      const i64 d = g.maxS - g.shift[size_t(pk)];
      e = chainValue(v, chain, int(outs[g.padRow[size_t(pk)]]), {"j - " + num(d), d ? "_" + num(d) : ""});
    } else if (st[i] == 0) {
      e = "c" + I; sig += ", const double c" + I; call += ", " + ptr(cp[2 + i]) + "[0]";
    } else {
      e = "A" + I + "[j]"; sig += ", const double* A" + I; call += ", " + ptr(cp[2 + i]) + " + " + base;
      inPlace = inPlace || cp[2 + i] == cp[0];
    }
    args += (i ? ", " : "") + e;
  }
  body += "    o[j] = wg_op_" + std::string(kOps[v.steps[g.consumer].op].name) + "(" + args + ");\n";
  sig += std::string(", double* ") + (inPlace ? "" : "restrict ") + "o";
  call += ", " + ptr(cp[0]) + " + " + base;
  std::string halo;
  std::vector<int> hregs;
  for (int r = 0; r < g.nouts; r++)
    if (H > 0 && haloRow(g, r)) hregs.push_back(int(outs[r]));
  if (!hregs.empty()) {
    halo = at(hregs, {"j", "_h"});
    for (int r = 0; r < g.nouts; r++)
      if (haloRow(g, r)) {
        halo += "    Hh" + num(r) + "[j - (len - " + num(H) + ")] = " + chainValue(v, chain, int(outs[r]), {"j", "_h"}) + ";\n";
        sig += ", double* restrict Hh" + num(r);
        call += ", T" + num(r);
      }
  }
  for (int x = 0; x < nin; x++) {
    if (!used[size_t(x)]) continue;
    const bool one = chain[5 + nin + x] != 0;
    sig += one ? ", const double x" + num(x) : ", const double* restrict I" + num(x);
    call += one ? ", in" + num(x) + "[0]" : ", in" + num(x) + " + t0";
  }
  // blocks of 8 (len is a whole tile): the inner loop over the lanes is the one vectorized
  std::string f = "static void " + fn + "(int64_t len" + sig + ") {\n  for (int64_t jb = 0; jb < len; jb += 8)\n  for (int64_t l = 0; l < 8; l++) {\n" +
                  "    const int64_t j = jb + l;\n" + body + "  }\n";
  if (!halo.empty()) f += "  if (len >= " + num(H) + ")\n  for (int64_t j = len - " + num(H) + "; j < len; j++) {\n" + halo + "  }\n";
  out += f + "}\n";
  i64 lo = 0, hi = consumerSize(v, g);
  for (const Pad& d : g.pads) { lo = std::max(lo, d.dstOff); hi = std::min(hi, d.dstOff + d.len); }
  *cond = "len == WG_TILE && t0 + len < n && J == " + base + " && " + base + " >= " + num(lo) + " && t0 + len - (" + num(g.maxS) + ") <= " + num(hi);
  return call + ")";
}

i64 consumerSize(const ImageView& v, const Group& g) {
  const i64* p = v.plan + v.steps[g.consumer].planOff;
  return p[3 + p[1]];
}

}  // namespace

bool Emitter::stencil(int32_t si, const i64* p, int32_t* next) {
  Group g;
  if (!match(v, si, p, &g)) return false;
  const std::string fn = prefix + "f" + num(si);
  const i64 H = g.consumer >= 0 ? g.maxS - g.minS : 0;
  FusedHooks hk;
  hk.rowHome.assign(size_t(g.nouts), "");
  for (int r = 0; r < g.nouts; r++) {
    if (!g.absorbed[size_t(r)]) continue;
    hk.decls += "  double T" + num(r) + "[" + num(H + kFusedTile) + "];\n";
    hk.rowHome[size_t(r)] = "(T" + num(r) + " + " + num(H) + ")";
  }
  auto rowPtr = [&](int r) { return hk.rowHome[size_t(r)].empty() ? "(o + " + num(r) + " * n + t0)" : hk.rowHome[size_t(r)]; };
  std::string lanes, push;  // the reductions' part of a tile: the lanes (generic path), the block pushed
  for (size_t k = 0; k < g.reds.size(); k++) {
    const Red& x = g.reds[k];
    const std::string K = num(x.kind), a = "A" + num(i64(k)), t = "W" + num(i64(k));
    reductionHelpers(out, x.kind);
    hk.decls += "  double " + a + "[8];\n  for (int q = 0; q < 8; q++) " + a + "[q] = " + kIdentity[x.kind] + ";\n";
    hk.decls += "  struct wg_rtree " + t + ";\n  " + t + ".top = 0;\n";
    lanes += "    wg_rlanes" + K + "(" + a + ", " + rowPtr(x.row) + ", len);\n";
    push += "    if (((t0 + len) & " + num(kReduceBlock - 1) + ") == 0 || t0 + len == n) wg_rpush" + K + "(&" + t + ", wg_rblock" + K + "(" + a + "));\n";
    hk.end += "  " + ptr(x.out) + "[0] = wg_rresult" + K + "(&" + t + ");\n";
  }
  hk.tile = lanes + push;
  if (g.consumer >= 0) {
    const std::string call = consumerFn(v, g, fn + "_c", H, out);
    const std::string m = num(consumerSize(v, g));
    hk.decls += "  int64_t J = 0;\n";
    hk.tile += "    {\n      int64_t J1 = t0 + len == n ? " + m + " : t0 + len - (" + num(g.maxS) + ");\n";
    hk.tile += "      if (J1 > " + m + ") J1 = " + m + ";\n";
    hk.tile += "      if (J1 > J) { " + call + "; J = J1; }\n    }\n";
    if (H > 0)
      for (int r = 0; r < g.nouts; r++)
        if (haloRow(g, r)) hk.tile += "    if (len >= " + num(H) + ") for (int q = 0; q < " + num(H) + "; q++) T" + num(r) + "[q] = T" + num(r) + "[len + q];\n";
  }
  if (g.consumer >= 0 && chainInline(v, p)) {
    std::string cond;
    const std::string call = fastFn(v, p, g, fn + "_i", H, hk.rowHome, out, &cond);
    hk.pre = "    if (" + cond + ") {\n      " + call + ";\n" + push + "      J = t0 + len - (" + num(g.maxS) + ");\n      continue;\n    }\n";
  }
  fused(si, p, &hk);
  *next = g.last + 1;
  return true;
}

}  // namespace cg
}  // namespace wg
