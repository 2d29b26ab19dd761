/* Pieces of a fused chain's run shared by the interpreter (exec.cc) and the compiled tier (plain
 * C, embedded in every generated source by the prelude): an operand broadcast to the chain's
 * shape gathered tile by tile, and a sum over the chain's elements streamed tile by tile in the
 * order of `sum` over all axes (kernels/reduce.cc, src/ops/reduce.ts): blocks of 1024 values,
 * value i to lane i mod 8, a block's value c(c(c(l0,l1), c(l2,l3)), c(c(l4,l5), c(l6,l7))), block
 * values combined by a stack of complete power-of-two subtrees. Each + is one IEEE operation (no
 * contraction can form) under scalar.h's NaN rule (wg_nadd), so both tiers give the sum kernel's
 * bits. Tiles start at multiples of WG_TILE (512), which divides the block. */
#ifndef WG_KERNELS_FUSED_RT_H
#define WG_KERNELS_FUSED_RT_H
#include <stdint.h>
#include "scalar.h"

#define WG_SUM_BLOCK 1024

/* 8 lanes as four 2-wide vectors (the baseline ISA's width: a wider generic vector's NaN compare
 * is lowered element by element) */
typedef double wg_v2 __attribute__((vector_size(16)));
typedef long long wg_m2 __attribute__((vector_size(16)));
/* scalar.h's wg_nadd / wg_nmul on a wg_v2 `a`, `op` its plain a + x or a · x: a + a where a is NaN
 * (C has no vector ?:, so a bitwise blend on a's NaN mask) */
#define WG_NAN_RULE2(a, op) ((wg_v2)(((wg_m2)((a) + (a)) & (wg_m2)((a) != (a))) | ((wg_m2)(op) & ~(wg_m2)((a) != (a)))))

/* l[i mod 8] = c(l[i mod 8], x[i]) for i < m (m a multiple of 8), c = + or ·: plain vector
 * operations, redone under the NaN rule when a lane ends NaN — a NaN is sticky under + and ·, so
 * otherwise no operation met one and the plain bits are the rule's */
#define WG_LANES(name, OP)                                                                   \
  static inline void name(double* l, const double* x, int64_t m) {                          \
    wg_v2 a[4], v[4];                                                                        \
    double r[8];                                                                             \
    int nan = 0;                                                                             \
    __builtin_memcpy(a, l, 64);                                                              \
    for (int64_t i = 0; i < m; i += 8) {                                                     \
      __builtin_memcpy(v, x + i, 64);                                                        \
      for (int q = 0; q < 4; q++) a[q] = a[q] OP v[q];                                       \
    }                                                                                        \
    __builtin_memcpy(r, a, 64);                                                              \
    for (int k = 0; k < 8; k++) nan |= r[k] != r[k];                                         \
    if (nan) {                                                                               \
      __builtin_memcpy(a, l, 64);                                                            \
      for (int64_t i = 0; i < m; i += 8) {                                                   \
        __builtin_memcpy(v, x + i, 64);                                                      \
        for (int q = 0; q < 4; q++) a[q] = WG_NAN_RULE2(a[q], a[q] OP v[q]);                 \
      }                                                                                      \
      __builtin_memcpy(r, a, 64);                                                            \
    }                                                                                        \
    __builtin_memcpy(l, r, 64);                                                              \
  }
WG_LANES(wg_lanes_add, +)
WG_LANES(wg_lanes_mul, *)

struct wg_sum {
  double lanes[8];
  double val[48];
  int64_t size[48];
  int top;
};

static inline void wg_sum_init(struct wg_sum* s) {
  for (int k = 0; k < 8; k++) s->lanes[k] = -0.0;
  s->top = 0;
}

static inline void wg_sum_push(struct wg_sum* s, double v) {
  int64_t sz = 1;
  while (s->top > 0 && s->size[s->top - 1] == sz) { v = wg_nadd(s->val[--s->top], v); sz <<= 1; }
  s->val[s->top] = v;
  s->size[s->top++] = sz;
}

/**
 * the tile x[0..len) of elements t0.. of n; a finished block's value goes to the stack, or with
 * vals to vals[its block index] (chunks of whole blocks on several threads: wg_sum_blocks after)
 */
static inline void wg_sum_add(struct wg_sum* s, const double* x, int64_t len, int64_t t0, int64_t n, double* vals) {
  double l[8]; /* a copy: s could alias x */
  for (int k = 0; k < 8; k++) l[k] = s->lanes[k];
  int64_t i = len & ~(int64_t)7;
  wg_lanes_add(l, x, i);
  for (int k = 0; i < len; i++, k++) l[k] = wg_nadd(l[k], x[i]);
  if ((t0 + len) % WG_SUM_BLOCK == 0 || t0 + len == n) {
    const double v = wg_nadd(wg_nadd(wg_nadd(l[0], l[1]), wg_nadd(l[2], l[3])), wg_nadd(wg_nadd(l[4], l[5]), wg_nadd(l[6], l[7])));
    if (vals) vals[(t0 + len - 1) / WG_SUM_BLOCK] = v;
    else wg_sum_push(s, v);
    for (int k = 0; k < 8; k++) l[k] = -0.0;
  }
  for (int k = 0; k < 8; k++) s->lanes[k] = l[k];
}

static inline double wg_sum_result(const struct wg_sum* s) {
  if (s->top == 0) return 0.0; /* no elements: the empty sum */
  double acc = s->val[s->top - 1];
  for (int t = s->top - 2; t >= 0; t--) acc = wg_nadd(s->val[t], acc);
  return acc;
}

/** the sum of n elements from their block values vals[0..⌈n/1024⌉) */
static inline double wg_sum_blocks(const double* vals, int64_t n) {
  struct wg_sum s;
  wg_sum_init(&s);
  for (int64_t b = 0; b * WG_SUM_BLOCK < n; b++) wg_sum_push(&s, vals[b]);
  return wg_sum_result(&s);
}

/** dst[x] = src[offset of element t0 + x] for x < len: st, the operand's stride per chain axis (0 where broadcast) */
static inline void wg_fill_bcast(const double* src, const int64_t* dims, const int64_t* st, int rank, int64_t t0, int64_t len, double* dst) {
  int64_t idx[32], off = 0, rest = t0;
  if (rank == 0) { for (int64_t x = 0; x < len; x++) dst[x] = src[0]; return; }
  for (int a = rank - 1; a >= 0; a--) { idx[a] = rest % dims[a]; rest /= dims[a]; off += idx[a] * st[a]; }
  const int64_t C = dims[rank - 1], sc = st[rank - 1];
  for (int64_t x = 0; x < len;) {
    const int64_t run = C - idx[rank - 1] < len - x ? C - idx[rank - 1] : len - x; /* to the row's end */
    if (sc == 0) { const double v = src[off]; for (int64_t c = 0; c < run; c++) dst[x + c] = v; }
    else if (sc == 1) { for (int64_t c = 0; c < run; c++) dst[x + c] = src[off + c]; }
    else { for (int64_t c = 0; c < run; c++) dst[x + c] = src[off + c * sc]; }
    x += run;
    off += run * sc;
    idx[rank - 1] += run;
    for (int a = rank - 1; a > 0 && idx[a] == dims[a]; a--) { /* carry into the leading axes */
      off += st[a - 1] - dims[a] * st[a];
      idx[a] = 0;
      idx[a - 1]++;
    }
  }
}

#endif
