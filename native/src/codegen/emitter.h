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

  /** the 0-d instructions [p[0], p[1]) as straight-line C (functions of kChunk statements) */
  void scalars(int32_t si, const i64* p);

  void step(int32_t si) { body += "  if (!rt->step(rt->ctx, " + num(si) + ")) return 1;\n"; }

  /** a fused chain, tile by tile (fused.cc) */
  void fused(int32_t si, const i64* p);
  /** emits the chain's functions: <name>_r over elements [lo, hi) with its sums' states, and <name>; returns <name> */
  std::string fusedFns(int32_t si, const i64* p);
  /** a chain's sum states declared and started / their results stored (S: the array's name) */
  std::string sumsBefore(const i64* p, const std::string& S) const;
  std::string sumsAfter(const i64* p, const std::string& S) const;
  /** a row-blocked matrix–vector pass starting at step si (matvec.cc); false: no such pass there */
  bool matvecPass(int32_t si, std::vector<uint8_t>* absorbed);
  /** a scan with a 0-d body as a C loop (loops.cc); false: not such a scan */
  bool scan(int32_t si, const i64* p);
};

}  // namespace cg
}  // namespace wg
