// A minimal test harness for the C++ unit tests (no dependencies): CHECK records a failure and
// goes on; main() prints "N passed, N failed" and exits non-zero on any failure.
#pragma once
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <cmath>

namespace wgt {

struct Counts { long passed = 0, failed = 0; };
inline Counts& counts() { static Counts c; return c; }

inline bool check(bool ok, const char* file, int line, const char* what) {
  if (ok) { counts().passed++; return true; }
  counts().failed++;
  if (counts().failed <= 50) std::fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
  return false;
}

/** distance in units in the last place (0 for equal values, NaN = NaN, ±0 equal; huge otherwise) */
inline uint64_t ulps(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0 : UINT64_MAX;
  if (a == b) return 0;
  if (std::isinf(a) || std::isinf(b)) return UINT64_MAX;
  int64_t ia, ib;
  std::memcpy(&ia, &a, 8);
  std::memcpy(&ib, &b, 8);
  if (ia < 0) ia = INT64_MIN - ia;
  if (ib < 0) ib = INT64_MIN - ib;
  return ia > ib ? uint64_t(ia) - uint64_t(ib) : uint64_t(ib) - uint64_t(ia);
}

}  // namespace wgt

#define CHECK(cond) ::wgt::check((cond), __FILE__, __LINE__, #cond)
#define CHECKF(cond, ...)                                                   \
  do {                                                                      \
    if (!::wgt::check((cond), __FILE__, __LINE__, #cond)) {                 \
      if (::wgt::counts().failed <= 50) { std::fprintf(stderr, "    "); std::fprintf(stderr, __VA_ARGS__); std::fprintf(stderr, "\n"); } \
    }                                                                       \
  } while (0)
