// The generator (emit.h). Baseline ISA only.
#include "emit.h"
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <map>
#include <vector>
#include "../../generated/prelude.h"
#include "rt.h"
#include "pads.h"

namespace wg {

static_assert(WG_TILE == kFusedTile, "rt.h WG_TILE must be the interpreter's kFusedTile");

namespace {

/** a double as C source: a hex-float literal, or its bits for NaN and infinities */
std::string lit(double x) {
  char buf[64];
  if (x != x || __builtin_isinf(x)) {
    uint64_t u;
    std::memcpy(&u, &x, 8);
    snprintf(buf, sizeof buf, "wg_bits(0x%016llxULL)", (unsigned long long)u);
  } else {
    snprintf(buf, sizeof buf, "%a", x);
  }
  return buf;
}

std::string num(i64 x) { return std::to_string(x); }

/** a plan location as a C pointer expression (detail::locate) */
std::string ptr(i64 loc) {
  if (loc >= 0) return "(mem + " + num(loc) + ")";
  const i64 x = -1 - loc;
  return "(ext[" + num(x & ((i64(1) << kExtBits) - 1)) + "] + " + num(x >> kExtBits) + ")";
}

struct Emitter {
  const ImageView& v;
  std::string prefix;  // of the helper functions' names (one per program: the top level, each body)
  std::string& out;    // helper functions (shared by the program and its bodies)
  std::string body;    // the program's function's statements
  i64 statements = 0;

  /** a 0-d operand: a constant's literal, or the arena value */
  std::string scalarAt(uint32_t off) const {
    return i64(off) < v.h->constEnd ? lit(v.consts[off]) : "mem[" + num(off) + "]";
  }

  void scalars(int32_t si, const i64* p) {
    for (i64 at = p[0], part = 0; at < p[1]; at += kChunk, part++) {
      const std::string name = prefix + "s" + num(si) + "_" + num(part);
      out += "static void " + name + "(double* restrict mem) {\n";
      for (i64 i = at; i < p[1] && i < at + kChunk; i++) {
        const SOp& s = v.sops[i];
        out += "  mem[" + num(s.o) + "] = ";
        if (s.op == SC_COPY) { out += scalarAt(s.a) + ";\n"; continue; }
        const int ar = kOps[s.op].arity;
        out += std::string("wg_op_") + kOps[s.op].name + "(" + scalarAt(s.a);
        if (ar > 1) out += ", " + scalarAt(s.b);
        if (ar > 2) out += ", " + scalarAt(s.c);
        out += ");\n";
      }
      out += "}\n";
      body += "  " + name + "(mem);\n";
    }
    statements += p[1] - p[0];
  }

  void step(int32_t si) { body += "  if (!rt->step(rt->ctx, " + num(si) + ")) return 1;\n"; }

  void fused(int32_t si, const i64* p);
  bool scan(int32_t si, const i64* p);
};

/**
 * A scan whose body is 0-d through and through (every input kept in the body's memory, every
 * output in it, only 0-d instructions: W3's RK4 step) as a C loop: the body's statements inline,
 * its carries in the body's memory across iterations (so in registers), xs read and ys written
 * where the interpreter's loop driver (exec_loops.cc scan) reads and writes them. The values are
 * the driver's: the same statements on the same values, only copies removed. false: not such a
 * scan (the interpreter runs it).
 */
bool Emitter::scan(int32_t si, const i64* p) {
  if (p[0] != LK_SCAN || p[9] < 0) return false;
  const ImageView b = subView(v, p[9]);
  const ImageHeader& h = *b.h;
  const int32_t nIn = int32_t(p[2]), nConst = int32_t(p[3]), nCarry = int32_t(p[4]);
  if (h.nin != nIn || h.nout < nCarry || h.pinned != nConst) return false;
  for (int32_t k = 0; k < h.nin + h.nout; k++) {
    const IoEntry& e = b.io[k];
    if (e.size != 1 || (k < h.nin ? e.aux < 0 : (e.aux != 0 || e.loc < 0))) return false;
  }
  for (int32_t s = 0; s < h.nsteps; s++)
    if (b.steps[s].kind != K_SCALARS && b.steps[s].kind != K_NOP) return false;
  const i64 length = p[6];
  const bool reverse = p[7] != 0;
  const int32_t nY = h.nout - nCarry;
  std::string helpers;
  Emitter B{b, prefix + "L" + num(si) + "_", helpers, "", 0};
  for (int32_t s = 0; s < h.nsteps; s++)
    if (b.steps[s].kind == K_SCALARS) B.scalars(s, b.plan + b.steps[s].planOff);
  out += helpers;
  statements += B.statements;
  const std::string fn = prefix + "loop" + num(si);
  std::string f = "static void " + fn + "(double* mem, double* const* ext) {\n  (void)ext;\n";
  f += "  double* restrict bm = mem + " + num(v.subs[p[9]].mem) + ";\n  double* out = " + ptr(p[1]) + ";\n";
  auto in = [&](int32_t k) { return ptr(p[12 + k]); };
  for (int32_t k = 0; k < nConst + nCarry; k++) f += "  bm[" + num(b.io[k].aux) + "] = " + in(k) + "[0];\n";
  for (int32_t x = nConst + nCarry; x < nIn; x++) f += "  const double* x" + num(x) + " = " + in(x) + ";\n";
  f += "  for (int64_t it = 0; it < " + num(length) + "; it++) {\n";
  f += "    const int64_t k = " + std::string(reverse ? num(length - 1) + " - it" : "it") + ";\n    (void)k;\n";
  for (int32_t x = nConst + nCarry; x < nIn; x++) f += "    bm[" + num(b.io[x].aux) + "] = x" + num(x) + "[k];\n";
  for (size_t at = B.body.find("(mem);"); at != std::string::npos; at = B.body.find("(mem);", at)) B.body.replace(at, 6, "(bm);");
  f += B.body;  // the body's statements (its chunk functions, called with mem = bm)
  for (int32_t j = 0; j < h.nout; j++) f += "    const double o" + num(j) + " = bm[" + num(b.io[h.nin + j].loc) + "];\n";
  for (int32_t j = 0; j < nCarry; j++) f += "    bm[" + num(b.io[nConst + j].aux) + "] = o" + num(j) + ";\n";
  for (int32_t y = 0; y < nY; y++)  // ys stacked after the carries: [length] each
    f += "    out[" + num(nCarry + i64(y) * length) + " + k] = o" + num(nCarry + y) + ";\n";
  f += "  }\n";
  for (int32_t j = 0; j < nCarry; j++) f += "  out[" + num(j) + "] = bm[" + num(b.io[nConst + j].aux) + "];\n";
  out += f + "}\n";
  body += "  " + fn + "(mem, ext);\n";
  return true;
}

/** one fused chain (plan: decode_ops.cc K_FUSED) */
struct Chain {
  i64 n;
  int nin, nouts, ncode;
  const i64 *inRef, *scalar, *code, *outs;
  std::vector<int> outOf;      // register → first output row holding it, or −1
  std::vector<uint8_t> vec;    // code k: a vector kernel call
  std::vector<int> segOf;      // code k: its segment (inline runs), −1 for a call
  const KernelTable* K;

  Chain(const i64* p, const KernelTable* k) : K(k) {
    n = p[1]; nin = int(p[2]); nouts = int(p[3]); ncode = int(p[4]);
    inRef = p + 5; scalar = inRef + nin; code = scalar + nin; outs = code + 6 * ncode;
    outOf.assign(size_t(nin + ncode), -1);
    for (int j = 0; j < nouts; j++)
      if (outs[j] >= nin && outOf[size_t(outs[j])] < 0) outOf[size_t(outs[j])] = j;
    vec.resize(size_t(ncode));
    segOf.resize(size_t(ncode));
    int seg = -1;
    bool open = false;
    for (int k = 0; k < ncode; k++) {
      vec[k] = K->vector[code[6 * k]];
      if (vec[k]) { segOf[k] = -1; open = false; continue; }
      if (!open) { seg++; open = true; }
      segOf[k] = seg;
    }
  }
  const i64* c(int k) const { return code + 6 * k; }
  /** the memory a code register lives in when it must: its output row, or its scratch slot */
  std::string home(int r) const {
    return outOf[r] >= 0 ? "O" + num(outOf[r]) : "S" + num(c(r - nin)[5]);
  }
  std::string homeExpr(int r) const {
    return outOf[r] >= 0 ? "(o + " + num(outOf[r]) + " * n + t0)" : "(sc + " + num(c(r - nin)[5] * kFusedTile) + ")";
  }
  /** whether code register r must be in memory: read by a call or another segment, or an output */
  bool inMemory(int r) const {
    const int k = r - nin;
    if (vec[k] || outOf[r] >= 0) return true;
    for (int q = k + 1; q < ncode; q++)
      for (int a = 0; a < c(q)[1]; a++)
        if (c(q)[2 + a] == r && (vec[q] || segOf[q] != segOf[k])) return true;
    return false;
  }
};

void Emitter::fused(int32_t si, const i64* p) {
  Chain ch(p, v.K);
  const int nin = ch.nin;
  const std::string fn = prefix + "f" + num(si);
  std::string tile;  // the tile loop's body in fn
  // segments: one static function each, restrict pointers for every distinct memory it touches
  int nseg = 0;
  for (int k = 0; k < ch.ncode; k++) nseg = ch.segOf[k] + 1 > nseg ? ch.segOf[k] + 1 : nseg;
  for (int k = 0; k < ch.ncode;) {
    const i64* c = ch.c(k);
    const int r = nin + k;
    if (ch.vec[k]) {
      auto src = [&](int a) { return a < nin ? (ch.scalar[a] ? "in" + num(a) : "(in" + num(a) + " + t0)") : ch.homeExpr(a); };
      auto st = [&](int a) { return a < nin && ch.scalar[a] ? "0" : "1"; };
      const std::string idx = num(c[0]);
      if (c[1] == 1) tile += "    rt->unary[" + idx + "](" + src(int(c[2])) + ", " + ch.homeExpr(r) + ", len);\n";
      else if (c[1] == 2) tile += "    rt->binary[" + idx + "](" + src(int(c[2])) + ", " + st(int(c[2])) + ", " + src(int(c[3])) + ", " + st(int(c[3])) + ", " + ch.homeExpr(r) + ", len);\n";
      else tile += "    rt->ternary[" + idx + "](" + src(int(c[2])) + ", " + st(int(c[2])) + ", " + src(int(c[3])) + ", " + st(int(c[3])) + ", " + src(int(c[4])) + ", " + st(int(c[4])) + ", " + ch.homeExpr(r) + ", len);\n";
      k++;
      continue;
    }
    const int seg = ch.segOf[k];
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
        if (x < nin && ch.scalar[x]) { e = "x" + num(x); params[e] = "in" + num(x) + "[0]"; }
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
          params["O" + num(j)] = "(o + " + num(j) + " * n + t0)";
          written["O" + num(j)] = true;
        }
    }
    const std::string sname = fn + "_" + num(seg);
    std::string sig, call;
    for (const auto& [name, expr] : params) {
      const bool isScalar = name[0] == 'x';
      sig += std::string(", ") + (isScalar ? "const double " : written.count(name) ? "double* restrict " : "const double* restrict ") + name;
      call += ", " + expr;
    }
    out += "static void " + sname + "(int64_t len" + sig + ") {\n  for (int64_t j = 0; j < len; j++) {\n" + loop + "  }\n}\n";
    tile += "    " + sname + "(len" + call + ");\n";
    k = q;
  }
  // output rows not written above: inputs and calls' results listed again (the interpreter's copies)
  for (int j = 0; j < ch.nouts; j++) {
    const int r = int(ch.outs[j]);
    if (r >= nin && (ch.outOf[r] == j || !ch.vec[r - nin])) continue;
    const std::string dst = "(o + " + num(j) + " * n + t0)";
    const std::string src = r < nin ? (ch.scalar[r] ? "in" + num(r) : "(in" + num(r) + " + t0)") : ch.homeExpr(r);
    const bool bcast = r < nin && ch.scalar[r];
    tile += "    for (int64_t j = 0; j < len; j++) " + dst + "[j] = " + src + (bcast ? "[0]" : "[j]") + ";\n";
  }
  std::string head = "static void " + fn + "(double* mem, double* const* ext, const struct wg_rt* rt) {\n";
  head += "  (void)mem; (void)ext; (void)rt;\n  double* o = " + ptr(p[0]) + ";\n  const int64_t n = " + num(ch.n) + ";\n";
  head += "  double* sc = rt->scratch; (void)sc;\n";
  for (int i = 0; i < nin; i++) head += "  const double* in" + num(i) + " = " + ptr(ch.inRef[i]) + ";\n";
  out += head + "  for (int64_t t0 = 0; t0 < n; t0 += WG_TILE) {\n    const int64_t len = n - t0 < WG_TILE ? n - t0 : WG_TILE;\n" + tile + "  }\n}\n";
  body += "  " + fn + "(mem, ext, rt);\n";
  statements += ch.ncode;
  (void)nseg;
}

}  // namespace

namespace {

/** 0-d statements of v and of every body in it */
i64 countScalars(const ImageView& v, i64* useful) {
  i64 n = 0;
  for (int32_t si = 0; si < v.h->nsteps; si++) {
    const Step& s = v.steps[si];
    if (s.kind == K_SCALARS) n += v.plan[s.planOff + 1] - v.plan[s.planOff];
    if (s.kind == K_SCALARS || s.kind == K_FUSED) (*useful)++;
  }
  for (i64 k = 0; k < v.h->nsubs; k++) n += countScalars(subView(v, k), useful);
  return n;
}

/** the statements of v's steps into E.body; false when a step needs the interpreter and `body` (a loop body: no callback) */
bool emitSteps(Emitter& E, bool body) {
  const ImageView& v = E.v;
  std::vector<uint8_t> absorbed(size_t(v.h->nsteps), 0);  // pads a later row reads in place (pads.h)
  for (int32_t si = 0; si < v.h->nsteps; si++) {
    const Step& s = v.steps[si];
    const i64* p = v.plan + s.planOff;
    if (absorbed[size_t(si)]) continue;
    PadFusion pf;
    if (!body && (s.kind == K_COPY || s.kind == K_BINARY || s.kind == K_TERNARY)) {
      // a run of pads: the row right after them may absorb them
      int32_t end = si;
      while (end < v.h->nsteps && v.steps[end].kind == K_COPY && v.steps[end].op == OP_pad) end++;
      if (end < v.h->nsteps && fusePads(v, end, E.prefix, &pf)) {
        for (int32_t j : pf.pads) absorbed[size_t(j)] = 1;
        if (absorbed[size_t(si)] || end == si) {
          for (int32_t j = si; j < end; j++)
            if (!absorbed[size_t(j)]) E.step(j);
          E.out += pf.helper;
          E.body += pf.call;
          E.statements++;
          si = end;
          continue;
        }
      }
    }
    switch (s.kind) {
      case K_SCALARS: E.scalars(si, p); break;
      case K_NOP: break;
      case K_FUSED: E.fused(si, p); break;
      case K_UNARY: E.body += "  rt->unary[" + num(s.op) + "](" + ptr(p[1]) + ", " + ptr(p[0]) + ", " + num(p[2]) + ");\n"; break;
      case K_LOOP:
        if (body) return false;
        if (!E.scan(si, p)) E.step(si);
        break;
      case K_BINARY: case K_TERNARY: case K_REDUCE: case K_MATMUL: case K_COPY: case K_GATHER: case K_SCATTER:
        if (body) return false;
        E.step(si);
        break;
    }
  }
  return true;
}

/**
 * Loop bodies made of generated steps only, pre-order: one function each (prefix b<i>_) and an
 * entry {its sub-image's offset from the root image, the function} in `table`
 */
void emitBodies(const ImageView& v, const char* root, std::string& out, std::string& table, int* count) {
  for (i64 k = 0; k < v.h->nsubs; k++) {
    const ImageView b = subView(v, k);
    const std::string name = "b" + num(*count) + "_";
    (*count)++;
    std::string helpers;
    Emitter E{b, name, helpers, "", 0};
    if (emitSteps(E, true)) {
      out += helpers;
      out += "static int " + name + "run(double* mem, double* const* ext, const struct wg_rt* rt) {\n  (void)mem; (void)ext; (void)rt;\n" + E.body + "  return 0;\n}\n";
      table += "  {" + num(b.base - root) + ", " + name + "run},\n";
    }
    emitBodies(b, root, out, table, count);
  }
}

}  // namespace

std::string emitProgram(const ImageView& v, std::string* reason) {
  i64 useful = 0;
  const i64 sops = countScalars(v, &useful);
  if (!useful) { *reason = "nothing to compile: the program has no 0-d instructions or fused chains"; return ""; }
  if (sops > kMaxStatements) {
    *reason = "the program has " + num(sops) + " 0-d instructions, more than the compiled tier's " + num(kMaxStatements) + " (it stays on the interpreter)";
    return "";
  }
  std::string out, table;
  Emitter E{v, "p_", out, "", 0};
  emitSteps(E, false);
  int count = 0;
  emitBodies(v, v.base, out, table, &count);
  const size_t nb = size_t(std::count(table.begin(), table.end(), '\n'));
  std::string src = "/* wengert compiled tier: generated by native/src/codegen/emit.cc (SIMD level " +
                    std::to_string(v.h->level) + ", code ABI " + std::to_string(WG_CODE_ABI) + ") */\n";
  src += kPrelude;
  src += "static inline double wg_bits(uint64_t u) { double d; __builtin_memcpy(&d, &u, 8); return d; }\n";
  src += out;
  src += "__attribute__((visibility(\"default\"))) const int32_t wg_code_abi = WG_CODE_ABI;\n";
  src += "__attribute__((visibility(\"default\"))) const int32_t wg_nbodies = " + num(i64(nb)) + ";\n";
  src += "__attribute__((visibility(\"default\"))) const struct wg_body wg_bodies[" + num(i64(nb ? nb : 1)) + "] = {\n" + (nb ? table : "  {0, 0},\n") + "};\n";
  src += "__attribute__((visibility(\"default\"))) int wg_program(double* mem, double* const* ext, const struct wg_rt* rt) {\n";
  src += "  (void)ext; (void)rt;\n" + E.body + "  return 0;\n}\n";
  return src;
}

}  // namespace wg
