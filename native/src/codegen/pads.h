// Pads read as index arithmetic (Halide's "compute at the consumer"): an elementwise row (K_BINARY,
// K_TERNARY over one axis) whose operands are pads made just before it reads each pad's source at
// the shifted index, zero outside — the pads are never materialized (W1's gradient: two pads and
// their sum). Values: the same op on the same values (a pad copies exactly and fills +0).
#pragma once
#include <string>
#include <vector>
#include "../image.h"

namespace wg {

struct PadFusion {
  std::vector<int32_t> pads;  // steps the consumer absorbs (they emit nothing)
  std::string helper;         // a static C function
  std::string call;           // its call, at the consumer's place
};

/** whether step si of the top-level program v absorbs the pad steps just before it; fills *f */
bool fusePads(const ImageView& v, int32_t si, const std::string& prefix, PadFusion* f);

}  // namespace wg
