#include "dispatch.h"
#include <cstdlib>
#include <cstring>

namespace wg {

namespace {
KernelTable tables[L_COUNT];
bool built[L_COUNT];
int current = -1;
std::string reason;

void build(int level) {
  KernelTable* t = &tables[level];
  t->name = levelName(level);
  switch (level) {
    case L_SCALAR: scalar::fillElementwise(t); scalar::fillReduce(t); scalar::fillMatmul(t); break;
#if defined(__x86_64__)
    case L_SSE: sse::fillElementwise(t); sse::fillReduce(t); sse::fillMatmul(t); break;
    case L_AVX2: avx2::fillElementwise(t); avx2::fillReduce(t); avx2::fillMatmul(t); break;
    case L_AVX512: avx512::fillElementwise(t); avx512::fillReduce(t); avx512::fillMatmul(t); break;
#endif
    default: break;
  }
  built[level] = true;
}

void init() {
  if (current >= 0) return;
  current = detectLevel();
  const char* env = std::getenv("WENGERT_SIMD");
  if (env && *env) {
    int want = -1;
    for (int l = 0; l < L_COUNT; l++)
      if (std::strcmp(env, levelName(l)) == 0) want = l;
    if (want < 0) reason = std::string("WENGERT_SIMD=") + env + " is not one of scalar, sse, avx2, avx512; using " + levelName(current);
    else if (want > current) reason = std::string("WENGERT_SIMD=") + env + " is not supported by this CPU; using " + levelName(current);
    else current = want;
  }
}
}  // namespace

const char* levelName(int level) {
  static const char* names[L_COUNT] = {"scalar", "sse", "avx2", "avx512"};
  return level >= 0 && level < L_COUNT ? names[level] : "unknown";
}

int detectLevel() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("x86-64-v4")) return L_AVX512;
  if (__builtin_cpu_supports("x86-64-v3")) return L_AVX2;
  if (__builtin_cpu_supports("x86-64-v2")) return L_SSE;
#endif
  return L_SCALAR;
}

const KernelTable* kernelTable(int level) {
  if (level < 0 || level >= L_COUNT || level > detectLevel()) return nullptr;
  if (!built[level]) build(level);
  return &tables[level];
}

int currentLevel() { init(); return current; }

bool setLevel(int level) {
  init();
  if (!kernelTable(level)) return false;
  current = level;
  return true;
}

const std::string& levelReason() { init(); return reason; }

}  // namespace wg
