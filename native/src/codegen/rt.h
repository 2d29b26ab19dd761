/* The compiled tier's calling convention: what a generated program (emit.cc) receives from the
 * executor. Plain C: the generator embeds this file in every generated source (the prelude,
 * native/generated/prelude.h), so both sides compile the same declaration. Bump WG_CODE_ABI when
 * it changes (it is part of the disk cache's key). */
#ifndef WG_CODEGEN_RT_H
#define WG_CODEGEN_RT_H
#include <stdint.h>

#define WG_CODE_ABI 6
/* elements per tile of a fused chain: the interpreter's kFusedTile (program.h; static_assert there) */
#define WG_TILE 512

typedef void (*wg_unary_fn)(const double* a, double* out, int64_t n);
typedef void (*wg_binary_fn)(const double* a, int64_t sa, const double* b, int64_t sb, double* out, int64_t n);
typedef void (*wg_ternary_fn)(const double* a, int64_t sa, const double* b, int64_t sb, const double* c, int64_t sc,
                              double* out, int64_t n);

struct wg_rt;
/* a generated step's elements [e0, e1) of its n (e0 a multiple of WG_TILE), sc: tile scratch of the chunk */
typedef void (*wg_range_fn)(double* mem, double* const* ext, const struct wg_rt* rt, int64_t e0, int64_t e1, double* sc);

struct wg_rt {
  int32_t abi;
  /* the SIMD level's row kernels (kernels/table.h), indexed by op id */
  const wg_unary_fn* unary;
  const wg_binary_fn* binary;
  const wg_ternary_fn* ternary;
  /* runs step `index` of the program on the interpreter; 0 when it failed (the error is kept) */
  int (*step)(void* ctx, int32_t index);
  void* ctx;
  /* the fused chains' tile scratch of this evaluation's arena */
  double* scratch;
  /* runs fn over [0, n): in fixed whole-tile chunks on the intra-op pool when large (work: elements
   * × operations; scratch: doubles of sc a chunk uses), else at once with rt->scratch; the same bits */
  void (*range)(const struct wg_rt* rt, wg_range_fn fn, double* mem, double* const* ext, int64_t n, int64_t work,
                int64_t scratch);
  /* the level's matmul (kernels/table.h; packing buffers unused for a matrix–vector product) and
   * its accumulating matrix–vector kernel: y[i] += Σ_p A[i + p·csA]·x[p·sx], p in order */
  void (*matmul)(const double* A, int64_t rsA, int64_t csA, const double* B, int64_t rsB, int64_t csB, double* C,
                 int64_t m, int64_t k, int64_t n, double* packA, double* packB);
  void (*gemv_acc)(const double* A, int64_t csA, const double* x, int64_t sx, double* y, int64_t m, int64_t k);
  /* fn(ctx, c) for every c < chunks, on the intra-op pool when it is free (the caller runs chunks
   * too), else in order on the caller; returns when all have run */
  void (*par)(void (*fn)(void* ctx, int64_t c), void* ctx, int64_t chunks);
  /* intra-op threads of this evaluation at its start (1: no pool; > 1: large stencils and
   * matrix–vector passes split on the pool) */
  int32_t threads;
};

/* a generated program: returns 0, or 1 when a step run by the interpreter failed */
typedef int (*wg_program_fn)(double* mem, double* const* ext, const struct wg_rt* rt);

/* a loop body's compiled steps (bodies made only of generated steps): the loop driver of the
 * interpreter (exec_loops.cc) calls it per iteration instead of running the body's steps; offset:
 * the body's sub-image, in bytes from the program's image (image.h) */
struct wg_body {
  int64_t offset;
  wg_program_fn fn;
};

#endif
