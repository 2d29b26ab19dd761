// SIMD level selection: detected once at load (__builtin_cpu_supports on x86-64; arm64 always has
// NEON), overridable with WENGERT_SIMD=scalar|sse|avx2|avx512 (x86-64) or scalar|neon (arm64).
// A level's table is only built on a CPU that runs it.
#pragma once
#include <string>
#include "kernels/table.h"

namespace wg {

// ids are stable (they are stored in images); the order among one arch's levels is capability
enum Level { L_SCALAR = 0, L_SSE = 1, L_AVX2 = 2, L_AVX512 = 3, L_NEON = 4, L_COUNT = 5 };

const char* levelName(int level);
/** highest level this CPU (and OS) supports */
int detectLevel();
/** whether this build has the level and this CPU runs it */
bool levelSupported(int level);
/** the table of a supported level, built on first use; nullptr when the CPU lacks it */
const KernelTable* kernelTable(int level);
/** the current level for new programs; reason explains an ignored WENGERT_SIMD */
int currentLevel();
bool setLevel(int level);
const std::string& levelReason();

}  // namespace wg
