// The executor's internal interface between the step loop (exec.cc) and loop steps (exec_loops.cc).
// Baseline ISA only.
#pragma once
#include "image.h"

namespace wg {
namespace detail {

/** where a plan's location lives: arena offset (≥ 0) or −1 − (buffer + offset·2^kExtBits) in the pointer table */
inline double* locate(double* mem, double* const* ext, i64 loc) {
  if (loc >= 0) return mem + loc;
  const i64 x = -1 - loc;
  return ext[x & ((i64(1) << kExtBits) - 1)] + (x >> kExtBits);
}

/**
 * Run every step of program v over its memory `mem` (arena values, then its loops' regions) with
 * pointer table `ext` (its inputs, then its outputs); scratch from A. false and err (the failing
 * instruction of v) on a run-time error. times: per-step seconds (WENGERT_PROFILE), or nullptr.
 */
bool runSteps(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, Error* err, double* times);

/** the 0-d instructions [s, e) over memory m (the tight scalar loop of K_SCALARS steps) */
void runScalarBlock(double* m, const SOp* s, const SOp* e);

/** one K_LOOP step of v (plan: decode_loops.cc); err->instr is the step's instruction */
bool runLoop(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, const Step& s, const i64* p, Error* err);

}  // namespace detail
}  // namespace wg
