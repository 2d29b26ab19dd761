// dispatch.cc for clang builds (fuzzing): clang 14's __builtin_cpu_supports does not know the
// x86-64-vN level names GCC accepts, so they are spelled out as feature lists here and
// dispatch.cc is compiled unchanged through this file.
#if defined(__x86_64__)
static inline bool wgCpuLevel(const char* name) {
  const char v = name[7];  // "x86-64-vN"
  const bool v2 = __builtin_cpu_supports("sse4.2") && __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("ssse3");
  const bool v3 = v2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi2");
  const bool v4 = v3 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
  return v == '4' ? v4 : v == '3' ? v3 : v == '2' ? v2 : false;
}
#define __builtin_cpu_supports(name) wgCpuLevel(name)
#endif
#include "../src/dispatch.cc"
