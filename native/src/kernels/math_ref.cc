// Test-only: the ulp measurement of the vector kernels (math.cc) and a direct call (timed) of one
// level's unary kernel. The reference is glibc's long double libm (64-bit significand,
// errors of a few units in 2^-64, i.e. under 0.002 ulp of a double); sigmoid and softplus are
// their defining formulas evaluated in long double, where they do not cancel.
#include "math_ref.h"
#include <math.h>
#include <string.h>
#include <time.h>
#include <string>
#include "../dispatch.h"

namespace wg {

namespace {

typedef long double (*RefFn)(long double);

long double refSigmoid(long double x) {
  return x >= 0 ? 1.0L / (1.0L + expl(-x)) : expl(x) / (1.0L + expl(x));
}
long double refSoftplus(long double x) { return x > 0 ? x + log1pl(expl(-x)) : log1pl(expl(x)); }
// JS Math.pow: a NaN exponent gives NaN, so does |x| = 1 with an infinite exponent
long double refPow(long double x, long double y) {
  if (y != y || ((x == 1 || x == -1) && isinf(y))) return __builtin_nanl("");
  return powl(x, y);
}

// the special functions' references: erfl, erfcl, lgammal from libm; erfinv by Newton's method on
// erfl; digamma by recurrence to x ≥ 30 and the asymptotic series (all in long double)
long double refErfinv(long double x) {
  if (!(x > -1 && x < 1)) return x == 1 || x == -1 ? x * __builtin_infl() : __builtin_nanl("");
  const long double a = fabsl(x), k = 1.1283791670955125738961589031L;  // 2/√π
  long double y;
  if (a < 0.5L) {  // Newton on erf(y) = a
    y = a * 0.886226925452758L;
    for (int i = 0; i < 60; i++) {
      const long double d = (erfl(y) - a) / (k * expl(-y * y));
      y -= d;
      if (fabsl(d) <= 1e-22L * fabsl(y)) break;
    }
  } else {  // Newton on log erfc(y) = log(1 − a) (1 − a exact): nearly quadratic in y, robust near 1
    const long double c = logl(1 - a);
    y = sqrtl(-c) * 0.9L;
    for (int i = 0; i < 200; i++) {
      const long double e = erfcl(y);
      const long double d = (logl(e) - c) / (-k * expl(-y * y) / e);
      y -= d;
      if (fabsl(d) <= 1e-22L * fabsl(y)) break;
    }
  }
  return x < 0 ? -y : y;
}
long double refDigamma(long double x) {
  if (x <= 0 && x == floorl(x)) return __builtin_nanl("");
  long double acc = 0;
  if (x < 0) {  // reflection
    const long double pi = 3.14159265358979323846264338327950288L;
    return refDigamma(1 - x) - pi / tanl(pi * (x - roundl(x)));
  }
  while (x < 30) { acc -= 1 / x; x += 1; }
  static const long double B[10] = {1.0L / 6, -1.0L / 30, 1.0L / 42, -1.0L / 30, 5.0L / 66, -691.0L / 2730, 7.0L / 6,
                                    -3617.0L / 510, 43867.0L / 798, -174611.0L / 330};
  const long double r2 = 1 / (x * x);
  long double s = 0;
  for (int k = 10; k >= 1; k--) s = s * r2 + B[k - 1] / (2 * k);
  return acc + logl(x) - 0.5L / x - s * r2;
}
long double refLgamma(long double x) { return lgammal(x); }

struct Ref { const char* name; RefFn f; };
const Ref kRefs[] = {
    {"exp", expl},   {"expm1", expm1l}, {"log", logl},   {"log1p", log1pl}, {"sin", sinl},
    {"cos", cosl},   {"tan", tanl},     {"tanh", tanhl}, {"sinh", sinhl},   {"cosh", coshl},
    {"atan", atanl}, {"asin", asinl},   {"acos", acosl}, {"sigmoid", refSigmoid}, {"softplus", refSoftplus},
    {"erf", erfl},   {"erfc", erfcl},   {"erfinv", refErfinv}, {"lgamma", refLgamma}, {"digamma", refDigamma},
};

bool f64(Napi::Value v, double** data, size_t* n) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) return false;
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  *data = a.Data();
  *n = a.ElementLength();
  return true;
}

// ulpError(name, x, got, err[, y]): err[i] = |got[i] − f(x[i])| (pow: f(x[i], y[i])) in units in
// the last place of f(x[i]) rounded to double (subnormal results: 2^-1074). NaN wants NaN, an
// infinite or overflowing result wants that infinity, an exact zero wants the same signed zero;
// otherwise the error is Infinity.
Napi::Value UlpError(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double *x, *got, *err, *y = nullptr;
  size_t n, ng, ne, ny = 0;
  if (info.Length() < 4 || !info[0].IsString() || !f64(info[1], &x, &n) || !f64(info[2], &got, &ng) ||
      !f64(info[3], &err, &ne) || ng != n || ne != n)
    return Napi::Boolean::New(env, false);
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  RefFn f = nullptr;
  for (const Ref& r : kRefs)
    if (name == r.name) f = r.f;
  const bool pow = name == "pow";
  if (pow && (info.Length() < 5 || !f64(info[4], &y, &ny) || ny != n)) return Napi::Boolean::New(env, false);
  if (!f && !pow) return Napi::Boolean::New(env, false);
  const double inf = __builtin_inf();
  for (size_t i = 0; i < n; i++) {
    const long double v = pow ? refPow((long double)x[i], (long double)y[i]) : f((long double)x[i]);
    const double g = got[i], vd = (double)v;
    if (isnan(v)) err[i] = isnan(g) ? 0 : inf;
    else if (isinf(vd)) err[i] = g == vd ? 0 : inf;
    else if (!isfinite(g)) err[i] = inf;
    else if (v == 0) err[i] = g == 0 ? (signbit(g) == signbit(vd) ? 0 : inf) : fabs(g) / 0x1p-1074;
    else {
      int e;
      frexpl(fabsl(v), &e);  // |v| ∈ [2^(e−1), 2^e)
      const int ex = e - 1 < -1022 ? -1022 : e - 1;
      err[i] = (double)(fabsl((long double)g - v) / ldexpl(1.0L, ex - 52));
    }
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double *x, *out, *y = nullptr;
  size_t n, no, ny = 0;
  if (info.Length() < 5 || !info[0].IsString() || !info[1].IsString() || !f64(info[2], &x, &n) ||
      !f64(info[3], &out, &no) || no != n || !info[4].IsNumber())
    return Napi::Number::New(env, -1);
  if (info.Length() >= 6 && (!f64(info[5], &y, &ny) || ny != n)) return Napi::Number::New(env, -1);
  const std::string level = info[0].As<Napi::String>().Utf8Value();
  const std::string op = info[1].As<Napi::String>().Utf8Value();
  const KernelTable* K = nullptr;
  for (int l = 0; l < L_COUNT; l++)
    if (level == levelName(l)) K = kernelTable(l);
  int id = -1;
  for (int i = 0; i < kOpCount; i++)
    if (op == kOps[i].name) id = i;
  if (!K || id < 0 || (y ? !K->binary[id] : !K->unary[id])) return Napi::Number::New(env, -1);
  const int reps = info[4].As<Napi::Number>().Int32Value();
  timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int r = 0; r < reps; r++) {
    if (y) K->binary[id](x, 1, y, 1, out, i64(n));
    else K->unary[id](x, out, i64(n));
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double ns = 1e9 * double(t1.tv_sec - t0.tv_sec) + double(t1.tv_nsec - t0.tv_nsec);
  return Napi::Number::New(env, ns / (double(reps) * double(n ? n : 1)));
}

}  // namespace

Napi::Object mathTestExports(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ulpError", Napi::Function::New(env, UlpError));
  o.Set("run", Napi::Function::New(env, Run));
  return o;
}

}  // namespace wg
