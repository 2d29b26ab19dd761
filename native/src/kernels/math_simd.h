// The SIMD cores shared by the vector math kernels of one level (math.cc, math_pow.cc): lane
// helpers (bit patterns, selects, rounding, 2^k) and the exp/expm1 and log/log1p cores. Included
// once per level (level.h's WG_NS); the scheme and the accuracy notes are at the top of math.cc.
#pragma once
#include "level.h"
#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace wg {
namespace WG_NS {
namespace {

typedef wg_vd mvd;                                        // WG_W doubles (level.h)
typedef long mvi __attribute__((vector_size(WG_W * 8)));  // a comparison of mvd yields this
// bit patterns are unsigned: their arithmetic wraps (lanes the scalar path later replaces, NaN or
// huge, may carry any bits; signed overflow would be undefined behaviour)
typedef unsigned long mvu __attribute__((vector_size(WG_W * 8)));

static inline mvu bitsOf(mvd x) { return (mvu)x; }
static inline mvd fromBits(mvu i) { return (mvd)i; }
static inline mvd vabs(mvd x) { return fromBits(bitsOf(x) & 0x7fffffffffffffffUL); }
static inline mvd copySign(mvd mag, mvd sgn) {
  return fromBits((bitsOf(mag) & 0x7fffffffffffffffUL) | (bitsOf(sgn) & 0x8000000000000000UL));
}
// masks are comparison results combined with & | ~ (the vector && || ! of GCC go lane by lane)
/** m ? a : b for m a comparison result */
static inline mvd sel(mvi m, mvd a, mvd b) { return m ? a : b; }
/** m ? a : b for any all-ones/all-zeros lane mask (no compare against 0: SSE2 has no 64-bit one) */
static inline mvd selMask(mvu m, mvd a, mvd b) { return fromBits((m & bitsOf(a)) | (~m & bitsOf(b))); }
/** the exponent field of a positive double (logical shift: SSE2/AVX2 have no 64-bit arithmetic one) */
static inline mvu expField(mvu bits) { return bits >> 52; }
static inline mvd V(double c) { mvd v; for (int i = 0; i < WG_W; i++) v[i] = c; return v; }

/** every lane of m set (m a mask) */
static inline bool all(mvi o) {
#if defined(__x86_64__) && WG_W == 8
  return _mm512_movepi64_mask((__m512i)o) == 0xff;
#elif defined(__x86_64__) && WG_W == 4
  return _mm256_movemask_pd((__m256d)o) == 0xf;
#elif defined(__x86_64__)
  return _mm_movemask_pd((__m128d)o) == 0x3;
#elif defined(__aarch64__) && WG_W == 2
  return vminvq_u32(vreinterpretq_u32_s64((int64x2_t)o)) == 0xffffffffu;
#else
  long r = -1;
  for (int i = 0; i < WG_W; i++) r &= o[i];
  return r != 0;
#endif
}

// round to nearest integer: t = y + 1.5·2^52 holds k = round(y) in its low mantissa bits (|y| < 2^51)
const double SHIFT = 0x1.8p52;
const unsigned long SHIFT_BITS = 0x4338000000000000UL;
// a small integer k (|k| < 2^51) as a double, through the same shifted form (no int64→double
// conversion instruction below AVX-512)
static inline mvd toDouble(mvu k) { return fromBits(k + SHIFT_BITS) - SHIFT; }
// 2^k for -1022 ≤ k ≤ 1023
static inline mvd pow2(mvu k) { return fromBits((k + 1023) << 52); }

// ---- exp / expm1 core --------------------------------------------------------------------------
// x = k·ln2 + r, |r| ≤ ln2/2 (+ a tiny margin); ln2 = LN2HI + LN2LO with LN2HI's 32 significant
// bits, so k·LN2HI and x − k·LN2HI are exact for |k| < 2^21; r is rounded once more (− k·LN2LO).
// expm1(r) = r + r²·(1/2 + r·P(r)); P: minimax degree 9 for (expm1(r) − r − r²/2)/r³ weighted by
// r² on [−ln2/2, ln2/2] (Remez, mpmath, 60 digits); approximation error 0.007 ulp of expm1(r).
const double LOG2E = 0x1.71547652b82fep+0;
const double LN2HI = 0x1.62e42fee00000p-1;
const double LN2LO = 0x1.a39ef35793c76p-33;
const double E0 = 0x1.5555555555559p-3, E1 = 0x1.5555555555559p-5, E2 = 0x1.111111110f6f9p-7,
             E3 = 0x1.6c16c16c14a8dp-10, E4 = 0x1.a01a01afcb93cp-13, E5 = 0x1.a01a01af6137ap-16,
             E6 = 0x1.71ddf88d2bc6dp-19, E7 = 0x1.27e4c7c93bcfdp-22, E8 = 0x1.af5e637cccf4bp-26,
             E9 = 0x1.1f92b921819c7p-29;

/** r²·(1/2 + r·P(r)), P by Estrin's scheme (shorter dependency chains than Horner) */
static inline mvd expm1Tail(mvd r, mvd r2) {
  const mvd r4 = r2 * r2;
  const mvd p01 = E0 + r * E1, p23 = E2 + r * E3, p45 = E4 + r * E5, p67 = E6 + r * E7, p89 = E8 + r * E9;
  const mvd p = (p01 + r2 * p23) + r4 * ((p45 + r2 * p67) + r4 * p89);
  return r2 * (0.5 + r * p);
}

struct Reduced { mvd r, rc; mvu k; };  // k in two's complement
struct Pair { mvd hi, lo; };

/** k, r and the rounding error rc of r */
static inline Reduced reduceLn2(mvd x) {
  const mvd t = x * LOG2E + SHIFT;
  const mvd kd = t - SHIFT;
  const mvd hi = x - kd * LN2HI;  // exact
  const mvd lo = kd * LN2LO;
  const mvd r = hi - lo;
  return {r, (hi - r) - lo, bitsOf(t) - SHIFT_BITS};
}

/**
 * e^x for |x| ≤ 708 (result normal, 2^k representable): 2^k·(1 + (r + tail)). Carrying rc and
 * summing 1 + expm1(r) exactly would bring the measured 0.96 ulp down to 0.6 for 35% more time.
 */
static inline mvd expCore(mvd x) {
  const Reduced q = reduceLn2(x);
  return (1.0 + (q.r + expm1Tail(q.r, q.r * q.r))) * pow2(q.k);
}
static inline mvi expFast(mvd x) { return vabs(x) <= 708.0; }

/**
 * e^x − 1 for |x| ≤ 708: 2^k·(1 + expm1(r)) − 1 = 2^k·expm1(r) + (2^k − 1), summed by TwoSum with
 * the low parts of expm1(r) and of 2^k − 1 (without them: 1.33 ulp at x ≈ 0.39, where k = 1 cancels)
 */
static inline mvd expm1Core(mvd x) {
  const Reduced q = reduceLn2(x);
  // expm1(r + rc) ≈ expm1(r) + rc·(1 + r) as hi + lo (Fast2Sum: the tail is ≤ 0.21·|r|)
  const mvd tail = expm1Tail(q.r, q.r * q.r) + q.rc * (1.0 + q.r);
  const mvd hi = q.r + tail, lo = (q.r - hi) + tail;
  const mvd s = pow2(q.k);
  const mvd a = s * hi, b = s - 1.0;      // a exact; b exact for −53 ≤ k ≤ 53
  const mvd bLo = (s - b) - 1.0;          // Fast2Sum error of b for k > 53 (−1 there)
  const mvd sum = a + b;
  const mvd bb = sum - a;
  const mvd err = (a - (sum - bb)) + (b - bb);
  return sel(x == 0.0, x, sum + (err + (s * lo + bLo)));
}

// ---- log / log1p core (fdlibm's e_log.c / s_log1p.c, vectorized) --------------------------------
// x = 2^k·m, m ∈ [√2/2, √2), f = m − 1, s = f/(2+f): log(1+f) = f − hfsq + s·(hfsq + R(s²)),
// hfsq = f²/2, R the fdlibm minimax polynomial Lg1..Lg7 (|error| < 2^-58.45 on |s| ≤ 0.1716).
const double LG1 = 6.666666666666735130e-01, LG2 = 3.999999999940941908e-01,
             LG3 = 2.857142874366239149e-01, LG4 = 2.222219843214978396e-01,
             LG5 = 1.818357216161805012e-01, LG6 = 1.531383769920937332e-01,
             LG7 = 1.479819860511658591e-01;
// adding this to the bits of x moves mantissas ≥ √2 (0x3ff6a09e…) into the next binade
const unsigned long SQRT2_SHIFT = 0x3ff0000000000000UL - 0x3fe6a09e00000000UL;
const unsigned long MANT = 0x000fffffffffffffUL;
const unsigned long SQRT_HALF_BITS = 0x3fe6a09e00000000UL;

static inline mvd logPoly(mvd f, mvd hfsq, mvd* s) {
  *s = f / (2.0 + f);
  const mvd z = *s * *s, w = z * z;
  const mvd t1 = w * (LG2 + w * (LG4 + w * LG6));
  const mvd t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
  return t2 + t1;
}

/** log x for normal finite x > 0 */
static inline mvd logCore(mvd x) {
  const mvu ix = bitsOf(x) + SQRT2_SHIFT;
  const mvd kd = toDouble(expField(ix) - 1023);
  const mvd f = fromBits((ix & MANT) + SQRT_HALF_BITS) - 1.0;
  const mvd hfsq = 0.5 * f * f;
  mvd s;
  const mvd R = logPoly(f, hfsq, &s);
  return kd * LN2HI - ((hfsq - (s * (hfsq + R) + kd * LN2LO)) - f);
}
static inline mvi logFast(mvd x) { return (x >= 0x1p-1022) & (x <= 0x1.fffffffffffffp1023); }

/**
 * log(1 + x) for −1 < x < ∞. u = 1 + x is rounded; c = (the rounding error of u)/u corrects it
 * (log(1+x) = log u + c). For x ∈ (−0.2928, 0.4142) f = x directly (k = 0, c = 0).
 */
static inline mvd log1pCore(mvd x) {
  const mvd u = 1.0 + x;
  const mvu iu = bitsOf(u) + SQRT2_SHIFT;
  const mvd k = toDouble(expField(iu) - 1023);
  const mvi small = (x > -0.2928) & (x < 0.4142);
  const mvd c = sel(small, V(0.0), sel(k >= 2.0, 1.0 - (u - x), x - (u - 1.0)) / u);
  const mvd kd = sel(small, V(0.0), k);
  const mvd f = sel(small, x, fromBits((iu & MANT) + SQRT_HALF_BITS) - 1.0);
  const mvd hfsq = 0.5 * f * f;
  mvd s;
  const mvd R = logPoly(f, hfsq, &s);
  const mvd y = s * (hfsq + R) + (kd * LN2LO + c) - hfsq + f + kd * LN2HI;
  return sel(x == 0.0, x, y);
}
static inline mvi log1pFast(mvd x) { return (x > -1.0) & (x <= 0x1.fffffffffffffp1023); }

}  // namespace
}  // namespace WG_NS
}  // namespace wg
