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
#include "emitter.h"

namespace wg {

static_assert(WG_TILE == kFusedTile, "rt.h WG_TILE must be the interpreter's kFusedTile");

namespace cg {

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

/** 0-d instruction i as `<o> = wg_op_<name>(…)` (the target written by the caller) */
static std::string statement(const Emitter& E, i64 i) {
  const SOp& s = E.v.sops[i];
  if (s.op == SC_COPY) return E.scalarAt(s.a) + ";\n";
  const int ar = kOps[s.op].arity;
  std::string t = std::string("wg_op_") + kOps[s.op].name + "(" + E.scalarAt(s.a);
  if (ar > 1) t += ", " + E.scalarAt(s.b);
  if (ar > 2) t += ", " + E.scalarAt(s.c);
  return t + ");\n";
}

void Emitter::scalars(int32_t si, const i64* p) {
  if (locals) {
    for (i64 i = p[0]; i < p[1]; i++) body += "    m" + num(v.sops[i].o) + " = " + statement(*this, i);
    statements += p[1] - p[0];
    return;
  }
  for (i64 at = p[0], part = 0; at < p[1]; at += kChunk, part++) {
    const std::string name = prefix + "s" + num(si) + "_" + num(part);
    out += "static void " + name + "(double* restrict mem) {\n";
    for (i64 i = at; i < p[1] && i < at + kChunk; i++) out += "  mem[" + num(v.sops[i].o) + "] = " + statement(*this, i);
    out += "}\n";
    body += "  " + name + "(mem);\n";
  }
  statements += p[1] - p[0];
}

}  // namespace cg

namespace {

using namespace cg;

/** unary rows at least this long run as interpreter steps (exec_par.cc threads them) */
constexpr i64 kThreadedRow = 1 << 14;

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

/**
 * Step si into E.body (with the pads a following row absorbs); the next step to emit, or −1 when
 * the step needs the interpreter and `body` (a loop body: no callback). `stencils`: a fused chain
 * may start a stencil.
 */
int32_t emitStep(Emitter& E, int32_t si, std::vector<uint8_t>& absorbed, bool body, bool stencils);

/**
 * A stencil at step si (stencil.cc), or false. With intra-op threads a large one runs in chunks of
 * whole sum blocks on the pool (stencil.cc pooledCall), else in one pass on the calling thread (the
 * steps it replaces, run by the interpreter's chunks on 2 threads, took 1.6× the one-thread
 * stencil's time on W1: they write and re-read the intermediate rows the stencil keeps in tiles).
 */
bool emitStencil(Emitter& E, int32_t si, std::vector<uint8_t>& absorbed, int32_t* next) {
  (void)absorbed;
  const std::string before = E.body;
  if (!E.stencil(si, E.v.plan + E.v.steps[si].planOff, next)) { E.body = before; return false; }
  return true;
}

int32_t emitStep(Emitter& E, int32_t si, std::vector<uint8_t>& absorbed, bool body, bool stencils) {
  const ImageView& v = E.v;
  const Step& s = v.steps[si];
  const i64* p = v.plan + s.planOff;
  if (absorbed[size_t(si)]) return si + 1;
  if (!body && s.kind == K_MATMUL && E.matvecPass(si, &absorbed)) return si + 1;  // matvec.cc
  int32_t next = 0;
  if (!body && stencils && s.kind == K_FUSED && emitStencil(E, si, absorbed, &next)) return next;  // stencil.cc
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
        return end + 1;
      }
    }
  }
  switch (s.kind) {
    case K_SCALARS: E.scalars(si, p); break;
    case K_NOP: break;
    case K_FUSED: E.fused(si, p); break;
    case K_UNARY:  // a long row through the interpreter's step, which splits it for the intra-op pool
      if (!body && p[2] >= kThreadedRow) E.step(si);
      else E.body += "  rt->unary[" + num(s.op) + "](" + ptr(p[1]) + ", " + ptr(p[0]) + ", " + num(p[2]) + ");\n";
      break;
    case K_LOOP:
      if (body) return -1;
      if (!E.scan(si, p)) E.step(si);
      break;
    case K_BINARY: case K_TERNARY: case K_REDUCE: case K_MATMUL: case K_COPY: case K_GATHER: case K_SCATTER:
    case K_EXTRA: case K_LINALG:
      if (body) return -1;
      E.step(si);
      break;
  }
  return si + 1;
}

/** the statements of v's steps into E.body; false when a step needs the interpreter and `body` (a loop body: no callback) */
bool emitSteps(Emitter& E, bool body) {
  std::vector<uint8_t> absorbed(size_t(E.v.h->nsteps), 0);  // pads a later row reads in place (pads.h)
  for (int32_t si = 0; si < E.v.h->nsteps;) {
    si = emitStep(E, si, absorbed, body, true);
    if (si < 0) return false;
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
