// Included first by every per-level kernel source. The build compiles each such source once per
// SIMD level with -DWG_LEVEL=<0..4> -DWG_NS=<scalar|sse|avx2|avx512|neon> and that level's -march.
// Rules (the COMDAT trap, CONTRIBUTING.md "SIMD levels"): all code lives in wg::WG_NS (exported fill functions) or in
// an anonymous namespace inside it; no std:: templates or inline functions with external linkage.
#pragma once
#include "table.h"
#include "scalar.h"

#if !defined(WG_LEVEL) || !defined(WG_NS)
#error "compile kernels with -DWG_LEVEL=<n> -DWG_NS=<name> (see binding.gyp)"
#endif

// doubles per vector register: sse 2, avx2 4, avx512 8, neon 2 (float64x2); the portable level
// uses GCC's generic 16-byte vectors (the baseline ISA: SSE2 on x86-64, Advanced SIMD without FMA
// contraction on arm64, scalar code elsewhere)
#if WG_LEVEL == 4
#define WG_W 2
#elif WG_LEVEL >= 3
#define WG_W 8
#elif WG_LEVEL == 2
#define WG_W 4
#else
#define WG_W 2
#endif

typedef double wg_vd __attribute__((vector_size(WG_W * 8)));

static inline wg_vd wg_load(const double* p) { wg_vd v; __builtin_memcpy(&v, p, sizeof v); return v; }
static inline void wg_store(double* p, wg_vd v) { __builtin_memcpy(p, &v, sizeof v); }
// every lane exactly x (0 + x would turn −0 into +0)
static inline wg_vd wg_splat(double x) { wg_vd v; for (int i = 0; i < WG_W; i++) v[i] = x; return v; }
static inline double wg_hsum(wg_vd v) { double s = 0; for (int i = 0; i < WG_W; i++) s += v[i]; return s; }
