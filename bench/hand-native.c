// Hand-written C baselines of bench/compiled.ts (bench-only, never part of wengert): W1's value and
// analytic gradient in one fused loop, W3's RK4 with a hand-written discrete adjoint (bench/hand.ts's
// JS, in C). bench/compiled.ts compiles this file on the fly as a small Node-API module
// (-O3 -march=native -fopenmp-simd, as a programmer tuning for this machine would) and times it in
// its own process, round-robin with the wengert systems:
//   w1(x: Float64Array, g: Float64Array) → value     extended Rosenbrock, g written
//   w3(p: Float64Array, g: Float64Array) → value     RK4 Lotka–Volterra fit (1000 steps), g[0..4) written
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>

// W1: Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²; g[i] = 200 t(i−1) − 400 x[i] t(i) − 2 (1 − x[i])
__attribute__((noinline)) static double w1(const double* x, double* g, long n) {
  double s = 0;
  double t = x[1] - x[0] * x[0], u = 1 - x[0];
  s += 100 * t * t + u * u;
  g[0] = -400 * x[0] * t - 2 * u;
#pragma omp simd reduction(+ : s)
  for (long i = 1; i < n - 1; i++) {
    const double tp = x[i] - x[i - 1] * x[i - 1], ti = x[i + 1] - x[i] * x[i], ui = 1 - x[i];
    s += 100 * ti * ti + ui * ui;
    g[i] = 200 * tp - 400 * x[i] * ti - 2 * ui;
  }
  g[n - 1] = 200 * (x[n - 1] - x[n - 2] * x[n - 2]);
  return s;
}

// W3: the forward pass keeps the state per step; the adjoint sweep recomputes each step's stages
// and transposes them (J = [[a − b v, −b u], [d v, −c + d u]])
#define STEPS 1000
static double traj[2 * STEPS + 2];

#define F(U, V, KU, KV) const double KU = a * (U) - b * (U) * (V), KV = -c * (V) + d * (U) * (V)
#define STAGE(U, V, KU, KV) \
  ga += (U) * (KU); gb -= (U) * (V) * (KU); gc -= (V) * (KV); gd += (U) * (V) * (KV); \
  ru = (a - b * (V)) * (KU) + d * (V) * (KV); rv = -b * (U) * (KU) + (-c + d * (U)) * (KV)

__attribute__((noinline)) static double w3(const double* p, double* grad) {
  const double a = p[0], b = p[1], c = p[2], d = p[3], dt = 0.01, h2 = dt / 2, h6 = dt / 6;
  double u = 1, v = 1;
  for (int s = 0; s < STEPS; s++) {
    traj[2 * s] = u;
    traj[2 * s + 1] = v;
    F(u, v, k1u, k1v);
    F(u + h2 * k1u, v + h2 * k1v, k2u, k2v);
    F(u + h2 * k2u, v + h2 * k2v, k3u, k3v);
    F(u + dt * k3u, v + dt * k3v, k4u, k4v);
    u += h6 * (k1u + 2 * k2u + 2 * k3u + k4u);
    v += h6 * (k1v + 2 * k2v + 2 * k3v + k4v);
  }
  const double value = (u - 1) * (u - 1) + (v - 1) * (v - 1);
  double lu = 2 * (u - 1), lv = 2 * (v - 1), ga = 0, gb = 0, gc = 0, gd = 0, ru, rv;
  for (int s = STEPS - 1; s >= 0; s--) {
    const double u0 = traj[2 * s], v0 = traj[2 * s + 1];
    F(u0, v0, k1u, k1v);
    const double u1 = u0 + h2 * k1u, v1 = v0 + h2 * k1v;
    F(u1, v1, k2u, k2v);
    const double u2 = u0 + h2 * k2u, v2 = v0 + h2 * k2v;
    F(u2, v2, k3u, k3v);
    const double u3 = u0 + dt * k3u, v3 = v0 + dt * k3v;
    double bu = lu, bv = lv, ku = h6 * lu, kv = h6 * lv;
    STAGE(u3, v3, ku, kv);
    bu += ru; bv += rv;
    ku = 2 * h6 * lu + dt * ru; kv = 2 * h6 * lv + dt * rv;
    STAGE(u2, v2, ku, kv);
    bu += ru; bv += rv;
    ku = 2 * h6 * lu + h2 * ru; kv = 2 * h6 * lv + h2 * rv;
    STAGE(u1, v1, ku, kv);
    bu += ru; bv += rv;
    ku = h6 * lu + h2 * ru; kv = h6 * lv + h2 * rv;
    STAGE(u0, v0, ku, kv);
    lu = bu + ru; lv = bv + rv;
  }
  grad[0] = ga; grad[1] = gb; grad[2] = gc; grad[3] = gd;
  return value;
}

/** the data and length of argument i, a Float64Array; null when it is not one */
static double* f64(napi_env env, napi_value v, size_t* n) {
  napi_typedarray_type t;
  void* data = NULL;
  if (napi_get_typedarray_info(env, v, &t, n, &data, NULL, NULL) != napi_ok || t != napi_float64_array) return NULL;
  return (double*)data;
}

static napi_value call(napi_env env, napi_callback_info info, int which) {
  napi_value a[2], r;
  size_t argc = 2, nx = 0, ng = 0;
  napi_get_cb_info(env, info, &argc, a, NULL, NULL);
  double* x = argc == 2 ? f64(env, a[0], &nx) : NULL;
  double* g = argc == 2 ? f64(env, a[1], &ng) : NULL;
  double v = NAN;
  if (x && g && which == 1 && nx == ng && nx >= 2) v = w1(x, g, (long)nx);
  if (x && g && which == 3 && nx == 4 && ng >= 4) v = w3(x, g);
  napi_create_double(env, v, &r);
  return r;
}
static napi_value W1(napi_env env, napi_callback_info info) { return call(env, info, 1); }
static napi_value W3(napi_env env, napi_callback_info info) { return call(env, info, 3); }

NAPI_MODULE_INIT() {
  napi_value f;
  napi_create_function(env, "w1", NAPI_AUTO_LENGTH, W1, NULL, &f);
  napi_set_named_property(env, exports, "w1", f);
  napi_create_function(env, "w3", NAPI_AUTO_LENGTH, W3, NULL, &f);
  napi_set_named_property(env, exports, "w3", f);
  return exports;
}
