#include "dispatch.h"
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace wg {

/** kernels/threaded.cc: the level's large kernels run in fixed chunks on the thread pool */
void threadKernels(KernelTable* t);

namespace {
// tables are built once per process on first use, from any thread (worker threads decode and
// run too): double-checked under a mutex, read lock-free afterwards
KernelTable tables[L_COUNT];
std::atomic<bool> built[L_COUNT];
std::mutex building;
std::once_flag initOnce;
int current = -1;
std::string reason;
#if defined(__aarch64__)
const char* const kLevelList = "scalar, neon";
#else
const char* const kLevelList = "scalar, sse, avx2, avx512";
#endif

void build(int level) {
  KernelTable* t = &tables[level];
  t->name = levelName(level);
  t->level = level;
  switch (level) {
    case L_SCALAR: scalar::fillElementwise(t); scalar::fillReduce(t); scalar::fillMatmul(t); scalar::fillLinalg(t); break;
#if defined(__x86_64__)
    case L_SSE: sse::fillElementwise(t); sse::fillReduce(t); sse::fillMatmul(t); sse::fillLinalg(t); break;
    case L_AVX2: avx2::fillElementwise(t); avx2::fillReduce(t); avx2::fillMatmul(t); avx2::fillLinalg(t); break;
    case L_AVX512: avx512::fillElementwise(t); avx512::fillReduce(t); avx512::fillMatmul(t); avx512::fillLinalg(t); break;
#endif
#if defined(__aarch64__)
    case L_NEON: neon::fillElementwise(t); neon::fillReduce(t); neon::fillMatmul(t); neon::fillLinalg(t); break;
#endif
    default: break;
  }
  threadKernels(t);
}

void init() {
  current = detectLevel();
  const char* env = std::getenv("WENGERT_SIMD");
  if (env && *env) {
    int want = -1;
    for (int l = 0; l < L_COUNT; l++)
      if (std::strcmp(env, levelName(l)) == 0) want = l;
    if (want < 0) reason = std::string("WENGERT_SIMD=") + env + " is not one of " + kLevelList + "; using " + levelName(current);
    else if (!levelSupported(want)) reason = std::string("WENGERT_SIMD=") + env + " is not supported by this CPU; using " + levelName(current);
    else current = want;
  }
}
}  // namespace

const char* levelName(int level) {
  static const char* names[L_COUNT] = {"scalar", "sse", "avx2", "avx512", "neon"};
  return level >= 0 && level < L_COUNT ? names[level] : "unknown";
}

int detectLevel() {
  static const int level = [] {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return int(L_AVX512);
    if (__builtin_cpu_supports("x86-64-v3")) return int(L_AVX2);
    if (__builtin_cpu_supports("x86-64-v2")) return int(L_SSE);
#elif defined(__aarch64__)
    return int(L_NEON);  // Advanced SIMD (float64x2) is part of the AArch64 base architecture
#endif
    return int(L_SCALAR);
  }();
  return level;
}

bool levelSupported(int level) {
  if (level == L_SCALAR) return true;
#if defined(__x86_64__)
  return level >= L_SSE && level <= L_AVX512 && level <= detectLevel();
#elif defined(__aarch64__)
  return level == L_NEON;
#else
  return false;
#endif
}

const KernelTable* kernelTable(int level) {
  if (level < 0 || level >= L_COUNT) return nullptr;
  if (built[level].load(std::memory_order_acquire)) return &tables[level];
  if (!levelSupported(level)) return nullptr;
  std::lock_guard<std::mutex> lock(building);
  if (!built[level].load(std::memory_order_relaxed)) {
    build(level);
    built[level].store(true, std::memory_order_release);
  }
  return &tables[level];
}

int currentLevel() { std::call_once(initOnce, init); return current; }

bool setLevel(int level) {
  std::call_once(initOnce, init);
  if (!kernelTable(level)) return false;
  current = level;
  return true;
}

const std::string& levelReason() { std::call_once(initOnce, init); return reason; }

}  // namespace wg
