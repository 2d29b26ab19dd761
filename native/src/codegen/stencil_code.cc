// The loops of a stencil (stencil.h): the reductions' canonical order as C, the pad-fed row of a
// general tile, the interior tiles' loop. Baseline ISA only.
#include <algorithm>
#include <map>
#include "chain.h"
#include "stencil.h"

namespace wg {
namespace cg {

namespace {
const char* kIdentity[R_COUNT] = {"-0.0", "-__builtin_inf()", "__builtin_inf()", "1.0"};
}  // namespace

const char* reductionIdentity(int k) { return kIdentity[k]; }

/** kernels/reduce.cc's order as C */
void reductionHelpers(std::string& out, int k) {
  const std::string K = num(k);
  if (out.find("wg_rlanes" + K + "(") != std::string::npos) return;
  if (out.find("struct wg_rtree {") == std::string::npos)
    out += "struct wg_rtree { double val[48]; int64_t size[48]; int top; };\n";
  out += "static inline double wg_rc" + K + "(double a, double x) { return wg_rcombine(" + K + ", a, x); }\n";
  // lanes: 8 values at a time (+ and ·: wg_lanes_add/mul of kernels/fused_rt.h, under the NaN rule),
  // then the tail: value j in lane j mod 8
  const std::string lanes = k == R_SUM ? "wg_lanes_add" : k == R_PROD ? "wg_lanes_mul" : "";
  out += "static void wg_rlanes" + K + "(double* restrict l, const double* restrict xs, int64_t len) {\n  int64_t j = 0;\n";
  if (!lanes.empty()) out += "  j = len & ~(int64_t)7;\n  " + lanes + "(l, xs, j);\n";
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

bool chainInline(const ImageView& v, const i64* p) {
  const Chain ch(p, v.K, nullptr);
  for (int k = 0; k < ch.ncode; k++)
    if (ch.vec[k]) return false;
  return true;
}

bool chainBroadcasts(const i64* p) {
  const int nin = int(p[2]);
  for (int i = 0; i < nin; i++)
    if (p[5 + nin + i] == 2) return true;
  return false;
}

std::string chainAt(const ImageView& v, const i64* p, const std::vector<int>& regs, const ChainIndex& at, std::vector<uint8_t>* used) {
  Chain ch(p, v.K, nullptr);
  ch.constEnd = v.h->constEnd;
  ch.consts = v.consts;
  std::vector<uint8_t> need(size_t(ch.nin + ch.ncode), 0);
  for (int r : regs) need[size_t(r)] = 1;
  for (int k = ch.ncode - 1; k >= 0; k--)
    if (need[size_t(ch.nin + k)])
      for (int a = 0; a < ch.c(k)[1]; a++) need[size_t(ch.c(k)[2 + a])] = 1;
  used->resize(size_t(ch.nin), 0);
  for (int x = 0; x < ch.nin; x++)
    if (need[size_t(x)] && !ch.isConst(x)) (*used)[size_t(x)] = 1;
  std::string t;
  for (int k = 0; k < ch.ncode; k++) {
    if (!need[size_t(ch.nin + k)]) continue;
    std::string args;
    for (int a = 0; a < ch.c(k)[1]; a++) args += (a ? ", " : "") + chainValue(v, p, int(ch.c(k)[2 + a]), at);
    t += "    const double r" + num(ch.nin + k) + at.sfx + " = wg_op_" + kOps[ch.c(k)[0]].name + "(" + args + ");\n";
  }
  return t;
}

std::string chainValue(const ImageView& v, const i64* p, int r, const ChainIndex& at) {
  const int nin = int(p[2]);
  if (r >= nin) return "r" + num(r) + at.sfx;
  const i64 ref = p[5 + r];
  if (!p[5 + nin + r]) return "I" + num(r) + "[" + at.index + "]";
  return ref >= 0 && ref < v.h->constEnd && Chain::literal(v.consts[ref]) ? lit(v.consts[ref]) : "x" + num(r);
}

bool haloRow(const Group& g, int r) {
  return g.absorbed[size_t(r)] && std::find(g.padRow.begin(), g.padRow.end(), r) != g.padRow.end();
}

namespace {

/** the interior tiles' function being written: its parameters, the arguments of its call, its loop body */
struct FastLoop {
  const ImageView& v;
  const i64* chain;
  const Group& g;
  const i64* outs;
  std::string sig, call, body;
  std::vector<uint8_t> used;  // chain inputs read

  FastLoop(const ImageView& view, const i64* c, const Group& grp) : v(view), chain(c), g(grp) {
    outs = chain + 5 + 2 * chain[2] + 6 * chain[4];
    used.assign(size_t(chain[2]), 0);
  }
  void param(const std::string& decl, const std::string& arg) { sig += ", " + decl; call += ", " + arg; }
  /** the statements of registers regs at ix (chainAt), noting the inputs read */
  std::string at(const std::vector<int>& regs, const ChainIndex& ix) {
    std::vector<uint8_t> u;
    const std::string t = chainAt(v, chain, regs, ix, &u);
    for (size_t x = 0; x < used.size(); x++) used[x] |= u[x];
    return t;
  }
  std::string row(int r, const ChainIndex& ix) const { return chainValue(v, chain, int(outs[r]), ix); }
  /** the consumer's value at j: pads' rows recomputed at their shift (d = maxS − shift), its own operands */
  std::string consumer(const std::string& base) {
    const i64* cp = v.plan + v.steps[g.consumer].planOff;
    const int k = int(cp[1]);
    std::string args;
    bool inPlace = false;
    for (int i = 0; i < k; i++) {
      const int pk = g.padOf[size_t(i)];
      const std::string I = num(i);
      std::string e = "c" + I;
      if (pk >= 0) {
        const i64 d = g.maxS - g.shift[size_t(pk)];
        e = row(g.padRow[size_t(pk)], {"j - " + num(d), d ? "_" + num(d) : ""});
      } else if (cp[4 + k + i] == 0) {
        param("const double c" + I, ptr(cp[2 + i]) + "[0]");
      } else {
        e = "B" + I + "[j]";
        param("const double* B" + I, ptr(cp[2 + i]) + " + " + base);
        inPlace = inPlace || cp[2 + i] == cp[0];
      }
      args += (i ? ", " : "") + e;
    }
    param(std::string("double* ") + (inPlace ? "" : "restrict ") + "o", ptr(cp[0]) + " + " + base);
    return "    o[j] = wg_op_" + std::string(kOps[v.steps[g.consumer].op].name) + "(" + args + ");\n";
  }
  /** the last H values of the halo rows into their tile buffers' halo */
  std::string halo(i64 H) {
    std::vector<int> regs;
    for (int r = 0; r < g.nouts; r++)
      if (H > 0 && haloRow(g, r)) regs.push_back(int(outs[r]));
    if (regs.empty()) return "";
    std::string t = at(regs, {"j", "_h"});
    for (int r = 0; r < g.nouts; r++)
      if (H > 0 && haloRow(g, r)) {
        t += "    Hh" + num(r) + "[j - (len - " + num(H) + ")] = " + row(r, {"j", "_h"}) + ";\n";
        param("double* restrict Hh" + num(r), "T" + num(r));
      }
    return "  if (len >= " + num(H) + ")\n  for (int64_t j = len - " + num(H) + "; j < len; j++) {\n" + t + "  }\n";
  }
};

/**
 * The end of an interior tile's sums and products: the plain lanes Z kept when none is NaN, else
 * the tile's values again, 8 at a time, into the lanes L under the NaN rule (the blend of
 * fused_rt.h on 2-wide vectors) — only what the sums read is recomputed: the chain's inputs,
 * which no row of the tile writes (fastLoopSafe)
 */
struct NanRedo {
  std::string stmts, values, test, keep, lanes, decl;  // stmts: the statements computing the sums' values at j
  void add(const std::string& a, const std::string& z, const std::string& buf, const std::string& op, const std::string& val) {
    test += "  for (int q = 0; q < 8; q++) nan |= " + z + "[q] != " + z + "[q];\n";
    keep += "    for (int q = 0; q < 8; q++) " + a + "[q] = " + z + "[q];\n";
    decl += "    double " + buf + "[8];\n";
    values += "      " + buf + "[l] = " + val + ";\n";
    lanes += "    for (int q = 0; q < 4; q++) { wg_v2 a, x; __builtin_memcpy(&a, " + a + " + 2 * q, 16); __builtin_memcpy(&x, " + buf +
             " + 2 * q, 16); a = WG_NAN_RULE2(a, a" + op + "x); __builtin_memcpy(" + a + " + 2 * q, &a, 16); }\n";
  }
  std::string code() const {
    std::string t = "  int nan = 0;\n" + test + "  if (!nan) {\n" + keep + "    return;\n  }\n";
    t += "  for (int64_t jb = 0; jb < len; jb += 8) {\n" + decl + "    for (int64_t l = 0; l < 8; l++) {\n      const int64_t j = jb + l;\n";
    return t + stmts + values + "    }\n" + lanes + "  }\n";
  }
};

}  // namespace

/**
 * An interior tile (every pad of the row inside its source) of a chain of inline ops as one loop:
 * the chain at each index, the reductions' values into their lanes, the rows later steps read
 * stored, the pad-fed row with each pad's row recomputed at its shift — the same statements on the
 * same values, no buffer between them — then the halo rows' last H values for a following general
 * tile. Blocks of 8 (a whole tile): the inner loop, over the lanes, is the one vectorized. Sums and
 * products go into local lanes Z by plain + and · (one register); when a lane ends NaN (a NaN is
 * sticky: otherwise no operation met one, and the plain bits are the rule's) the tile's values are
 * added again to the lanes L under the NaN rule (nanRedo), as wg_lanes_add does.
 */
std::string fastFn(const ImageView& v, const i64* chain, const Group& g, const std::string& fn, i64 H,
                   const std::vector<std::string>& rowHome, std::string& out, std::string* cond) {
  FastLoop F(v, chain, g);
  F.call = fn + "(len";
  const std::string base = "(t0 - (" + num(g.maxS) + "))";
  std::vector<int> stored, regs0, sums;  // rows written to memory: those later steps read; the sums' and products' registers
  for (int r = 0; r < g.nouts; r++)
    if (!g.absorbed[size_t(r)]) { stored.push_back(r); regs0.push_back(int(F.outs[r])); }
  for (const Red& x : g.reds) {
    regs0.push_back(x.reg);
    if (x.kind == R_SUM || x.kind == R_PROD) sums.push_back(x.reg);
  }
  std::map<i64, std::vector<int>> shifted;  // d = maxS − shift → the pads' rows' registers
  for (size_t q = 0; q < g.pads.size(); q++) {
    const i64 d = g.maxS - g.shift[q];
    (d ? shifted[d] : regs0).push_back(int(F.outs[g.padRow[q]]));
  }
  std::string body = F.at(regs0, {"j", ""}), pre;
  NanRedo redo;
  redo.stmts = F.at(sums, {"j", ""});
  for (size_t q = 0; q < g.reds.size(); q++) {  // value j into lane l = j mod 8 (kernels/reduce.cc)
    const std::string a = "L" + num(i64(q));
    const Red& x = g.reds[q];
    const std::string val = chainValue(v, chain, x.reg, {"j", ""});
    if (x.kind == R_SUM || x.kind == R_PROD) {
      const std::string z = "Z" + num(i64(q)), op = x.kind == R_SUM ? " + " : " * ";
      pre += "  double " + z + "[8];\n  for (int q = 0; q < 8; q++) " + z + "[q] = " + a + "[q];\n";
      body += "    " + z + "[l] = " + z + "[l]" + op + val + ";\n";
      redo.add(a, z, "V" + num(i64(q)), op, val);
    } else {
      body += "    " + a + "[l] = wg_rc" + num(x.kind) + "(" + a + "[l], " + val + ");\n";
    }
    F.param("double* restrict " + a, x.sum >= 0 ? "S[" + num(x.sum) + "].lanes" : "A" + num(i64(q)));
  }
  for (int r : stored) {
    body += "    R" + num(r) + "[j] = " + F.row(r, {"j", ""}) + ";\n";
    F.param("double* restrict R" + num(r), rowHome[size_t(r)].empty() ? "(o + " + num(r) + " * n + t0)" : rowHome[size_t(r)]);
  }
  for (const auto& [d, regs] : shifted) body += F.at(regs, {"j - " + num(d), "_" + num(d)});
  body += F.consumer(base);
  const std::string halo = F.halo(H);
  const int nin = int(chain[2]);
  for (int x = 0; x < nin; x++)
    if (F.used[size_t(x)]) F.param(chain[5 + nin + x] ? "const double x" + num(x) : "const double* restrict I" + num(x), "in" + num(x) + (chain[5 + nin + x] ? "[0]" : " + t0"));
  out += "static void " + fn + "(int64_t len" + F.sig + ") {\n" + pre + "  for (int64_t jb = 0; jb < len; jb += 8)\n  for (int64_t l = 0; l < 8; l++) {\n" +
         "    const int64_t j = jb + l;\n" + body + "  }\n" + halo + (sums.empty() ? "" : redo.code()) + "}\n";
  i64 lo = 0, hi = consumerSize(v, g);
  for (const Pad& d : g.pads) { lo = std::max(lo, d.dstOff); hi = std::min(hi, d.dstOff + d.len); }
  *cond = "len == WG_TILE && t0 + len < n && J == " + base + " && " + base + " >= " + num(lo) + " && t0 + len - (" + num(g.maxS) + ") <= " + num(hi);
  return F.call + ")";
}

i64 consumerSize(const ImageView& v, const Group& g) {
  const i64* p = v.plan + v.steps[g.consumer].planOff;
  return p[3 + p[1]];
}

}  // namespace cg
}  // namespace wg
