// The generator's internals, shared by emit.cc (programs, 0-d code, bodies), fused.cc (fused
// chains), loops.cc (0-d scans) and pads.cc (pads read in place). Baseline ISA only.
#pragma once
#include <string>
#include <vector>
#include "../image.h"
#include "emit.h"

namespace wg {
namespace cg {

/** a double as C source: a hex-float literal, or its bits for NaN and infinities */
std::string lit(double x);
std::string num(i64 x);
/** a plan location as a C pointer expression (detail::locate) */
std::string ptr(i64 loc);

/** what a stencil (stencil.cc) adds to a fused chain's function */
struct FusedHooks {
  std::vector<std::string> rowHome;  // output row → its tile pointer expression ("" for the arena row)
  std::string decls;                 // before the tile loop
  std::string pre;                   // at the start of each tile (t0, len)
  std::string tile;                  // at the end of each tile (t0, len)
  std::string end;                   // after the tile loop (the whole range: V null)
  std::string call;                  // the program's statements running it ("": <fn>_r over [0, n) with V null)
};

/** where a chain's values are computed in a stencil's loop: the inputs' index expression, the registers' name suffix */
struct ChainIndex { std::string index, sfx; };

/** whether chain p (K_FUSED plan) has only inline ops (no vector kernel calls) */
bool chainInline(const ImageView& v, const i64* p);
/** whether chain p reads an operand broadcast to its shape */
bool chainBroadcasts(const i64* p);
/** the statements computing chain registers regs and what they read, `const double r<k><sfx> = wg_op_…(…);`,
 * inputs read as I<x>[index], one-value inputs as x<x> or the constant's literal; used: inputs read */
std::string chainAt(const ImageView& v, const i64* p, const std::vector<int>& regs, const ChainIndex& at, std::vector<uint8_t>* used);
/** register r of chain p as an expression at `at` */
std::string chainValue(const ImageView& v, const i64* p, int r, const ChainIndex& at);

struct Emitter {
  const ImageView& v;
  std::string prefix;  // of the helper functions' names (one per program: the top level, each body)
  std::string& out;    // helper functions (shared by the program and its bodies)
  std::string body;    // the program's function's statements
  i64 statements = 0;
  /** 0-d values as C locals m<offset> and statements inline in `body` (a 0-d loop body: loops.cc), not arena values */
  bool locals = false;

  /** a 0-d operand: a constant's literal, or the arena value (or its local) */
  std::string scalarAt(uint32_t off) const {
    return i64(off) < v.h->constEnd ? lit(v.consts[off]) : (locals ? "m" : "mem[") + num(off) + (locals ? "" : "]");
  }

  /** the 0-d instructions [p[0], p[1]) as straight-line C (functions of kChunk statements) */
  void scalars(int32_t si, const i64* p);

  void step(int32_t si) { body += "  if (!rt->step(rt->ctx, " + num(si) + ")) return 1;\n"; }

  /** a fused chain, tile by tile (fused.cc); hk: a stencil's additions (then one pass over [0, n), not in chunks) */
  void fused(int32_t si, const i64* p, const FusedHooks* hk = nullptr);
  /** emits the chain's functions: <name>_r over elements [lo, hi) with its sums' states, and <name>; returns <name> */
  std::string fusedFns(int32_t si, const i64* p);
  /** a chain's sum states declared and started / their results stored (S: the array's name) */
  std::string sumsBefore(const i64* p, const std::string& S) const;
  std::string sumsAfter(const i64* p, const std::string& S) const;
  /** a row-blocked matrix–vector pass starting at step si (matvec.cc); false: no such pass there */
  bool matvecPass(int32_t si, std::vector<uint8_t>* absorbed);
  /** the fused chain si with the reductions and the pad-fed row after it as one loop (stencil.cc); *next: the step after them */
  bool stencil(int32_t si, const i64* p, int32_t* next);
  /** a scan with a 0-d body as a C loop (loops.cc); false: not such a scan */
  bool scan(int32_t si, const i64* p);
};

}  // namespace cg
}  // namespace wg
