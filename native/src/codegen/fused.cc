// Fused chains as generated C (emitter.h): tile by tile, runs of inline ops as loops over restrict
// pointers, vector kernels called on the tile. Baseline ISA only.
#include <algorithm>
#include <map>
#include <vector>
#include "chain.h"

namespace wg {
namespace cg {

namespace {

/** operand a of a kernel call: a tile pointer (or a scalar input's pointer, stride 0) */
std::string callSrc(const Chain& ch, int a) {
  if (ch.bcast(a)) return ch.bcExpr(a);
  return a < ch.nin ? (ch.scalar(a) ? "in" + num(a) : "(in" + num(a) + " + t0)") : ch.homeExpr(a);
}

/** code k, an op with a vector kernel of its own: the kernel called on the tile */
std::string vectorCall(const Chain& ch, int k) {
  const i64* c = ch.c(k);
  auto arg = [&](int j) {
    const int a = int(c[2 + j]);
    return callSrc(ch, a) + (c[1] == 1 ? "" : ch.scalar(a) ? ", 0" : ", 1");
  };
  static const char* table[] = {"", "unary", "binary", "ternary"};
  std::string args;
  for (int j = 0; j < c[1]; j++) args += arg(j) + ", ";
  return std::string("    rt->") + table[c[1]] + "[" + num(c[0]) + "](" + args + ch.homeExpr(ch.nin + k) + ", len);\n";
}

/** the segment starting at code k: one static function `name` (out) and its call (returned); *next: the code after it */
std::string segment(const Chain& ch, int k, const std::string& name, std::string& out, int* next) {
  const int nin = ch.nin, seg = ch.segOf[k];
  std::map<std::string, std::string> params;  // param name → argument expression
  std::map<std::string, bool> written;
  std::string loop;
  int q = k;
  for (; q < ch.ncode && ch.segOf[q] == seg; q++) {
    const i64* cq = ch.c(q);
    std::string args;
    for (int a = 0; a < cq[1]; a++) {
      const int x = int(cq[2 + a]);
      std::string e;
      if (ch.isConst(x)) e = ch.constant(x);
      else if (ch.scalar(x)) { e = "x" + num(x); params[e] = "in" + num(x) + "[0]"; }
      else if (ch.bcast(x)) { e = "B" + num(x) + "[j]"; params["B" + num(x)] = ch.bcExpr(x); }
      else if (x < nin) { e = "I" + num(x) + "[j]"; params["I" + num(x)] = "in" + num(x) + " + t0"; }
      else if (ch.segOf[x - nin] == seg) e = "r" + num(x);
      else { e = ch.home(x) + "[j]"; params[ch.home(x)] = ch.homeExpr(x); }
      args += (a ? ", " : "") + e;
    }
    const int rq = nin + q;
    loop += "    const double r" + num(rq) + " = wg_op_" + kOps[cq[0]].name + "(" + args + ");\n";
    if (ch.inMemory(rq)) { loop += "    " + ch.home(rq) + "[j] = r" + num(rq) + ";\n"; params[ch.home(rq)] = ch.homeExpr(rq); written[ch.home(rq)] = true; }
    for (int j = 0; j < ch.nouts; j++)
      if (ch.outs[j] == rq && ch.outOf[rq] != j) {
        loop += "    O" + num(j) + "[j] = r" + num(rq) + ";\n";
        params["O" + num(j)] = ch.row(j);
        written["O" + num(j)] = true;
      }
  }
  std::string sig, call;
  for (const auto& [pname, expr] : params) {
    const bool isScalar = pname[0] == 'x';
    sig += std::string(", ") + (isScalar ? "const double " : written.count(pname) ? "double* restrict " : "const double* restrict ") + pname;
    call += ", " + expr;
  }
  out += "static void " + name + "(int64_t len" + sig + ") {\n  for (int64_t j = 0; j < len; j++) {\n" + loop + "  }\n}\n";
  *next = q;
  return "    " + name + "(len" + call + ");\n";
}

/** output rows not written by a segment: inputs and calls' results listed again (the interpreter's copies) */
std::string outputCopies(const Chain& ch) {
  std::string t;
  for (int j = 0; j < ch.nouts; j++) {
    const int r = int(ch.outs[j]);
    if (r >= ch.nin && (ch.outOf[r] == j || !ch.vec[r - ch.nin])) continue;
    const bool bcast = ch.scalar(r);
    t += "    for (int64_t j = 0; j < len; j++) " + ch.row(j) + "[j] = " + callSrc(ch, r) + (bcast ? "[0]" : "[j]") + ";\n";
  }
  return t;
}

/** the sums of the registers code [k, q) computed, after them (their homes hold the tile) */
std::string sumCalls(const Chain& ch, int k, int q) {
  std::string t;
  for (int j = 0; j < ch.nsums; j++)
    if (ch.sums[j] >= ch.nin + k && ch.sums[j] < ch.nin + q) t += "    wg_sum_add(S + " + num(j) + ", " + ch.homeExpr(int(ch.sums[j])) + ", len, t0, n, V ? V + " + num(j * ch.blocks()) + " : 0);\n";
  return t;
}

/** per broadcast operand its strides (before the tile loop); the tile's gathers */
void chainState(const Chain& ch, std::string* head, std::string* tile) {
  std::string dims;
  for (int a = 0; a < ch.rank; a++) dims += (a ? ", " : "") + num(ch.dims[a]);
  for (int i = 0; i < ch.nin; i++) {
    if (!ch.bcast(i)) continue;
    const i64* q = ch.bcOf(i);
    std::string st;
    for (int a = 0; a < ch.rank; a++) st += (a ? ", " : "") + num(q[1 + a]);
    *head += "  static const int64_t T" + num(i) + "[] = {" + st + "};\n";
    *tile += "    wg_fill_bcast(in" + num(i) + ", D, T" + num(i) + ", " + num(ch.rank) + ", t0, len, " + ch.bcExpr(i) + ");\n";
  }
  if (tile->size()) *head += "  static const int64_t D[] = {" + dims + "};\n";
}

/** a chain's tile loop body, its sums added after the instructions computing them; *state: what precedes the loop */
std::string chainTile(const Chain& ch, const std::string& fn, std::string& out, std::string* state) {
  std::string tile;
  chainState(ch, state, &tile);
  for (int k = 0; k < ch.ncode;) {
    const int k0 = k;
    if (ch.vec[k]) { tile += vectorCall(ch, k); k++; }
    else tile += segment(ch, k, fn + "_" + num(ch.segOf[k]), out, &k);
    tile += sumCalls(ch, k0, k);
  }
  return tile + outputCopies(ch);
}

/** a chain function's locals: its output, size and inputs (mem, ext, rt, sc, S and V declared) */
std::string chainLocals(const Chain& ch, i64 o) {
  std::string t = "  (void)mem; (void)ext; (void)rt; (void)sc; (void)S; (void)V;\n  double* o = " + ptr(o) + "; (void)o;\n  const int64_t n = " + num(ch.n) + "; (void)n;\n";
  for (int i = 0; i < ch.nin; i++) t += "  const double* in" + num(i) + " = " + ptr(ch.inRef[i]) + ";\n";
  return t;
}

const char* const kTileLoop = "  for (int64_t t0 = e0; t0 < e1; t0 += WG_TILE) {\n    const int64_t len = e1 - t0 < WG_TILE ? e1 - t0 : WG_TILE;\n";

}  // namespace

std::string Emitter::fusedFns(int32_t si, const i64* p) {
  Chain ch(p, v.K, nullptr);
  ch.constEnd = v.h->constEnd;
  ch.consts = v.consts;
  const std::string fn = prefix + "f" + num(si);
  std::string state;
  const std::string tile = chainTile(ch, fn, out, &state);
  // fn_r: the elements [e0, e1) (e0 a multiple of WG_TILE), sc: the chunk's tile scratch, S: the sums'
  // states, V: null or where finished blocks' values go (kernels/fused_rt.h)
  out += "static void " + fn + "_r(double* mem, double* const* ext, const struct wg_rt* rt, int64_t e0, int64_t e1, double* sc, struct wg_sum* S, double* V) {\n" +
         chainLocals(ch, p[0]) + state + kTileLoop + tile + "  }\n}\n";
  // fn: a range of the elements (rt->range splits the chain into chunks of whole tiles and sum
  // blocks for the pool); its sums' blocks go to the scratch past the tile slots, combined after
  const std::string V = ch.nsums ? "rt->scratch + " + num(ch.slots() * kFusedTile) : "0";
  out += "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt, int64_t e0, int64_t e1, double* sc) {\n" +
         sumsBefore(p, "S") + "  " + fn + "_r(mem, ext, rt, e0, e1, sc, S, " + V + ");\n}\n";
  statements += ch.ncode;
  return fn;
}

std::string Emitter::sumsBefore(const i64* p, const std::string& S) const {
  const Chain ch(p, v.K, nullptr);
  std::string t = "  struct wg_sum " + S + "[" + num(ch.nsums ? ch.nsums : 1) + "];\n";
  for (int j = 0; j < ch.nsums; j++) t += "  wg_sum_init(" + S + " + " + num(j) + ");\n";
  return t;
}

std::string Emitter::sumsAfter(const i64* p, const std::string& S) const {
  const Chain ch(p, v.K, nullptr);
  std::string t;
  for (int j = 0; j < ch.nsums; j++) t += "  " + ptr(p[0]) + "[" + num(i64(ch.nouts) * ch.n + j) + "] = wg_sum_result(" + S + " + " + num(j) + ");\n";
  return t;
}

void Emitter::fused(int32_t si, const i64* p, const FusedHooks* hk) {
  Chain ch(p, v.K, hk ? &hk->rowHome : nullptr);
  if (hk) {  // a stencil: <fn>_r over [e0, e1) in order (its reductions and halo carry from tile to tile); V null: the
    // whole range, results stored at the end; else a chunk, its blocks' values to V (the caller combines them)
    ch.constEnd = v.h->constEnd;
    ch.consts = v.consts;
    const std::string fn = prefix + "st" + num(si);
    std::string state;
    const std::string tile = chainTile(ch, fn, out, &state);
    out += "static void " + fn + "_r(double* mem, double* const* ext, const struct wg_rt* rt, int64_t e0, int64_t e1, double* sc, double* V) {\n" +
           sumsBefore(p, "S") + chainLocals(ch, p[0]) + state + hk->decls + kTileLoop + hk->pre + tile + hk->tile + "  }\n  if (!V) {\n" + hk->end +
           sumsAfter(p, "S") + "  }\n}\n";
    body += hk->call.empty() ? "  " + fn + "_r(mem, ext, rt, 0, " + num(ch.n) + ", rt->scratch, 0);\n" : hk->call;
    statements += ch.ncode;
    return;
  }
  const std::string fn = fusedFns(si, p);
  body += "  rt->range(rt, " + fn + ", mem, ext, " + num(ch.n) + ", " + num(ch.n * (ch.ncode + ch.nouts)) + ", " + num(ch.slots() * kFusedTile) + ");\n";
  for (int j = 0; j < ch.nsums; j++)
    body += "  " + ptr(p[0]) + "[" + num(i64(ch.nouts) * ch.n + j) + "] = wg_sum_blocks(rt->scratch + " + num(ch.slots() * kFusedTile + j * ch.blocks()) + ", " + num(ch.n) + ");\n";
}

}  // namespace cg
}  // namespace wg
