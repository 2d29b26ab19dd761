// 0-d scans as C loops (emitter.h). Baseline ISA only.
#include <set>
#include "emitter.h"

namespace wg {
namespace cg {

namespace {

/** 0-d statements of a loop body generated as C locals (larger bodies keep the arena and chunk functions) */
constexpr i64 kLocalBody = 2000;

/** the arena offsets (not constants) a 0-d body reads or writes, its io locations included */
std::vector<i64> bodyValues(const ImageView& b) {
  std::set<i64> u;
  auto add = [&](i64 o) { if (o >= b.h->constEnd) u.insert(o); };
  for (int32_t s = 0; s < b.h->nsteps; s++) {
    if (b.steps[s].kind != K_SCALARS) continue;
    const i64* p = b.plan + b.steps[s].planOff;
    for (i64 i = p[0]; i < p[1]; i++) {
      const SOp& x = b.sops[i];
      add(x.o);
      add(x.a);
      if (x.op != SC_COPY && kOps[x.op].arity > 1) add(x.b);
      if (x.op != SC_COPY && kOps[x.op].arity > 2) add(x.c);
    }
  }
  for (int32_t k = 0; k < b.h->nin + b.h->nout; k++) add(k < b.h->nin ? b.io[k].aux : b.io[k].loc);
  return std::vector<i64>(u.begin(), u.end());
}

}  // namespace

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
  i64 count = 0;
  for (int32_t s = 0; s < h.nsteps; s++)
    if (b.steps[s].kind == K_SCALARS) count += b.plan[b.steps[s].planOff + 1] - b.plan[b.steps[s].planOff];
  // a body of moderate size: its values as C locals, so the compiler keeps them (and the carries) in registers
  B.locals = count <= kLocalBody;
  for (int32_t s = 0; s < h.nsteps; s++)
    if (b.steps[s].kind == K_SCALARS) B.scalars(s, b.plan + b.steps[s].planOff);
  out += helpers;
  statements += B.statements;
  const std::string fn = prefix + "loop" + num(si);
  std::string f = "static void " + fn + "(double* mem, double* const* ext) {\n  (void)ext;\n";
  f += "  double* restrict bm = mem + " + num(v.subs[p[9]].mem) + ";\n  double* out = " + ptr(p[1]) + ";\n";
  const std::vector<i64> used = B.locals ? bodyValues(b) : std::vector<i64>{};
  for (i64 o : used) f += "  double m" + num(o) + " = bm[" + num(o) + "];\n";
  auto m = [&](i64 o) { return B.locals ? "m" + num(o) : "bm[" + num(o) + "]"; };
  auto in = [&](int32_t k) { return ptr(p[12 + k]); };
  for (int32_t k = 0; k < nConst + nCarry; k++) f += "  " + m(b.io[k].aux) + " = " + in(k) + "[0];\n";
  for (int32_t x = nConst + nCarry; x < nIn; x++) f += "  const double* x" + num(x) + " = " + in(x) + ";\n";
  f += "  for (int64_t it = 0; it < " + num(length) + "; it++) {\n";
  f += "    const int64_t k = " + std::string(reverse ? num(length - 1) + " - it" : "it") + ";\n    (void)k;\n";
  for (int32_t x = nConst + nCarry; x < nIn; x++) f += "    " + m(b.io[x].aux) + " = x" + num(x) + "[k];\n";
  for (size_t at = B.body.find("(mem);"); at != std::string::npos; at = B.body.find("(mem);", at)) B.body.replace(at, 6, "(bm);");
  f += B.body;  // the body's statements (inline, or its chunk functions called with mem = bm)
  for (int32_t j = 0; j < h.nout; j++) f += "    const double o" + num(j) + " = " + m(b.io[h.nin + j].loc) + ";\n";
  for (int32_t j = 0; j < nCarry; j++) f += "    " + m(b.io[nConst + j].aux) + " = o" + num(j) + ";\n";
  for (int32_t y = 0; y < nY; y++)  // ys stacked after the carries: [length] each
    f += "    out[" + num(nCarry + i64(y) * length) + " + k] = o" + num(nCarry + y) + ";\n";
  f += "  }\n";
  for (int32_t j = 0; j < nCarry; j++) f += "  out[" + num(j) + "] = " + m(b.io[nConst + j].aux) + ";\n";
  for (i64 o : used) f += "  bm[" + num(o) + "] = m" + num(o) + ";\n";  // the body's memory as the interpreter leaves it
  out += f + "}\n";
  body += "  " + fn + "(mem, ext);\n";
  return true;
}

}  // namespace cg
}  // namespace wg
