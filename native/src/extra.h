// Ops run by their own kernels outside the per-level tables (baseline ISA): argsort (stable sort
// of each row) and random (Threefry-2x32 draws). Plan layouts (K_EXTRA steps, Step::op says which):
//   argsort  outLoc xLoc rows n
//   random   outLoc keyLoc rows n dist      (dist 0 bits, 1 uniform, 2 normal)
#pragma once
#include "program.h"

namespace wg {
/** run one K_EXTRA step; false with err filled (S_INDEX: an invalid key) */
bool runExtra(const Step& s, const i64* p, double* mem, double* const* ext, Error* err);
}  // namespace wg
