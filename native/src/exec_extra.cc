// The K_EXTRA kernels (extra.h). The random transforms are src/ops/threefry.ts's operations in the
// same order: IEEE +, −, ×, ÷, √ and bit manipulation only, never contracted into FMA, so every
// backend, SIMD level and machine gives the same bits.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
#include <algorithm>
#include <new>
#include <cstdio>
#include <cstring>
#include <math.h>
#include "extra.h"
#include "kernels/special_coefs.h"

namespace wg {
namespace {

double* at(double* mem, double* const* ext, i64 loc) {
  if (loc >= 0) return mem + loc;
  const i64 x = -1 - loc;
  return ext[x & ((i64(1) << kExtBits) - 1)] + (x >> kExtBits);
}

uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

/** Threefry-2x32, 20 rounds (JAX's threefry2x32) */
void threefry(uint32_t k0, uint32_t k1, uint32_t x0, uint32_t x1, uint32_t* out) {
  static const int R[2][4] = {{13, 15, 26, 6}, {17, 29, 16, 24}};
  const uint32_t ks[3] = {k0, k1, k0 ^ k1 ^ 0x1bd11bdau};
  uint32_t a = x0 + k0, b = x1 + k1;
  for (int g = 0; g < 5; g++) {
    for (int r : R[g % 2]) { a += b; b = rotl(b, r) ^ a; }
    a += ks[(g + 1) % 3];
    b += ks[(g + 2) % 3] + uint32_t(g + 1);
  }
  out[0] = a;
  out[1] = b;
}

/** word i of JAX's threefry_2x32(key, iota(n)) (n padded to even m: pair i = (i, i + m/2)) */
void bitsOf(uint32_t k0, uint32_t k1, i64 n, uint32_t* out /* m words */) {
  const i64 m = n + (n & 1), h = m / 2;
  uint32_t pair[2];
  for (i64 i = 0; i < h; i++) {
    threefry(k0, k1, uint32_t(i), i + h < n ? uint32_t(i + h) : 0u, pair);
    out[i] = pair[0];
    out[i + h] = pair[1];
  }
}

double elementaryLog(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  double e = double(int((b >> 52) & 0x7ff) - 1023);
  b = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;
  double m;
  std::memcpy(&m, &b, 8);
  if (m > 1.4142135623730951) { m = m * 0.5; e = e + 1; }
  const double s = (m - 1) / (m + 1), z = s * s;
  double p = 2.0 / 23;
  for (int k = 1; k < 12; k++) p = p * z + 2.0 / double(2 * (11 - k) + 1);
  return e * 0.6931471805599453 + (s * p + e * 2.3190468138462996e-17);
}

double horner(const double* p, int n, double c, double x) {
  const double t = x - c;
  double s = p[0];
  for (int i = 1; i < n; i++) s = s * t + p[i];
  return s;
}
#define WG_H(NAME, x) horner(WG_##NAME, WG_##NAME##_N, WG_##NAME##_C, x)

double normalOf(double u) {
  const double x = 2 * u - 1, a = fabs(x);
  const double w = -(elementaryLog(2 * u) + elementaryLog(2 - 2 * u));
  double r;
  if (w < 6.25) r = a * (w < 2 ? WG_H(ERFINV_W0, w) : WG_H(ERFINV_W1, w));
  else {
    const double s = sqrt(w);
    r = s < 4 ? WG_H(ERFINV_S0, s) : WG_H(ERFINV_S1, s);
  }
  return x < 0 ? -(1.4142135623730951 * r) : 1.4142135623730951 * r;
}

bool keyWord(double v, i64 pos, const Step& s, Error* err, uint32_t* k) {
  if (v >= 0 && v <= 4294967295.0 && v == floor(v)) { *k = uint32_t(v); return true; }
  char buf[200];
  snprintf(buf, sizeof buf, "random: expected a key of two integers in [0, 2^32) (w.random.key) but received %.17g at position %lld", v, (long long)pos);
  err->status = S_INDEX;
  err->instr = s.instr;
  err->message = buf;
  return false;
}

bool random(const Step& s, double* o, const double* key, i64 rows, i64 n, i64 dist, Error* err) {
  const i64 words = dist == 0 ? n : 2 * n;
  uint32_t* b = new (std::nothrow) uint32_t[size_t(words + 1)];
  if (!b) { err->status = S_ALLOC; err->message = "random: out of memory"; return false; }
  bool ok = true;
  for (i64 r = 0; ok && r < rows; r++, o += n) {
    uint32_t k0 = 0, k1 = 0;
    ok = keyWord(key[2 * r], 2 * r, s, err, &k0) && keyWord(key[2 * r + 1], 2 * r + 1, s, err, &k1);
    if (!ok) break;
    bitsOf(k0, k1, words, b);
    if (dist == 0) for (i64 i = 0; i < n; i++) o[i] = double(b[i]);
    else if (dist == 1) for (i64 i = 0; i < n; i++) o[i] = double(b[i]) * 0x1p-32 + double(b[n + i] >> 12) * 0x1p-52;
    else for (i64 i = 0; i < n; i++) o[i] = normalOf((double(b[i]) * 1048576.0 + double(b[n + i] >> 12) + 0.5) * 0x1p-52);
  }
  delete[] b;
  return ok;
}

/** NumPy's order: ascending, NaN last, ties in their original order (a stable sort) */
void argsort(double* o, const double* x, i64 rows, i64 n) {
  for (i64 r = 0; r < rows; r++, o += n, x += n) {
    for (i64 i = 0; i < n; i++) o[i] = double(i);
    std::stable_sort(o, o + n, [x](double a, double b) {
      const double va = x[i64(a)], vb = x[i64(b)];
      if (va < vb) return true;
      if (va > vb) return false;
      return va == va && vb != vb;  // a number before a NaN; otherwise equal (stable)
    });
  }
}

}  // namespace

bool runExtra(const Step& s, const i64* p, double* mem, double* const* ext, Error* err) {
  double* o = at(mem, ext, p[0]);
  const double* x = at(mem, ext, p[1]);
  if (s.op == OP_argsort) { argsort(o, x, p[2], p[3]); return true; }
  return random(s, o, x, p[2], p[3], p[4], err);
}

}  // namespace wg
