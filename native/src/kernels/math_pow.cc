// pow(a, b) as a vector kernel at the levels with FMA (the exact products below need it): the
// log and exp cores of math_simd.h carried in double-double. Accuracy: docs/math.md.
#include "math_simd.h"

namespace wg {
namespace WG_NS {
namespace {

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

}  // namespace

void fillPow(KernelTable* t) {
#ifdef WG_VECTOR_POW
  t->binary[OP_pow] = b_pow;
  t->vector[OP_pow] = 1;  // not the scalar formula lane by lane: the compiled tier calls it
#else
  (void)t;
#endif
}

}  // namespace WG_NS
}  // namespace wg
