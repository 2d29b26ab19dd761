// The executor's internal interface between the step loop (exec.cc) and loop steps (exec_loops.cc).
// Baseline ISA only.
#pragma once
#include "image.h"
#include "codegen/rt.h"

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

/** step si of v (what runSteps does for one step); false and err on a run-time error */
bool runStep(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, int32_t si, Error* err);

/** the 0-d instructions [s, e) over memory m (the tight scalar loop of K_SCALARS steps) */
void runScalarBlock(double* m, const SOp* s, const SOp* e);

/** one K_LOOP step of v (plan: decode_loops.cc); err->instr is the step's instruction */
bool runLoop(const ImageView& v, const ArenaView& A, double* mem, double* const* ext, const Step& s, const i64* p, Error* err);

// ---- elementwise steps, threaded in fixed chunks when large (exec_par.cc) ----

/** a K_FUSED step (plan p), tile by tile; outOf: A.row */
void runFused(const KernelTable* K, const ArenaView& A, double* mem, double* const* ext, const i64* p);
/** the tiles of fused step p covering elements [e0, e1) (e0 a multiple of kFusedTile) with these registers and scratch */
void fusedTiles(const KernelTable* K, const i64* p, double* mem, double* const* ext, const int32_t* outOf,
                const double** reg, i64* st, double* scratch, i64 e0, i64 e1);
/** a K_UNARY step */
void runUnary(const KernelTable* K, const Step& s, double* mem, double* const* ext, const i64* p);
/** a K_BINARY / K_TERNARY step */
void runElementwise(const KernelTable* K, const Step& s, double* mem, double* const* ext, const i64* p);
/** rows [r0, r1) of its innermost dimension of a K_BINARY / K_TERNARY step (a 1-d step: elements [r0, r1)) */
void elementwisePart(const KernelTable* K, const Step& s, const i64* p, double* mem, double* const* ext, i64 r0, i64 r1);
/** rt->range of the compiled tier: fn over [0, n) in the chunks above (codegen/rt.h) */
void runRange(const wg_rt* rt, wg_range_fn fn, double* mem, double* const* ext, int64_t n, int64_t work, int64_t scratch);
/** d[j·di] = s[j·si] (s null: 0) for j < n in chunks on the pool when n is large; false (nothing done) when not */
bool copySpan(double* d, const double* s, i64 n, i64 di, i64 si);

}  // namespace detail
}  // namespace wg
