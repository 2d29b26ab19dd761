// Vector transcendental functions for one SIMD level (see level.h): exp, expm1, log, log1p, sin,
// cos, tan, atan, tanh, sigmoid, softplus, sinh, cosh, and pow at the levels with FMA (atan2, asin,
// acos, and pow elsewhere, stay libm calls: elementwise.cc). Measured max ulp errors and the
// bounds the tests hold them to: docs/math.md.
//
// Why our own polynomials and not glibc's libmvec: libmvec's vector tanh, expm1 and log1p exist
// only from glibc 2.35, so a prebuild linking them would not load on older distributions; its
// functions only vectorize under fast-math-style declarations; and its accuracy (up to 4 ulp) is
// not documented per function. These kernels use no table and no library call on the fast path.
//
// Scheme: every function has a vector core that is exact-IEEE straight-line code (selects, no
// branches) valid on a "fast domain" (finite arguments of moderate size). Lanes outside it (NaN,
// ±Inf, overflow/underflow ranges, subnormal results, huge trig arguments) are recomputed by the
// scalar libm formula (scalar.h), so special values are exactly libm's. Zeros keep their sign by
// a final select (x == 0 ? x : result) in the odd functions.
//
// FMA: the x86-64-v3/v4 levels and neon contract a*b+c into FMA (GCC's default -ffp-contract=fast
// in GNU mode; arm64's scalar level is built with -ffp-contract=off). Every step below is correct with or without contraction: products that must be exact
// are exact by construction (split constants with trailing zero bits), and the error-free sums
// (TwoSum, Fast2Sum) contain no product that contraction could change. Only pow needs an exact
// product error, and calls the FMA instruction for it explicitly (prodErr).
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

// ---- sin / cos / tan core (fdlibm's k_sin.c / k_cos.c on a 4-part Cody–Waite reduction) ---------
// x = k·π/2 + (y0 + y1), π/2 = P1 + P2 + P3 + P4 (P1..P3 with 31, 32, 28 significant bits: k·Pi
// exact for |k| < 2^20; |residual| < 1e-48). a = x − k·P1 is exact (both on the grid of ulp(x));
// a − k·P2 is an exact TwoSum; the rest are tiny corrections. For |x| ≤ 2^20 the reduced argument
// is accurate to better than 2^-70 relatively; beyond, lanes go to libm (Payne–Hanek there).
const double TWO_OVER_PI = 0x1.45f306dc9c883p-1;
const double P1 = 0x1.921fb54400000p+0, P2 = 0x1.0b4611a600000p-34, P3 = 0x1.3198a2e000000p-69,
             P4 = 0x1.b839a252049c1p-104;
const double TRIG_MAX = 0x1p20;
const double S1 = -1.66666666666666324348e-01, S2 = 8.33333333332248946124e-03,
             S3 = -1.98412698298579493134e-04, S4 = 2.75573137070700676789e-06,
             S5 = -2.50507602534068634195e-08, S6 = 1.58969099521155010221e-10;
const double C1 = 4.16666666666666019037e-02, C2 = -1.38888888888741095749e-03,
             C3 = 2.48015872894767294178e-05, C4 = -2.75573143513906633035e-07,
             C5 = 2.08757232129817482790e-09, C6 = -1.13596475577881948265e-11;

struct Quadrant { mvd y0, y1; mvu k; };

static inline Quadrant reducePio2(mvd x) {
  const mvd t = x * TWO_OVER_PI + SHIFT;
  const mvd kd = t - SHIFT;
  const mvd a = x - kd * P1;  // exact
  const mvd b = kd * P2;      // exact
  const mvd hi = a - b;       // TwoSum(a, −b)
  const mvd bb = hi - a;
  const mvd e = (a - (hi - bb)) + (-b - bb);
  const mvd lo = (e - kd * P3) - kd * P4;
  const mvd y0 = hi + lo;
  return {y0, (hi - y0) + lo, bitsOf(t) - SHIFT_BITS};
}

/** sin(x + y), |x| ≤ π/4, |y| ≤ ulp(x)/2 */
static inline mvd kernelSin(mvd x, mvd y, mvd z) {
  const mvd v = z * x;
  const mvd r = S2 + z * (S3 + z * (S4 + z * (S5 + z * S6)));
  return x - ((z * (0.5 * y - v * r) - y) - v * S1);
}
/** cos(x + y) */
static inline mvd kernelCos(mvd x, mvd y, mvd z) {
  const mvd w = z * z;
  const mvd r = z * (C1 + z * (C2 + z * C3)) + w * w * (C4 + z * (C5 + z * C6));
  const mvd hz = 0.5 * z;
  const mvd v = 1.0 - hz;
  return v + (((1.0 - v) - hz) + (z * r - x * y));
}

/** −v where bit 1 of k is set */
static inline mvd flipIfBit1(mvu k, mvd v) { return fromBits(bitsOf(v) ^ ((k & 2) << 62)); }

// sin: quadrant k → (s, c, −s, −c)[k mod 4]; cos: (c, −s, −c, s)
static inline mvd sinCore(mvd x) {
  const Quadrant q = reducePio2(x);
  const mvd z = q.y0 * q.y0;
  const mvd v = selMask(0 - (q.k & 1), kernelCos(q.y0, q.y1, z), kernelSin(q.y0, q.y1, z));
  return sel(x == 0.0, x, flipIfBit1(q.k, v));
}
static inline mvd cosCore(mvd x) {
  const Quadrant q = reducePio2(x);
  const mvd z = q.y0 * q.y0;
  const mvd v = selMask(0 - (q.k & 1), kernelSin(q.y0, q.y1, z), kernelCos(q.y0, q.y1, z));
  return flipIfBit1(q.k + 1, v);
}
// tan = s/c (k even), −c/s (k odd)
static inline mvd tanCore(mvd x) {
  const Quadrant q = reducePio2(x);
  const mvd z = q.y0 * q.y0;
  const mvd s = kernelSin(q.y0, q.y1, z), c = kernelCos(q.y0, q.y1, z);
  const mvu odd = 0 - (q.k & 1);
  return sel(x == 0.0, x, selMask(odd, -c, s) / selMask(odd, s, c));
}
static inline mvi trigFast(mvd x) { return vabs(x) <= TRIG_MAX; }

// ---- functions built on the cores --------------------------------------------------------------
// tanh |x| = −t/(t+2), t = expm1(−2|x|) below 0.45, t/(t+2), t = expm1(2|x|) above (fdlibm splits
// at 1; both forms lose up to ~1 ulp to the roundings of t + 2 and of the division, most near the
// split, and 0.45 measured best). |x| is clamped to 22, where tanh rounds to 1 (±Inf → ±1).
static inline mvd tanhCore(mvd x) {
  const mvd ax = vabs(x);
  const mvi small = ax < 0.45;
  const mvd t = expm1Core(sel(small, -2.0 * ax, 2.0 * sel(ax < 22.0, ax, V(22.0))));
  return sel(x == 0.0, x, copySign(sel(small, -t, t) / (t + 2.0), x));
}
static inline mvi notNaN(mvd x) { return x == x; }

// sigmoid = 1/(1+e) (x ≥ 0), e/(1+e) (x < 0), e = exp(−|x|) ∈ (0, 1]
static inline mvd sigmoidCore(mvd x) {
  const mvd e = expCore(-vabs(x));
  return sel(x >= 0.0, V(1.0), e) / (1.0 + e);
}
// softplus = max(x, 0) + log1p(exp(−|x|))
static inline mvd softplusCore(mvd x) {
  const mvd e = expCore(-vabs(x));
  return sel(x > 0.0, x, V(0.0)) + log1pCore(e);
}
// sinh |x| = (t + t/(t+1))/2, t = expm1|x|; for |x| < 1 as (2t − t·t/(t+1))/2 (fdlibm)
static inline mvd sinhCore(mvd x) {
  const mvd ax = vabs(x);
  const mvd t = expm1Core(ax);
  const mvd q = t / (t + 1.0);
  const mvd y = 0.5 * sel(ax < 1.0, 2.0 * t - t * q, t + q);
  return sel(x == 0.0, x, copySign(y, x));
}
// cosh = 1 + t²/(2(1+t)), t = expm1|x| for |x| < 0.3465 (k = 0 there: t = r + tail(r) exactly
// as expm1 computes it), else h + 1/(4h), h = e^|x|/2 (fdlibm); one reduction, one polynomial
static inline mvd coshCore(mvd x) {
  const mvd ax = vabs(x);
  const Reduced q = reduceLn2(ax);
  const mvd t = q.r + expm1Tail(q.r, q.r * q.r);
  const mvd w = 1.0 + t;
  const mvd h = 0.5 * (w * pow2(q.k));
  return sel(ax < 0.3465, 1.0 + (t * t) / (w + w), h + 0.25 / h);
}

// ---- atan (fdlibm's s_atan.c, vectorized) ---------------------------------------------------------
// |x| < 7/16: atan x = x − x·S(x²); else atan|x| = atan(c) + atan(y), y = (|x| − c)/(1 + c|x|) for
// c = 0.5, 1, 1.5 (breaks 11/16, 19/16, 39/16), y = −1/|x| with atan(c) = π/2 above; atan(c) as
// hi + lo. S: fdlibm's aT0..aT10 (|error| < 2^-56.7 on |y| ≤ 7/16). ±Inf → ±π/2 through y = −0.
const double AT0 = 3.33333333333329318027e-01, AT1 = -1.99999999998764832476e-01,
             AT2 = 1.42857142725034663711e-01, AT3 = -1.11111104054623557880e-01,
             AT4 = 9.09088713343650656196e-02, AT5 = -7.69187620504482999495e-02,
             AT6 = 6.66107313738753120669e-02, AT7 = -5.83357013379057348645e-02,
             AT8 = 4.97687799461593236017e-02, AT9 = -3.65315727442169155270e-02,
             AT10 = 1.62858201153657823623e-02;
const double ATAN_HALF_HI = 4.63647609000806093515e-01, ATAN_HALF_LO = 2.26987774529616870924e-17,
             ATAN_ONE_HI = 7.85398163397448278999e-01, ATAN_ONE_LO = 3.06161699786838301793e-17,
             ATAN_3HALF_HI = 9.82793723247329054082e-01, ATAN_3HALF_LO = 1.39033110312309984516e-17,
             PIO2_HI = 1.57079632679489655800e+00, PIO2_LO = 6.12323399573676603587e-17;

static inline mvd atanCore(mvd x) {
  const mvd ax = vabs(x);
  const mvi b0 = ax >= 0.4375, b1 = ax >= 0.6875, b2 = ax >= 1.1875, b3 = ax >= 2.4375;
  const mvd num = sel(b3, V(-1.0), sel(b2, ax - 1.5, sel(b1, ax - 1.0, sel(b0, 2.0 * ax - 1.0, ax))));
  const mvd den = sel(b3, ax, sel(b2, 1.0 + 1.5 * ax, sel(b1, ax + 1.0, sel(b0, 2.0 + ax, V(1.0)))));
  const mvd hi = sel(b3, V(PIO2_HI),
                     sel(b2, V(ATAN_3HALF_HI), sel(b1, V(ATAN_ONE_HI), sel(b0, V(ATAN_HALF_HI), V(0.0)))));
  const mvd lo = sel(b3, V(PIO2_LO),
                     sel(b2, V(ATAN_3HALF_LO), sel(b1, V(ATAN_ONE_LO), sel(b0, V(ATAN_HALF_LO), V(0.0)))));
  const mvd y = num / den;
  const mvd z = y * y, w = z * z;
  const mvd s1 = z * (AT0 + w * (AT2 + w * (AT4 + w * (AT6 + w * (AT8 + w * AT10)))));
  const mvd s2 = w * (AT1 + w * (AT3 + w * (AT5 + w * (AT7 + w * AT9))));
  return copySign(hi - ((y * (s1 + s2) - lo) - y), x);
}

// ---- pow (levels with FMA; without it the exact products cost more than glibc's pow: 18–27 vs
// 12–16 ns, so the scalar and sse levels keep elementwise.cc's libm call) -------------------------
#if defined(__FMA__) || defined(__ARM_FEATURE_FMA)
#define WG_VECTOR_POW 1
/** a·b − p exactly, for p = fl(a·b) (one FMA) */
static inline mvd prodErr(mvd a, mvd b, mvd p) {
#if defined(__x86_64__) && WG_W == 8
  return (mvd)_mm512_fmsub_pd((__m512d)a, (__m512d)b, (__m512d)p);
#elif defined(__x86_64__) && WG_W == 4
  return (mvd)_mm256_fmsub_pd((__m256d)a, (__m256d)b, (__m256d)p);
#elif defined(__x86_64__)
  return (mvd)_mm_fmsub_pd((__m128d)a, (__m128d)b, (__m128d)p);
#elif defined(__aarch64__) && WG_W == 2
  return (mvd)vfmaq_f64(vnegq_f64((float64x2_t)p), (float64x2_t)a, (float64x2_t)b);  // −p + a·b, one rounding
#else
  mvd r;
  for (int i = 0; i < WG_W; i++) r[i] = __builtin_fma(a[i], b[i], -p[i]);
  return r;
#endif
}

// x^y = exp(y·log x) for normal x > 0, finite |y| < 2^900 and |y·log x| ≤ 708; other lanes (x ≤ 0,
// subnormal x, Inf, NaN, overflow and underflow) take the scalar JS-semantics pow (scalar.h).
// log x is carried as a double-double to ~2^-66: x = 2^k·m, f = m − 1, s = f/(2+f) with its
// division residual, log m = 2s + (2/3)s³ + s⁵·Q(s²): 2s, the residual and (2/3)s³ in double-double,
// Q (degree 7 Remez, |error| < 2^-55) in double. t = y·log x by an exact product, then e^t with the
// low part of t and the rounding of the reduction carried into expm1(r) and 1 + expm1(r) summed
// exactly (an error δ in t costs |t|·δ relatively: |t| ≤ 708 needs log x to ~2^-64).
const double Q0 = 0x1.999999999999ap-2, Q1 = 0x1.2492492492523p-2, Q2 = 0x1.c71c71c6ea3b8p-3,
             Q3 = 0x1.745d177ae6c12p-3, Q4 = 0x1.3b1395b386222p-3, Q5 = 0x1.1118cdd6226b9p-3,
             Q6 = 0x1.df7ba39c56b4ep-4, Q7 = 0x1.e0398ade65c6ap-4;
const double TWO_THIRDS_HI = 0x1.5555555555555p-1, TWO_THIRDS_LO = 0x1.5555555555555p-55;

/** log x = hi + lo for normal finite x > 0 */
static inline Pair logDD(mvd x) {
  const mvu ix = bitsOf(x) + SQRT2_SHIFT;
  const mvd k = toDouble(expField(ix) - 1023);
  const mvd f = fromBits((ix & MANT) + SQRT_HALF_BITS) - 1.0;  // exact
  const mvd d = 2.0 + f, dl = (2.0 - d) + f;                        // d + dl = 2 + f exactly
  const mvd sh = f / d;
  const mvd p = sh * d;
  const mvd sl = (((f - p) - prodErr(sh, d, p)) - sh * dl) / d;     // f − p is exact (p ≈ f)
  const mvd zh = sh * sh, zl = prodErr(sh, sh, zh) + 2.0 * sh * sl;  // s²
  const mvd ch = zh * sh, cl = prodErr(zh, sh, ch) + (zl * sh + zh * sl);  // s³
  const mvd th = TWO_THIRDS_HI * ch;
  const mvd tl = prodErr(V(TWO_THIRDS_HI), ch, th) + (TWO_THIRDS_LO * ch + TWO_THIRDS_HI * cl);
  const mvd z2 = zh * zh, z4 = z2 * z2;
  const mvd q = ((Q0 + zh * Q1) + z2 * (Q2 + zh * Q3)) + z4 * ((Q4 + zh * Q5) + z2 * (Q6 + zh * Q7));
  const mvd tail = ch * zh * q + 5.0 * sl * (z2 * q);  // s⁵·Q with s⁵ ≈ sh⁵ + 5·sh⁴·sl
  // k·LN2HI + 2s + (2/3)s³ by two Fast2Sums (each left operand the larger), then the small terms
  const mvd a = k * LN2HI, b = 2.0 * sh;
  const mvd h1 = a + b, e1 = (a - h1) + b;
  const mvd h2 = h1 + th, e2 = (h1 - h2) + th;
  const mvd lo = (e1 + e2) + (((2.0 * sl + tl) + tail) + k * LN2LO);
  const mvd hi = h2 + lo;
  return {hi, (h2 - hi) + lo};
}

/** e^(th + tl), |th| ≤ 708, |tl| ≤ 2^-40: e^(r + rc) − 1 ≈ expm1(r) + rc·e^r (rc ≤ 2^-40 here) */
static inline mvd expDD(mvd th, mvd tl) {
  const Reduced q = reduceLn2(th);
  const mvd rc = q.rc + tl;
  const mvd t0 = expm1Tail(q.r, q.r * q.r);
  const mvd tail = t0 + rc * (1.0 + (q.r + t0));
  const mvd hi = q.r + tail, lo = (q.r - hi) + tail;
  const mvd one = 1.0 + hi;
  return (one + (((1.0 - one) + hi) + lo)) * pow2(q.k);
}

template <int SA, int SB>
void powLoop(const double* a, const double* b, double* o, i64 n) {
  i64 j = 0;
  for (; j < n; j += WG_W) {
    const int m = n - j < WG_W ? int(n - j) : WG_W;
    mvd x, y;  // a broadcast operand (stride 0) is splat; tail lanes are padded with 2
    if (m == WG_W && SA) x = wg_load(a + j);
    else for (int i = 0; i < WG_W; i++) x[i] = i < m ? a[SA * (j + i)] : 2.0;
    if (m == WG_W && SB) y = wg_load(b + j);
    else for (int i = 0; i < WG_W; i++) y[i] = i < m ? b[SB * (j + i)] : 2.0;
    const mvi xok = (x >= 0x1p-1022) & (x <= 0x1.fffffffffffffp1023) & (vabs(y) < 0x1p900);
    const Pair l = logDD(sel(xok, x, V(1.0)));
    const mvd th = y * l.hi, tl = prodErr(sel(xok, y, V(0.0)), l.hi, th) + y * l.lo;
    const mvi fast = xok & (vabs(th) <= 708.0);
    const mvd r = expDD(sel(fast, th, V(0.0)), sel(fast, tl, V(0.0)));
    if (m == WG_W && all(fast)) { wg_store(o + j, r); continue; }
    for (int i = 0; i < m; i++) o[j + i] = fast[i] ? r[i] : wg_pow(x[i], y[i]);
  }
}

/** out[j] = pow(a[j·sa], b[j·sb]), strides 0 or 1 (an output may alias a strided input) */
void b_pow(const double* a, i64 sa, const double* b, i64 sb, double* o, i64 n) {
  if (sa && sb) powLoop<1, 1>(a, b, o, n);
  else if (sa) powLoop<1, 0>(a, b, o, n);
  else if (sb) powLoop<0, 1>(a, b, o, n);
  else powLoop<0, 0>(a, b, o, n);
}
#endif

double sSigmoid(double x) { return wg_sigmoid(x); }
double sSoftplus(double x) { return wg_softplus(x); }

// ---- row loops ----------------------------------------------------------------------------------
// The vector result is stored first; lanes outside the core's domain (FAST false) are then
// overwritten by the scalar function of the register copy of x (so a == out, in place, works).
template <mvd (*CORE)(mvd), mvi (*FAST)(mvd), double (*SCALAR)(double)>
void rowLoop(const double* a, double* o, i64 n) {
  i64 j = 0;
  for (; j + WG_W <= n; j += WG_W) {
    const mvd x = wg_load(a + j);
    wg_store(o + j, CORE(x));
    const mvi fast = FAST(x);
    if (__builtin_expect(!all(fast), 0))
      for (int i = 0; i < WG_W; i++)
        if (!fast[i]) o[j + i] = SCALAR(x[i]);
  }
  if (j < n) {  // tail: pad with 0 (never stored)
    double buf[WG_W];
    const int m = int(n - j);
    for (int i = 0; i < WG_W; i++) buf[i] = i < m ? a[j + i] : 0.0;
    const mvd x = wg_load(buf);
    const mvd y = CORE(x);
    const mvi fast = FAST(x);
    for (int i = 0; i < m; i++) o[j + i] = fast[i] ? y[i] : SCALAR(x[i]);
  }
}

double sExp(double x) { return exp(x); }
double sExpm1(double x) { return expm1(x); }
double sLog(double x) { return log(x); }
double sLog1p(double x) { return log1p(x); }
double sSin(double x) { return sin(x); }
double sCos(double x) { return cos(x); }
double sTan(double x) { return tan(x); }
double sTanh(double x) { return tanh(x); }
double sSinh(double x) { return sinh(x); }
double sCosh(double x) { return cosh(x); }
double sAtan(double x) { return atan(x); }

}  // namespace

void fillMath(KernelTable* t) {
  t->unary[OP_exp] = rowLoop<expCore, expFast, sExp>;
  t->unary[OP_expm1] = rowLoop<expm1Core, expFast, sExpm1>;
  t->unary[OP_log] = rowLoop<logCore, logFast, sLog>;
  t->unary[OP_log1p] = rowLoop<log1pCore, log1pFast, sLog1p>;
  t->unary[OP_sin] = rowLoop<sinCore, trigFast, sSin>;
  t->unary[OP_cos] = rowLoop<cosCore, trigFast, sCos>;
  t->unary[OP_tan] = rowLoop<tanCore, trigFast, sTan>;
  t->unary[OP_tanh] = rowLoop<tanhCore, notNaN, sTanh>;
  t->unary[OP_sigmoid] = rowLoop<sigmoidCore, expFast, sSigmoid>;
  t->unary[OP_softplus] = rowLoop<softplusCore, expFast, sSoftplus>;
  t->unary[OP_sinh] = rowLoop<sinhCore, expFast, sSinh>;
  t->unary[OP_cosh] = rowLoop<coshCore, expFast, sCosh>;
  t->unary[OP_atan] = rowLoop<atanCore, notNaN, sAtan>;
#ifdef WG_VECTOR_POW
  t->binary[OP_pow] = b_pow;
#endif
  // these kernels are not the scalar formula lane by lane: the compiled tier calls them (codegen/)
  static const int kVec[] = {OP_exp, OP_expm1, OP_log, OP_log1p, OP_sin, OP_cos, OP_tan, OP_tanh, OP_sigmoid, OP_softplus,
                             OP_sinh, OP_cosh, OP_atan};
  for (int op : kVec) t->vector[op] = 1;
#ifdef WG_VECTOR_POW
  t->vector[OP_pow] = 1;
#endif
}

}  // namespace WG_NS
}  // namespace wg
