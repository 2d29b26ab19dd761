// Pads read as index arithmetic (Halide's "compute at the consumer"): an elementwise row (K_BINARY,
// K_TERNARY over one axis) whose operands are pads made just before it reads each pad's source at
// the shifted index, zero outside — the pads are never materialized (W1's gradient: two pads and
// their sum). Values: the same op on the same values (a pad copies exactly and fills +0).
#pragma once
#include <string>
#include <vector>
#include "../image.h"

namespace wg {

/** a pad step over one axis: its output (zeroed, n values), source and placement */
struct Pad { int32_t step; i64 out, src, srcOff, dstOff, len; };

/** whether step j is a pad over one axis into n values; fills *d */
bool padAt(const ImageView& v, int32_t j, i64 n, Pad* d);

/** the first location each operand of step j reads (a plan location), for the "read elsewhere" checks */
void readStarts(const ImageView& v, int32_t j, std::vector<i64>* r);

/** the pads just before row si that its operands read (padOf: operand → pad, −1), checked (nothing
 * else reads their outputs; no source written before the row reads it); false when none may be fused */
bool findPads(const ImageView& v, int32_t si, std::vector<Pad>* pads, std::vector<int>* padOf);

struct PadFusion {
  std::vector<int32_t> pads;  // steps the consumer absorbs (they emit nothing)
  std::string helper;         // a static C function
  std::string call;           // its call, at the consumer's place
};

/** whether step si of the top-level program v absorbs the pad steps just before it; fills *f */
bool fusePads(const ImageView& v, int32_t si, const std::string& prefix, PadFusion* f);

}  // namespace wg
