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
#include "math_simd.h"

namespace wg {
namespace WG_NS {
namespace {

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
  // these kernels are not the scalar formula lane by lane: the compiled tier calls them (codegen/)
  static const int kVec[] = {OP_exp, OP_expm1, OP_log, OP_log1p, OP_sin, OP_cos, OP_tan, OP_tanh, OP_sigmoid, OP_softplus,
                             OP_sinh, OP_cosh, OP_atan};
  for (int op : kVec) t->vector[op] = 1;
  fillPow(t);
}

}  // namespace WG_NS
}  // namespace wg
