// Types shared by the decoder, executor and N-API glue (compiled at the baseline ISA only).
#pragma once
#include <cstdint>
#include <cstddef>
#include <string>
#include "../generated/ops.h"

namespace wg {

using i64 = int64_t;

constexpr int kMaxRank = 16;
/** largest buffer (in doubles) a program may hold: offsets are int32 */
constexpr i64 kMaxElems = (i64(1) << 31) - 1;
/** loop bodies nest at most this deep (the top-level program is depth 0) */
constexpr int kMaxDepth = 16;
// kMagic, kVersion and the Status codes: generated/ops.h (from src/backends/native/format.ts)

struct Error {
  Status status = S_OK;
  int32_t instr = -1;  // failing instruction index, -1 when not tied to one
  std::string message;
};

}  // namespace wg
