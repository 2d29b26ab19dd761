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
/** the encoding's first word; bump the version when the layout changes */
constexpr int32_t kMagic = 0x57474e31;  // "WGN1"
constexpr int32_t kVersion = 3;

/** Status codes returned to TS (src/backends/native/errors.ts mirrors them). */
enum Status : int32_t {
  S_OK = 0,
  S_FORMAT = 1,    // header, section lengths, truncated buffer, wrong typed-array type
  S_OP = 2,        // unknown op id or wrong arity
  S_OPERAND = 3,   // operand or output variable out of range / not yet defined / redefined
  S_SHAPE = 4,     // shapes that do not fit the op's shape rule
  S_ATTR = 5,      // attribute values out of range
  S_MEMORY = 6,    // buffer offsets out of bounds, illegal aliasing
  S_CONST = 7,     // constant payload of the wrong length
  S_ALLOC = 8,     // allocation failed
  S_ARGS = 9,      // run: wrong number, type or length of input/output arrays
  S_INDEX = 10,    // run: gather/scatter index not an integer in range
  S_BUSY = 11,     // run: program already running (re-entrancy)
  S_ITER = 12,     // run: a whileLoop did not end within its maxIterations
};

struct Error {
  Status status = S_OK;
  int32_t instr = -1;  // failing instruction index, -1 when not tied to one
  std::string message;
};

}  // namespace wg
