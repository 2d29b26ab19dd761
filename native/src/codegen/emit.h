// The generator: a program image (image.h) → C source for the compiled tier (DESIGN §5, issue 13).
// What it writes, per step of the top-level program:
//   0-d instructions  straight-line C, one statement per instruction, constants as hex-float
//                     literals (functions of at most kChunk statements, so the compiler stays linear)
//   fused chains      per tile of WG_TILE elements (the interpreter's tiles): runs of ops whose row
//                     kernel is their scalar formula become one loop over restrict pointers (the
//                     level's flags vectorize it); ops with a vector kernel of their own (math.cc)
//                     are calls of that kernel on the same tile — so every value is computed by the
//                     same formula or kernel, on the same elements, as the interpreter: the same bits
//   unary rows        a call of the level's kernel
//   anything else     the interpreter's own step (rt->step): reductions, matmul, copies, gathers, loops
// The source holds numbers and the names of the registry's ops only, never a user string.
#pragma once
#include <string>
#include "../image.h"

namespace wg {

/** 0-d statements per generated function */
constexpr i64 kChunk = 400;
/** programs with more 0-d statements stay on the interpreter (compile time and memory grow fast) */
constexpr i64 kMaxStatements = 20000;

/** the C source of v's compiled program, or "" and *reason (why it stays on the interpreter) */
std::string emitProgram(const ImageView& v, std::string* reason);

}  // namespace wg
