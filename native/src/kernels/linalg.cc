// Linear algebra for one SIMD level (the TS kernels in src/ops/linalg/kernels are the oracle; the
// results agree to rounding): blocked right-looking Cholesky, blocked LU with partial pivoting
// (solve, det, slogdet, adjugate), blocked Householder QR (compact WY updates), tridiagonal
// reduction + implicit QL (eigh), one-sided Jacobi (SVD). The BLAS-3 updates C ∓= A·B run on a
// packed, register-tiled kernel of gemm.h (shared with matmul.cc). No BLAS/LAPACK dependency; single-threaded with
// fixed blocking, so every run at one level gives the same bits.
#include "gemm.h"
#include "../threads.h"
#include <vector>

namespace wg {
namespace WG_NS {
namespace {

#if WG_LEVEL >= 3
constexpr int MR = 8;
#else
constexpr int MR = 6;
#endif
constexpr i64 NB = kLaNB, KC = kLaKC, MC = kLaMC, NC = kLaNC;
static_assert(MC % 8 == 0 && MC % 6 == 0 && NC % 16 == 0, "packing scratch (laPack) assumes these multiples");

inline double fabs_(double x) { return __builtin_fabs(x); }
inline double sqrt_(double x) { return __builtin_sqrt(x); }
constexpr double kNaN = __builtin_nan("");
void fill(double* x, i64 n, double v) { for (i64 i = 0; i < n; i++) x[i] = v; }
void copy(double* dst, const double* src, i64 n) { if (n > 0 && dst != src) __builtin_memmove(dst, src, size_t(n) * 8); }

// ---- vector helpers ------------------------------------------------------------------------------

/** Σ x[i]·y[i], i < n (contiguous) */
double dot(const double* x, const double* y, i64 n) {
  wg_vd s0 = {}, s1 = {};
  i64 i = 0;
  for (; i + 2 * WG_W <= n; i += 2 * WG_W) {
    s0 += wg_load(x + i) * wg_load(y + i);
    s1 += wg_load(x + i + WG_W) * wg_load(y + i + WG_W);
  }
  double s = wg_hsum(s0 + s1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

/** y[i] −= a·x[i], i < n */
void axpyNeg(double a, const double* x, double* y, i64 n) {
  const wg_vd va = wg_splat(a);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) wg_store(y + i, wg_load(y + i) - va * wg_load(x + i));
  for (; i < n; i++) y[i] -= a * x[i];
}

/** y[i] −= a0·x0[i] + a1·x1[i] + a2·x2[i] + a3·x3[i], i < n: four row updates in one pass over y */
void axpy4Neg(const double* a, const double* x0, const double* x1, const double* x2, const double* x3, double* y, i64 n) {
  const wg_vd v0 = wg_splat(a[0]), v1 = wg_splat(a[1]), v2 = wg_splat(a[2]), v3 = wg_splat(a[3]);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W)
    wg_store(y + i, wg_load(y + i) - ((v0 * wg_load(x0 + i) + v1 * wg_load(x1 + i)) + (v2 * wg_load(x2 + i) + v3 * wg_load(x3 + i))));
  for (; i < n; i++) y[i] -= (a[0] * x0[i] + a[1] * x1[i]) + (a[2] * x2[i] + a[3] * x3[i]);
}

void scale(double a, double* x, i64 n) {
  const wg_vd va = wg_splat(a);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) wg_store(x + i, va * wg_load(x + i));
  for (; i < n; i++) x[i] *= a;
}

/** no NaN or ±∞ among x[i], i < n (x·0 is 0 for finite x, NaN otherwise) */
bool allFinite(const double* x, i64 n) {
  wg_vd acc = {};
  const wg_vd zero = {};
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) acc += wg_load(x + i) * zero;
  double s = wg_hsum(acc);
  for (; i < n; i++) s += x[i] * 0.0;
  return s == 0;
}

/** (x, y) ← (c·x − s·y, s·x + c·y) */
void rotate(double* x, double* y, i64 n, double c, double s) {
  const wg_vd vc = wg_splat(c), vs = wg_splat(s);
  i64 i = 0;
  for (; i + WG_W <= n; i += WG_W) {
    const wg_vd a = wg_load(x + i), b = wg_load(y + i);
    wg_store(x + i, vc * a - vs * b);
    wg_store(y + i, vs * a + vc * b);
  }
  for (; i < n; i++) { const double a = x[i], b = y[i]; x[i] = c * a - s * b; y[i] = s * a + c * b; }
}

/** ‖x[i·s]‖, i < n, rescaled when the plain sum of squares under- or overflows (TS norm2) */
double norm2(const double* x, i64 s, i64 n) {
  double ss = 0;
  if (s == 1) ss = dot(x, x, n);
  else for (i64 i = 0; i < n; i++) ss += x[i * s] * x[i * s];
  if (ss > 1e-150 && ss < 1e150) return sqrt_(ss);
  double big = 0;
  for (i64 i = 0; i < n; i++) { const double v = fabs_(x[i * s]); if (v > big || v != v) big = v; }
  if (big == 0 || !(big - big == 0)) return big;
  ss = 0;
  for (i64 i = 0; i < n; i++) { const double v = x[i * s] / big; ss += v * v; }
  return big * sqrt_(ss);
}

/** √(a² + b²) from IEEE operations only (TS pythag) */
double pythag(double a, double b) {
  const double x = fabs_(a), y = fabs_(b);
  if (x > y) { const double r = y / x; return x * sqrt_(1 + r * r); }
  if (y == 0) return 0;
  const double r = x / y;
  return y * sqrt_(1 + r * r);
}

// ---- tiled copies (a column walk over a large matrix misses the cache at every step) ----------------

constexpr i64 TILE = 32;

/** dst[j·ldd + i] = src[i·lds + j] for i < rows, j < cols */
void transposeInto(double* dst, i64 ldd, const double* src, i64 lds, i64 rows, i64 cols) {
  for (i64 i0 = 0; i0 < rows; i0 += TILE)
    for (i64 j0 = 0; j0 < cols; j0 += TILE) {
      const i64 i1 = imin(i0 + TILE, rows), j1 = imin(j0 + TILE, cols);
      for (i64 j = j0; j < j1; j++)
        for (i64 i = i0; i < i1; i++) dst[j * ldd + i] = src[i * lds + j];
    }
}

/** S = ½(A + Aᵀ) (n×n; lowerOnly: the lower triangle, zeros above) */
void symmetrize(double* S, const double* a, i64 n, bool lowerOnly) {
  for (i64 i0 = 0; i0 < n; i0 += TILE)
    for (i64 j0 = 0; j0 < n; j0 += TILE) {
      const i64 i1 = imin(i0 + TILE, n), j1 = imin(j0 + TILE, n);
      for (i64 i = i0; i < i1; i++)
        for (i64 j = j0; j < j1; j++) S[i * n + j] = lowerOnly && j > i ? 0.0 : 0.5 * (a[i * n + j] + a[j * n + i]);
    }
}

// ---- C ±= A·B: packed panels and an MR×NR register tile (gemm.h) --------------------------------

/**
 * C[m×n, row stride ldc] += sign·A·B, A(i,p) = A[i·rsA + p·csA], B(p,j) = B[p·rsB + j·csB];
 * pack: laPack(n) doubles. One column (n = 1) with contiguous rows of A runs as dot products.
 */
void gemm(i64 m, i64 n, i64 k, const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc,
          double sign, double* pack) {
  if (m <= 0 || n <= 0 || k <= 0) return;
  if (n == 1 && csA == 1 && rsB == 1) {
    for (i64 i = 0; i < m; i++) C[i * ldc] += sign * dot(A + i * rsA, B, k);
    return;
  }
  double* pA = pack;
  double* pB = pack + MC * KC;
  const Acc acc = sign > 0 ? ACC_ADD : ACC_SUB;  // sign ±1: C + (−T) is C − T exactly
  for (i64 jc = 0; jc < n; jc += NC) {
    const i64 nc = imin(NC, n - jc);
    for (i64 pc = 0; pc < k; pc += KC) {
      const i64 kc = imin(KC, k - pc);
      packB(B + pc * rsB + jc * csB, rsB, csB, kc, nc, pB);
      for (i64 ic = 0; ic < m; ic += MC) {
        const i64 mc = imin(MC, m - ic);
        packA<MR>(A + ic * rsA + pc * csA, rsA, csA, mc, kc, pA);
        for (i64 jr = 0; jr < nc; jr += NR)
          for (i64 ir = 0; ir < mc; ir += MR)
            micro<MR>(kc, pA + ir * kc, pB + jr * kc, C + (ic + ir) * ldc + jc + jr, ldc, imin(MR, mc - ir), imin(NR, nc - jr), acc);
      }
    }
  }
}

/** gemm on the pool: C's rows (or columns, when it has fewer rows than PAR_ROWS) in fixed chunks */
struct GemmJob {
  i64 m, n, k; const double* A; i64 rsA, csA; const double* B; i64 rsB, csB; double* C; i64 ldc; double sign;
  bool byRows;
};
constexpr i64 PAR_ROWS = MC, PAR_COLS = 64;  // multiples of every level's MR, NR

void gemmChunk(void* ctx, i64 c) {
  const GemmJob& g = *static_cast<const GemmJob*>(ctx);
  thread_local std::vector<double> pack;
  if (i64(pack.size()) < laPack(g.n)) pack.resize(size_t(laPack(g.n)));
  if (g.byRows) {
    const i64 r0 = c * PAR_ROWS;
    gemm(imin(PAR_ROWS, g.m - r0), g.n, g.k, g.A + r0 * g.rsA, g.rsA, g.csA, g.B, g.rsB, g.csB, g.C + r0 * g.ldc, g.ldc, g.sign, pack.data());
  } else {
    const i64 c0 = c * PAR_COLS;
    gemm(g.m, imin(PAR_COLS, g.n - c0), g.k, g.A, g.rsA, g.csA, g.B + c0 * g.csB, g.rsB, g.csB, g.C + c0, g.ldc, g.sign, pack.data());
  }
}

/**
 * gemm, on the pool's threads when large. Every C element is the same register tile's sum over the
 * same kc blocks however C is cut (gemm.h): the bits of the single-threaded gemm, for every thread count.
 */
void gemmPar(i64 m, i64 n, i64 k, const double* A, i64 rsA, i64 csA, const double* B, i64 rsB, i64 csB, double* C, i64 ldc,
             double sign, double* pack) {
  const bool byRows = m >= 2 * PAR_ROWS;
  if (threadCount() <= 1 || double(m) * double(n) * double(k) < 1e6 || (!byRows && n < 2 * PAR_COLS)) {
    gemm(m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, sign, pack);
    return;
  }
  GemmJob g{m, n, k, A, rsA, csA, B, rsB, csB, C, ldc, sign, byRows};
  parallelFor(byRows ? (m + PAR_ROWS - 1) / PAR_ROWS : (n + PAR_COLS - 1) / PAR_COLS, gemmChunk, &g);
}

// ---- Cholesky ---------------------------------------------------------------------------------------

void trsm(const double* T, i64 n, double* X, i64 k, int32_t flags, double* pack, i64 nb = NB);

/**
 * X (r×b at row stride ld) ← X·op(D)⁻¹ for the lower b×b D (contiguous), op(D) = Dᵀ unless
 * plain: solved as op(D)ᵀ·Xᵀ, transposed through Pt (b×r) so the substitution runs along rows of r.
 */
void rightSolve(const double* D, i64 b, double* X, i64 ld, i64 r, bool plain, double* Pt, double* pack, i64 nb = NB) {
  transposeInto(Pt, r, X, ld, r, b);
  trsm(D, b, Pt, r, plain ? (LA_LOWER | LA_TRANSPOSE) : LA_LOWER, pack, nb);
  transposeInto(X, ld, Pt, r, b, r);
}

/** the lower b×b block at D (row stride ld) into Dl (contiguous, zeros above) */
void lowerBlock(const double* D, i64 ld, i64 b, double* Dl) {
  for (i64 i = 0; i < b; i++)
    for (i64 c = 0; c < b; c++) Dl[i * b + c] = c <= i ? D[i * ld + c] : 0.0;
}

/**
 * L (lower, n×n) of ½(A + Aᵀ), right-looking in blocks of NB; false (L all NaN) when not positive
 * definite. work: NB² + NB·n doubles, then the packing scratch.
 */
bool cholesky1(const double* a, double* L, i64 n, double* work, double* pack) {
  if (!allFinite(a, n * n)) { fill(L, n * n, kNaN); return false; }
  symmetrize(L, a, n, true);
  for (i64 kb = 0; kb < n; kb += NB) {
    const i64 b = imin(NB, n - kb), e = kb + b;
    for (i64 j = kb; j < e; j++) {  // the diagonal block (earlier blocks are already subtracted)
      double* rj = L + j * n;
      const double s = rj[j] - dot(rj + kb, rj + kb, j - kb);
      if (!(s > 0)) { fill(L, n * n, kNaN); return false; }
      const double d = sqrt_(s);
      rj[j] = d;
      for (i64 i = j + 1; i < e; i++) { double* ri = L + i * n; ri[j] = (ri[j] - dot(ri + kb, rj + kb, j - kb)) / d; }
    }
    if (e < n) {  // the panel below: L21 = A21·L11⁻ᵀ
      lowerBlock(L + kb * n + kb, n, b, work);
      rightSolve(work, b, L + e * n + kb, n, n - e, false, work + NB * NB, pack);
    }
    for (i64 ib = e; ib < n; ib += NB) {  // trailing lower part: L22 −= L21·L21ᵀ, by block rows up to the diagonal
      const i64 r = imin(NB, n - ib);
      gemm(r, ib + r - e, b, L + ib * n + kb, n, 1, L + e * n + kb, 1, n, L + ib * n + e, n, -1.0, pack);
    }
  }
  for (i64 i = 0; i < n; i++) fill(L + i * n + i + 1, n - i - 1, 0.0);  // the updates wrote above diagonal blocks
  return true;
}

/**
 * The lower-triangle gradient of D = chol(Y) for one b×b block (D at stride ld, its cotangent Db at
 * stride ld, lower parts): Ȳ_sym = sym(D⁻ᵀ·Φ(Dᵀ·D̄)·D⁻¹), written back to Db as 2·tril(Ȳ_sym) − diag.
 * Scratch w: 3·b² doubles.
 */
void choleskyRevBlock(const double* D, double* Db, i64 ld, i64 b, double* w, double* pack);

// ---- triangular solves -----------------------------------------------------------------------------

/**
 * X = op(T)⁻¹·B in place (X holds B), T n×n: its lower (LA_LOWER) or upper triangle, unit diagonal
 * with LA_UNIT, op(T) = Tᵀ with LA_TRANSPOSE; X n×k. Blocked: rows of X below a block are
 * updated by one product with the solved rows. A zero diagonal entry gives an all-NaN X.
 */
void trsm(const double* T, i64 n, double* X, i64 k, int32_t flags, double* pack, i64 nb) {
  const bool unit = flags & LA_UNIT, tr = flags & LA_TRANSPOSE, lower = flags & LA_LOWER, fwd = lower != tr;
  bool ok = allFinite(X, n * k);
  for (i64 i = 0; ok && i < n; i++) {  // the entries of the triangle it reads
    const i64 lo = lower ? 0 : i + (unit ? 1 : 0), hi = lower ? i + (unit ? 0 : 1) : n;
    ok = allFinite(T + i * n + lo, hi - lo);
  }
  if (!ok) { fill(X, n * k, kNaN); return; }
  if (!unit)
    for (i64 i = 0; i < n; i++)
      if (T[i * n + i] == 0) { fill(X, n * k, kNaN); return; }
  const i64 rs = tr ? 1 : n, cs = tr ? n : 1;  // M = op(T): M(i,j) = T[i·rs + j·cs]
  if (k == 1) {
    if (!tr) {  // rows of M are rows of T: x_i = (b_i − M(i,·)·x) / M_ii
      for (i64 s = 0; s < n; s++) {
        const i64 i = fwd ? s : n - 1 - s;
        const double t = fwd ? dot(T + i * n, X, i) : dot(T + i * n + i + 1, X + i + 1, n - i - 1);
        X[i] -= t;
        if (!unit) X[i] /= T[i * n + i];
      }
    } else {  // columns of M are rows of T: x_j /= M_jj, then x −= x_j·M(·, j) beyond j
      for (i64 s = 0; s < n; s++) {
        const i64 j = fwd ? s : n - 1 - s;
        if (!unit) X[j] /= T[j * n + j];
        if (fwd) axpyNeg(X[j], T + j * n + j + 1, X + j + 1, n - j - 1);
        else axpyNeg(X[j], T + j * n, X, j);
      }
    }
    return;
  }
  for (i64 q = 0; q < n; q += nb) {
    const i64 b = imin(nb, n - q), ib = fwd ? q : n - q - b, e = ib + b;
    if (fwd) gemm(b, k, ib, T + ib * rs, rs, cs, X, k, 1, X + ib * k, k, -1.0, pack);
    else gemm(b, k, n - e, T + ib * rs + e * cs, rs, cs, X + e * k, k, 1, X + ib * k, k, -1.0, pack);
    for (i64 s = 0; s < b; s++) {  // x_i −= Σ M(i, j)·x_j over the solved rows j of the block, four at a time
      const i64 i = fwd ? ib + s : e - 1 - s, j0 = fwd ? ib : i + 1, j1 = fwd ? i : e;
      double* xi = X + i * k;
      i64 j = j0;
      for (; j + 4 <= j1; j += 4) {
        const double a[4] = {T[i * rs + j * cs], T[i * rs + (j + 1) * cs], T[i * rs + (j + 2) * cs], T[i * rs + (j + 3) * cs]};
        axpy4Neg(a, X + j * k, X + (j + 1) * k, X + (j + 2) * k, X + (j + 3) * k, xi, k);
      }
      for (; j < j1; j++) axpyNeg(T[i * rs + j * cs], X + j * k, xi, k);
      if (!unit) scale(1.0 / T[i * n + i], xi, k);
    }
  }
}

/**
 * Ā = ½(G + Gᵀ) on the columns [c0, c1) of the lower G (rows from c0 on) and their mirror: the
 * column panel is final once its block is done, and still in cache (the mirror's writes walk the
 * c1 − c0 ≤ NB rows [c0, c1) side by side).
 */
void mirrorPanel(double* out, i64 n, i64 c0, i64 c1) {
  for (i64 i = c0; i < n; i++)
    for (i64 c = c0; c < imin(c1, i); c++) { const double v = 0.5 * out[i * n + c]; out[i * n + c] = v; out[c * n + i] = v; }
}

#ifndef WG_REV_NB
#define WG_REV_NB NB
#endif
/** the reverse's blocks: RNB for the matrix, RB inside each diagonal block (its own reverse, recursively) */
constexpr i64 RNB = WG_REV_NB, RB = 16;
static_assert(RNB <= NB, "choleskyGrad's scratch (linalgScratch) is sized for NB");

/**
 * The reverse of the left-looking blocked Cholesky in blocks of nb, from the last (Murray 2016): out
 * (n×n at row stride ld, its lower part holding L̄) accumulates the gradient G with respect to the
 * lower triangle of A (L also at stride ld). Per block [k, j) with R = L[k:j, :k], D = L[k:j, k:j],
 * B = L[j:, :k], C = L[j:, k:j] (forward: D = chol(A11 − R·Rᵀ), C = (A21 − B·Rᵀ)·D⁻ᵀ):
 *   X̄ = C̄·D⁻¹, D̄ −= tril(X̄ᵀ·C), B̄ −= X̄·R, R̄ −= X̄ᵀ·B, Ȳ = chol_rev(D, D̄), R̄ −= (Ȳ + Ȳᵀ)·R,
 * chol_rev the same in blocks of RB (then choleskyRevBlock). mirror: Ā = ½(G + Gᵀ) in place, each
 * column panel as soon as it is final. work: 4·nb² + nb·n doubles.
 */
void choleskyRevLower(const double* L, double* out, i64 ld, i64 n, i64 nb, bool mirror, double* work, double* pack) {
  double* Dt = work;                // nb²: D, then Ȳ + Ȳᵀ
  double* Pt = work + 4 * nb * nb;  // nb·n: a transposed panel
  for (i64 k = (n - 1) / nb * nb; n > 0 && k >= 0; k -= nb) {
    const i64 j = imin(k + nb, n), b = j - k, r = n - j;
    const double* D = L + k * ld + k;
    double* Db = out + k * ld + k;
    if (r > 0) {
      double* Xb = out + j * ld + k;  // C̄, then X̄ = C̄·D⁻¹ in place
      lowerBlock(D, ld, b, Dt);
      rightSolve(Dt, b, Xb, ld, r, true, Pt, pack, RB);  // blocks of RB: most of it in the packed update
      double* T1 = Dt + nb * nb;
      const i64 h = b / 2;  // X̄ᵀ·C, its lower part: rows below h need columns up to h only
      fill(T1, b * b, 0.0);
      gemm(h, h, r, Xb, 1, ld, L + j * ld + k, ld, 1, T1, b, 1.0, pack);
      gemm(b - h, b, r, Xb + h, 1, ld, L + j * ld + k, ld, 1, T1 + h * b, b, 1.0, pack);
      for (i64 i = 0; i < b; i++)
        for (i64 c = 0; c <= i; c++) Db[i * ld + c] -= T1[i * b + c];
      if (k > 0) {
        gemmPar(r, k, b, Xb, ld, 1, L + k * ld, ld, 1, out + j * ld, ld, -1.0, pack);  // B̄ −= X̄·R
        gemmPar(b, k, r, Xb, 1, ld, L + j * ld, ld, 1, out + k * ld, ld, -1.0, pack);  // R̄ −= X̄ᵀ·B
      }
    }
    if (b > RB && nb > RB) choleskyRevLower(D, Db, ld, b, RB, false, Dt + nb * nb, pack);
    else choleskyRevBlock(D, Db, ld, b, Dt + nb * nb, pack);
    if (k > 0) {
      double* Ys = Dt;  // Ȳ + Ȳᵀ
      for (i64 i = 0; i < b; i++)
        for (i64 c = 0; c < b; c++) Ys[i * b + c] = (c <= i ? Db[i * ld + c] : 0.0) + (i <= c ? Db[c * ld + i] : 0.0);
      gemm(b, k, b, Ys, b, 1, L + k * ld, ld, 1, out + k * ld, ld, -1.0, pack);
    }
    if (mirror) mirrorPanel(out, n, k, j);  // later blocks write only columns before k
  }
}

/** Ā = sym(L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹) (n×n, lower parts of L and Ḡ read); work: 4·NB² + NB·n doubles */
void choleskyRev1(const double* L, const double* Lb, double* out, i64 n, double* work, double* pack) {
  bool ok = true;
  for (i64 i = 0; ok && i < n; i++) ok = allFinite(L + i * n, i + 1) && allFinite(Lb + i * n, i + 1) && L[i * n + i] != 0;
  if (!ok) { fill(out, n * n, kNaN); return; }
  for (i64 i = 0; i < n; i++) copy(out + i * n, Lb + i * n, i + 1);  // the upper part is written by mirrorPanel
  choleskyRevLower(L, out, n, n, RNB, true, work, pack);
}

// ---- LU with partial pivoting -----------------------------------------------------------------------

/** det(P); a pivot was exactly 0; A had a NaN or ±∞ entry (every result built on it is NaN) */
struct Lu { double parity; bool singular; bool nonFinite; };

/**
 * P·A = L·U into LU (n×n: L unit strictly below, U on and above), perm[i] = A's row in position i.
 * Pivots: the first entry of largest magnitude in the column (as the TS kernel); a zero pivot
 * column (all zero below) is not eliminated. Right-looking in column panels of NB.
 */
Lu lu1(const double* a, double* LU, int32_t* perm, i64 n, double* pack) {
  copy(LU, a, n * n);
  for (i64 i = 0; i < n; i++) perm[i] = int32_t(i);
  Lu f{1.0, false, !allFinite(a, n * n)};
  for (i64 kb = 0; kb < n; kb += NB) {
    const i64 e = imin(kb + NB, n);
    for (i64 j = kb; j < e; j++) {
      i64 p = j;
      double big = fabs_(LU[j * n + j]);
      for (i64 i = j + 1; i < n; i++) { const double v = fabs_(LU[i * n + j]); if (v > big) { big = v; p = i; } }
      if (p != j) {
        for (i64 c = 0; c < n; c++) { const double t = LU[j * n + c]; LU[j * n + c] = LU[p * n + c]; LU[p * n + c] = t; }
        const int32_t t = perm[j]; perm[j] = perm[p]; perm[p] = t;
        f.parity = -f.parity;
      }
      const double piv = LU[j * n + j];
      if (piv == 0) { f.singular = true; continue; }
      for (i64 i = j + 1; i < n; i++) {
        double* ri = LU + i * n;
        const double l = ri[j] / piv;
        ri[j] = l;
        axpyNeg(l, LU + j * n + j + 1, ri + j + 1, e - j - 1);
      }
    }
    if (e == n) break;
    for (i64 i = kb + 1; i < e; i++)  // U12 = L11⁻¹·A12
      for (i64 j = kb; j < i; j++) axpyNeg(LU[i * n + j], LU + j * n + e, LU + i * n + e, n - e);
    gemm(n - e, n - e, e - kb, LU + e * n + kb, n, 1, LU + kb * n + e, n, 1, LU + e * n + e, n, -1.0, pack);  // A22 −= L21·U12
  }
  return f;
}

// ---- Householder QR ----------------------------------------------------------------------------------

/** dlarfg on column j of W (m×n row-major, rows j..m−1): β on the diagonal, v below it; returns τ (TS reflector) */
double reflector(double* W, i64 m, i64 n, i64 j) {
  const double alpha = W[j * n + j], xnorm = norm2(W + (j + 1) * n + j, n, m - j - 1);
  if (xnorm == 0) return 0;
  const double h = pythag(alpha, xnorm), beta = alpha >= 0 ? -h : h, sc = 1 / (alpha - beta);
  for (i64 i = j + 1; i < m; i++) W[i * n + j] *= sc;
  W[j * n + j] = beta;
  return (beta - alpha) / beta;
}

/** W[j:m, c0:c1] ← (I − τ·v·vᵀ)·W[j:m, c0:c1], v = W[j:m, j] below an implied 1; w: scratch of c1 − c0 */
void applyLeft(double* W, i64 m, i64 n, i64 j, i64 c0, i64 c1, double tau, double* w) {
  const i64 len = c1 - c0;
  copy(w, W + j * n + c0, len);
  for (i64 i = j + 1; i < m; i++) { const double v = W[i * n + j]; axpyNeg(-v, W + i * n + c0, w, len); }
  scale(tau, w, len);
  axpyNeg(1.0, w, W + j * n + c0, len);
  for (i64 i = j + 1; i < m; i++) axpyNeg(W[i * n + j], w, W + i * n + c0, len);
}

/**
 * The reflectors of panel [jb, jb + b) as a column-major (m − jb)×b block V (unit diagonal, zeros
 * above) and the upper triangular T with H_jb⋯H_{jb+b−1} = I − V·T·Vᵀ (dlarft, forward, columnwise).
 */
void panelVT(const double* W, i64 m, i64 n, i64 jb, i64 b, const double* tau, double* V, double* T, double* z) {
  const i64 rows = m - jb;
  for (i64 c = 0; c < b; c++)
    for (i64 r = 0; r < rows; r++) V[c * rows + r] = r < c ? 0.0 : r == c ? 1.0 : W[(jb + r) * n + jb + c];
  for (i64 i = 0; i < b; i++) {
    T[i * b + i] = tau[jb + i];
    for (i64 p = 0; p < i; p++) z[p] = dot(V + p * rows + i, V + i * rows + i, rows - i);   // (Vᵀ·v_i)_p
    for (i64 r = 0; r < i; r++) {  // T[0:i, i] = −τ_i·T[0:i, 0:i]·z
      double s = 0;
      for (i64 p = r; p < i; p++) s += T[r * b + p] * z[p];
      T[r * b + i] = -tau[jb + i] * s;
    }
    for (i64 r = i + 1; r < b; r++) T[r * b + i] = 0;
  }
}

/**
 * C (rows × cols, row stride ldc) ← (I − V·op(T)·Vᵀ)·C with V column-major rows×b, op(T) = Tᵀ
 * (applying Hᵀ: the factorization) or T (applying H: forming Q). Wb: b×cols scratch.
 */
void applyBlock(const double* V, const double* T, i64 rows, i64 b, double* C, i64 cols, i64 ldc, bool transT, double* Wb,
                double* pack) {
  if (cols <= 0) return;
  fill(Wb, b * cols, 0.0);
  gemm(b, cols, rows, V, rows, 1, C, ldc, 1, Wb, cols, 1.0, pack);  // Wb = Vᵀ·C
  if (transT) {  // Wb ← Tᵀ·Wb: row i = Σ_{p ≤ i} T[p][i]·Wb[p], from the last row up
    for (i64 i = b - 1; i >= 0; i--) {
      scale(T[i * b + i], Wb + i * cols, cols);
      for (i64 p = 0; p < i; p++) axpyNeg(-T[p * b + i], Wb + p * cols, Wb + i * cols, cols);
    }
  } else {  // Wb ← T·Wb: row i = Σ_{p ≥ i} T[i][p]·Wb[p], from the first row down
    for (i64 i = 0; i < b; i++) {
      scale(T[i * b + i], Wb + i * cols, cols);
      for (i64 p = i + 1; p < b; p++) axpyNeg(-T[i * b + p], Wb + p * cols, Wb + i * cols, cols);
    }
  }
  gemm(rows, cols, b, V, 1, rows, Wb, cols, 1, C, ldc, -1.0, pack);  // C −= V·Wb
}

/** the first component within 1e-10 of the largest magnitude (TS pivotIndex) */
i64 pivotIndex(const double* x, i64 s, i64 n) {
  double big = 0;
  for (i64 i = 0; i < n; i++) { const double v = fabs_(x[i * s]); if (v > big) big = v; }
  const double bar = big - 1e-10 * big;
  for (i64 i = 0; i < n; i++) if (fabs_(x[i * s]) >= bar) return i;
  return 0;
}

void qr1(const double* a, i64 m, i64 n, double* Q, double* R, double* work, double* pack) {
  const i64 k = imin(m, n), mx = m > n ? m : n;
  if (!allFinite(a, m * n)) { fill(Q, m * k, kNaN); fill(R, k * n, kNaN); return; }
  double* W = work;                       // m×n
  double* V = W + m * n;                  // m×NB
  double* T = V + m * NB;                 // NB×NB
  double* Wb = T + NB * NB;               // NB×max(m, n)
  double* tau = Wb + NB * mx;             // k
  copy(W, a, m * n);
  for (i64 jb = 0; jb < k; jb += NB) {
    const i64 b = imin(NB, k - jb), e = jb + b;
    for (i64 j = jb; j < e; j++) {
      tau[j] = reflector(W, m, n, j);
      if (tau[j] != 0) applyLeft(W, m, n, j, j + 1, e, tau[j], Wb);
    }
    panelVT(W, m, n, jb, b, tau, V, T, Wb);
    applyBlock(V, T, m - jb, b, W + jb * n + e, n - e, n, true, Wb, pack);
  }
  for (i64 i = 0; i < m; i++)
    for (i64 c = 0; c < k; c++) Q[i * k + c] = i == c ? 1.0 : 0.0;
  for (i64 jb = (k - 1) / NB * NB; k > 0 && jb >= 0; jb -= NB) {
    const i64 b = imin(NB, k - jb);
    panelVT(W, m, n, jb, b, tau, V, T, Wb);
    applyBlock(V, T, m - jb, b, Q + jb * k + jb, k - jb, k, false, Wb, pack);
  }
  for (i64 i = 0; i < k; i++) {
    const bool flip = W[i * n + i] < 0;
    for (i64 c = 0; c < n; c++) R[i * n + c] = c < i ? 0.0 : flip ? -W[i * n + c] : W[i * n + c];
    if (flip) for (i64 r = 0; r < m; r++) Q[r * k + i] = -Q[r * k + i];
  }
}

// ---- symmetric eigendecomposition ----------------------------------------------------------------------

/** Qᵀ·S·Q tridiagonal (d, e), Q = H_0⋯H_{n−3} written transposed to Qt (TS tridiagonalize) */
void tridiagonalize(double* S, i64 n, double* d, double* e, double* Qt, double* Q, double* tau, double* p) {
  for (i64 k = 0; k + 2 < n; k++) {
    double* v = S + k * n;  // row k holds v from k + 1 on
    const double alpha = v[k + 1], xnorm = norm2(v + k + 2, 1, n - k - 2);
    d[k] = v[k];
    if (xnorm == 0) { tau[k] = 0; e[k] = alpha; continue; }
    const double h = pythag(alpha, xnorm), beta = alpha >= 0 ? -h : h, t = (beta - alpha) / beta;
    tau[k] = t;
    e[k] = beta;
    v[k + 1] = 1;
    scale(1 / (alpha - beta), v + k + 2, n - k - 2);
    const i64 r = n - k - 1;
    double pv = 0;
    for (i64 i = k + 1; i < n; i++) {
      p[i] = t * dot(S + i * n + k + 1, v + k + 1, r);
      pv += p[i] * v[i];
    }
    const double half = -0.5 * t * pv;
    for (i64 i = k + 1; i < n; i++) p[i] += half * v[i];
    for (i64 i = k + 1; i < n; i++) {  // S22 −= v·wᵀ + w·vᵀ (w = p)
      double* si = S + i * n + k + 1;
      const wg_vd vi = wg_splat(v[i]), wi = wg_splat(p[i]);
      const double* pj = p + k + 1;
      const double* vj = v + k + 1;
      i64 j = 0;
      for (; j + WG_W <= r; j += WG_W) wg_store(si + j, wg_load(si + j) - (vi * wg_load(pj + j) + wi * wg_load(vj + j)));
      for (; j < r; j++) si[j] -= v[i] * pj[j] + p[i] * vj[j];
    }
  }
  if (n >= 2) { d[n - 2] = S[(n - 2) * n + n - 2]; e[n - 2] = S[(n - 1) * n + n - 2]; }
  if (n >= 1) d[n - 1] = S[(n - 1) * n + n - 1];
  e[n - 1] = 0;
  fill(Q, n * n, 0.0);
  for (i64 i = 0; i < n; i++) Q[i * n + i] = 1;
  for (i64 k = n - 3; k >= 0; k--) {
    if (tau[k] == 0) continue;
    const double* v = S + k * n;
    const i64 c0 = k + 1, len = n - c0;
    fill(p + c0, len, 0.0);
    for (i64 i = c0; i < n; i++) axpyNeg(-v[i], Q + i * n + c0, p + c0, len);
    for (i64 i = c0; i < n; i++) axpyNeg(tau[k] * v[i], p + c0, Q + i * n + c0, len);
  }
  transposeInto(Qt, n, Q, n, n, n);
}

/** implicit QL on (d, e), rotations applied to rows of Zt (TS ql); false when it does not converge */
bool ql(double* d, double* e, i64 n, double* Zt) {
  for (i64 l = 0; l < n; l++) {
    int iter = 0;
    i64 m;
    do {
      for (m = l; m < n - 1; m++) {
        const double dd = fabs_(d[m]) + fabs_(d[m + 1]);
        if (fabs_(e[m]) + dd == dd) break;
      }
      if (m == l) break;
      if (iter++ == 60) return false;
      double g = (d[l + 1] - d[l]) / (2 * e[l]);
      double r = pythag(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      double s = 1, c = 1, p = 0;
      i64 i;
      for (i = m - 1; i >= l; i--) {
        const double f = s * e[i], b = c * e[i];
        e[i + 1] = r = pythag(f, g);
        if (r == 0) { d[i + 1] -= p; e[m] = 0; break; }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        rotate(Zt + (i + 1) * n, Zt + i * n, n, c, -s);  // z1 ← c·z1 + s·z0, z0 ← c·z0 − s·z1
      }
      if (r == 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    } while (m != l);
  }
  return true;
}

void eigh1(const double* a, i64 n, double* w, double* V, double* work) {
  double* S = work;
  double* Q = S + n * n;
  double* Vt = Q + n * n;
  double* d = Vt + n * n;
  double* e = d + n;
  double* tau = e + n;
  double* p = tau + n;
  if (!allFinite(a, n * n)) { fill(w, n, kNaN); fill(V, n * n, kNaN); return; }
  symmetrize(S, a, n, false);
  tridiagonalize(S, n, d, e, Vt, Q, tau, p);
  if (!ql(d, e, n, Vt)) { fill(w, n, kNaN); fill(V, n * n, kNaN); return; }
  for (i64 i = 0; i + 1 < n; i++) {
    i64 b = i;
    for (i64 j = i + 1; j < n; j++) if (d[j] < d[b]) b = j;
    if (b == i) continue;
    const double t = d[i]; d[i] = d[b]; d[b] = t;
    for (i64 c = 0; c < n; c++) { const double u = Vt[i * n + c]; Vt[i * n + c] = Vt[b * n + c]; Vt[b * n + c] = u; }
  }
  for (i64 i = 0; i < n; i++) {
    double* row = Vt + i * n;
    if (row[pivotIndex(row, 1, n)] < 0) scale(-1.0, row, n);
    w[i] = d[i];
  }
  transposeInto(V, n, Vt, n, n, n);
}

// ---- SVD: one-sided Jacobi -----------------------------------------------------------------------------

bool jacobiSweeps(double* G, double* W, i64 p, i64 q) {
  const double tol = sqrt_(double(p)) * 2.220446049250313e-16;
  for (int sweep = 0; sweep < 60; sweep++) {
    bool rotated = false;
    for (i64 i = 0; i + 1 < q; i++) {
      for (i64 j = i + 1; j < q; j++) {
        double* gi = G + i * p;
        double* gj = G + j * p;
        const double alpha = dot(gi, gi, p), beta = dot(gj, gj, p), gamma = dot(gi, gj, p);
        if (!(fabs_(gamma) > tol * sqrt_(alpha * beta))) continue;
        rotated = true;
        const double zeta = (beta - alpha) / (2 * gamma);
        const double t = (zeta >= 0 ? 1.0 : -1.0) / (fabs_(zeta) + sqrt_(1 + zeta * zeta));
        const double c = 1 / sqrt_(1 + t * t), s = c * t;
        rotate(gi, gj, p, c, s);
        rotate(W + i * q, W + j * q, q, c, s);
      }
    }
    if (!rotated) return true;
  }
  return false;
}

void swapRows(double* X, i64 len, i64 a, i64 b) {
  for (i64 t = 0; t < len; t++) { const double u = X[a * len + t]; X[a * len + t] = X[b * len + t]; X[b * len + t] = u; }
}

/** row j of G := the first e_c with enough left after two Gram–Schmidt passes against rows 0..j−1 (TS complete) */
void complete(double* G, i64 p, i64 j, double* x) {
  for (i64 c = 0; c < p; c++) {
    fill(x, p, 0.0);
    x[c] = 1;
    for (int pass = 0; pass < 2; pass++)
      for (i64 r = 0; r < j; r++) axpyNeg(dot(G + r * p, x, p), G + r * p, x, p);
    const double nx = norm2(x, 1, p);
    if (nx > 0.5) { for (i64 t = 0; t < p; t++) G[j * p + t] = x[t] / nx; return; }
  }
}

void svd1(const double* a, i64 m, i64 n, double* U, double* S, double* Vt, double* work) {
  const bool tall = m >= n;
  const i64 p = tall ? m : n, q = tall ? n : m;
  double* G = work;         // q×p: the columns of A (or Aᵀ)
  double* W = G + q * p;    // q×q: the right vectors
  double* sig = W + q * q;  // q
  double* x = sig + q;      // p
  if (tall) transposeInto(G, p, a, n, m, n);
  else copy(G, a, m * n);
  for (i64 j = 0; j < q; j++)
    for (i64 i = 0; i < q; i++) W[j * q + i] = i == j ? 1.0 : 0.0;
  if (!allFinite(a, m * n) || !jacobiSweeps(G, W, p, q)) { fill(U, m * q, kNaN); fill(S, q, kNaN); fill(Vt, q * n, kNaN); return; }
  for (i64 j = 0; j < q; j++) sig[j] = norm2(G + j * p, 1, p);
  for (i64 i = 0; i + 1 < q; i++) {
    i64 b = i;
    for (i64 j = i + 1; j < q; j++) if (sig[j] > sig[b]) b = j;
    if (b == i) continue;
    const double t = sig[i]; sig[i] = sig[b]; sig[b] = t;
    swapRows(G, p, i, b);
    swapRows(W, q, i, b);
  }
  for (i64 j = 0; j < q; j++) {
    if (sig[j] != 0) { const double inv = sig[j]; for (i64 i = 0; i < p; i++) G[j * p + i] /= inv; }
    else complete(G, p, j, x);
  }
  double* L = tall ? G : W;
  double* R = tall ? W : G;
  const i64 ll = tall ? p : q, rl = tall ? q : p;
  for (i64 j = 0; j < q; j++) {
    if (L[j * ll + pivotIndex(L + j * ll, 1, ll)] < 0) { scale(-1.0, L + j * ll, ll); scale(-1.0, R + j * rl, rl); }
    S[j] = sig[j];
    copy(Vt + j * n, R + j * rl, n);
  }
  transposeInto(U, q, L, ll, q, m);
}

void choleskyRevBlock(const double* D, double* Db, i64 ld, i64 b, double* w, double* pack) {
  double* Dl = w;          // D, dense lower
  double* P = Dl + b * b;  // Φ(Dᵀ·D̄), then Z = D⁻ᵀ·P
  double* St = P + b * b;  // Zᵀ, then Sᵀ = D⁻ᵀ·Zᵀ
  lowerBlock(D, ld, b, Dl);
  fill(P, b * b, 0.0);
  for (i64 p = 0; p < b; p++)  // P[i, :i] += D_pi·D̄[p, :i] for i ≤ p (only the lower part of Dᵀ·D̄ is kept)
    for (i64 i = 0; i <= p; i++) axpyNeg(-Dl[p * b + i], Db + p * ld, P + i * b, i + 1);
  for (i64 i = 0; i < b; i++) P[i * b + i] *= 0.5;
  trsm(Dl, b, P, b, LA_LOWER | LA_TRANSPOSE, pack);
  transposeInto(St, b, P, b, b, b);
  trsm(Dl, b, St, b, LA_LOWER | LA_TRANSPOSE, pack);
  for (i64 i = 0; i < b; i++)
    for (i64 c = 0; c <= i; c++) Db[i * ld + c] = i == c ? St[i * b + i] : St[i * b + c] + St[c * b + i];
}

void opCholeskyGrad(const LinalgArgs& g) {
  const i64 n = g.n;
  for (i64 t = 0; t < g.batch; t++) choleskyRev1(g.a + t * n * n, g.b + t * n * n, g.out + t * n * n, n, g.work, g.work + 4 * NB * NB + NB * n);
}

// ---- leastSquares' QR with column pivoting (the TS kernel: ops/linalg/kernels/pivoted.ts) ----------

/** ‖x[0..len)‖ as the TS kernel's colNorm: scaled by the largest magnitude */
double colNorm(const double* x, i64 len) {
  double big = 0;
  for (i64 i = 0; i < len; i++) { const double a = fabs_(x[i]); if (a > big) big = a; }
  if (big == 0 || !(big - big == 0)) return big;
  const double inv = 1 / big;
  wg_vd acc = {};
  const wg_vd vi = wg_splat(inv);
  i64 i = 0;
  for (; i + WG_W <= len; i += WG_W) { const wg_vd a = wg_load(x + i) * vi; acc += a * a; }
  double s = wg_hsum(acc);
  for (; i < len; i++) { const double a = x[i] * inv; s += a * a; }
  return big * sqrt_(s);
}

/** the pivoted factorization in progress: A column-major (rows × k), b = Qᵀr so far, remaining column norms `left` (as of `ref`) */
struct PivotedQR {
  double* A;
  i64 rows, k;
  double *b, *left, *ref, *perm;
  int32_t* nzRows;

  /** the column with the largest remaining norm moves to position j */
  void pivot(i64 j) {
    i64 p = j;
    for (i64 q = j + 1; q < k; q++) if (left[q] > left[p]) p = q;
    if (p == j) return;
    for (i64 i = 0; i < rows; i++) { const double t = A[j * rows + i]; A[j * rows + i] = A[p * rows + i]; A[p * rows + i] = t; }
    double t = perm[j]; perm[j] = perm[p]; perm[p] = t;
    t = left[j]; left[j] = left[p]; left[p] = t;
    t = ref[j]; ref[j] = ref[p]; ref[p] = t;
  }

  /** reflect column j onto −αe_j, apply it right of j and to b; returns α (0: a zero column, nothing applied) */
  double reflect(i64 j) {
    double* cj = A + j * rows;
    double alpha = colNorm(cj + j, rows - j);
    if (alpha == 0) return 0;
    if (cj[j] == 0) {  // bring a nonzero row up first (the TS kernel's row choice)
      i64 q = j + 1;
      while (cj[q] == 0) q++;
      for (i64 c = j; c < k; c++) { const double t = A[c * rows + j]; A[c * rows + j] = A[c * rows + q]; A[c * rows + q] = t; }
      const double t = b[j]; b[j] = b[q]; b[q] = t;
    }
    if (cj[j] < 0) alpha = -alpha;
    i64 nz = 0;
    for (i64 i = j; i < rows; i++) if (cj[i] != 0 || i == j) nzRows[nz++] = int32_t(i);
    const bool dense = nz == rows - j;
    for (i64 t = 0; t < nz; t++) cj[nzRows[t]] /= alpha;
    cj[j] += 1;
    const double vj = cj[j];
    for (i64 q = j + 1; q < k; q++) {
      double* cq = A + q * rows;
      double s = 0;
      if (dense) s = dot(cj + j, cq + j, rows - j);
      else for (i64 t = 0; t < nz; t++) s += cj[nzRows[t]] * cq[nzRows[t]];
      if (s != 0) {
        const double f = s / vj;
        if (dense) axpyNeg(f, cj + j, cq + j, rows - j);
        else for (i64 t = 0; t < nz; t++) cq[nzRows[t]] -= f * cj[nzRows[t]];
      }
      downdate(q, j);
    }
    double s = 0;
    for (i64 t = 0; t < nz; t++) s += cj[nzRows[t]] * b[nzRows[t]];
    for (i64 t = 0; t < nz; t++) b[nzRows[t]] -= (s / vj) * cj[nzRows[t]];
    return alpha;
  }

  /** downdate column q's remaining norm past row j; recompute it when cancellation has eaten its accuracy */
  void downdate(i64 q, i64 j) {
    if (left[q] == 0) return;
    const double* cq = A + q * rows;
    const double ratio = cq[j] / left[q];
    double f = 1 - ratio * ratio;
    if (f < 0) f = 0;  // Math.max(0, f): NaN stays NaN
    const double est = left[q] / ref[q];
    if (0.05 * f * est * est <= 2.2e-16) { left[q] = colNorm(cq + j + 1, rows - j - 1); ref[q] = left[q]; }
    else left[q] *= sqrt_(f);
  }
};

/**
 * J[:, cols]·P = Q·R (MINPACK's factorization with column pivoting by largest remaining norm), Qᵀr
 * and J's column norms; reflections run over the rows where their vector is nonzero (contiguous
 * loops when that is every row), and a zero in the pivot row brings a nonzero row up first (the
 * TS kernel's row choice). out: R [k, k], perm [k], Qᵀr [k], norms [n]. Column indices that are
 * not integers in [0, n) give an all-NaN out (the op is internal; never read out of bounds).
 */
void qrPivoted1(const double* J, i64 m, i64 n, const double* r, const double* cols, i64 k, double* out, double* work) {
  const i64 rows = m > k ? m : k;
  for (i64 j = 0; j < k; j++)
    if (!(cols[j] >= 0 && cols[j] < double(n) && cols[j] == double(i64(cols[j])))) { fill(out, k * k + 2 * k + n, kNaN); return; }
  // work: A (k columns of `rows`), b [rows], left, ref, rdiag, perm [k each], nzRows (rows int32 in rows doubles)
  PivotedQR f{work, rows, k, work + k * rows, nullptr, nullptr, nullptr, nullptr};
  f.left = f.b + rows;
  f.ref = f.left + k;
  double* rdiag = f.ref + k;
  f.perm = rdiag + k;
  f.nzRows = reinterpret_cast<int32_t*>(f.perm + k);
  double* A = f.A;
  double* R = out;
  double* qtr = out + k * k + k;
  double* norms = qtr + k;
  for (i64 i0 = 0; i0 < m; i0 += TILE)
    for (i64 j0 = 0; j0 < k; j0 += TILE)
      for (i64 j = j0; j < imin(j0 + TILE, k); j++) {
        const i64 c = i64(cols[j]);
        for (i64 i = i0; i < imin(i0 + TILE, m); i++) A[j * rows + i] = J[i * n + c];
      }
  for (i64 j = 0; j < k; j++) fill(A + j * rows + m, rows - m, 0.0);
  copy(f.b, r, m);
  fill(f.b + m, rows - m, 0.0);
  fill(norms, n, 0.0);
  for (i64 j = 0; j < k; j++) {
    f.perm[j] = cols[j];
    norms[i64(f.perm[j])] = f.left[j] = f.ref[j] = colNorm(A + j * rows, rows);
  }
  for (i64 j = 0; j < k; j++) {
    f.pivot(j);
    rdiag[j] = -f.reflect(j);
  }
  for (i64 j = 0; j < k; j++) {
    fill(R + j * k, j, 0.0);
    R[j * k + j] = rdiag[j];
    for (i64 q = j + 1; q < k; q++) R[j * k + q] = A[q * rows + j];
  }
  copy(out + k * k, f.perm, k);
  copy(qtr, f.b, k);
}

void opQrPivoted(const LinalgArgs& g) { qrPivoted1(g.a, g.m, g.n, g.b, g.c, g.k, g.out, g.work); }

// ---- the ops over their batch -------------------------------------------------------------------------

double* packOf(const LinalgArgs& g, i64 used) { return g.work + used; }

void opCholesky(const LinalgArgs& g) {
  const i64 n = g.n;
  for (i64 t = 0; t < g.batch; t++) cholesky1(g.a + t * n * n, g.out + t * n * n, n, g.work, g.work + NB * NB + NB * n);
}

void opTriangularSolve(const LinalgArgs& g) {
  const i64 n = g.n, k = g.k;
  for (i64 t = 0; t < g.batch; t++) {
    double* x = g.out + t * n * k;
    copy(x, g.b + t * n * k, n * k);
    trsm(g.a + t * n * n, n, x, k, g.flags, g.work);
  }
}

void opSolve(const LinalgArgs& g) {
  const i64 n = g.n, k = g.k;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* pack = packOf(g, n * n + n);
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    double* x = g.out + t * n * k;
    const double* b = g.b + t * n * k;
    if (f.singular || f.nonFinite || !allFinite(b, n * k)) { fill(x, n * k, kNaN); continue; }
    for (i64 i = 0; i < n; i++) copy(x + i * k, b + i64(perm[i]) * k, k);
    trsm(LU, n, x, k, LA_LOWER | LA_UNIT, pack);
    trsm(LU, n, x, k, 0, pack);
  }
}

void opDet(const LinalgArgs& g, bool logs) {
  const i64 n = g.n;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* pack = packOf(g, n * n + n);
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    if (f.nonFinite) {
      g.out[t] = kNaN;
      if (logs) g.out[g.batch + t] = kNaN;
      continue;
    }
    if (!logs) {
      double d = f.parity;
      for (i64 j = 0; j < n; j++) d *= LU[j * n + j];
      g.out[t] = d;
      continue;
    }
    double sign = f.parity, la = 0;
    for (i64 j = 0; j < n; j++) {
      const double u = LU[j * n + j];
      sign *= u > 0 ? 1.0 : u < 0 ? -1.0 : u == 0 ? 0.0 : kNaN;
      la += __builtin_log(fabs_(u));
    }
    g.out[t] = sign;
    g.out[g.batch + t] = la;
  }
}

/** adj(A) = det(P)·adj(U)·L⁻¹·P, adj(U) by back substitution with the divisions deferred (TS adjugate) */
void opAdjugate(const LinalgArgs& g) {
  const i64 n = g.n;
  double* LU = g.work;
  int32_t* perm = reinterpret_cast<int32_t*>(LU + n * n);
  double* Wt = LU + n * n + n;   // adj(U)ᵀ: row j = column j of adj(U), then (W·L⁻¹)ᵀ
  double* v = Wt + n * n;
  double* pre = v + n;           // n + 1
  double* suf = pre + n + 1;     // n + 1
  double* pack = suf + n + 1;
  for (i64 t = 0; t < g.batch; t++) {
    const Lu f = lu1(g.a + t * n * n, LU, perm, n, pack);
    if (f.nonFinite) { fill(g.out + t * n * n, n * n, kNaN); continue; }
    pre[0] = 1;
    for (i64 i = 0; i < n; i++) pre[i + 1] = pre[i] * LU[i * n + i];
    suf[n] = 1;
    for (i64 i = n - 1; i >= 0; i--) suf[i] = suf[i + 1] * LU[i * n + i];
    fill(Wt, n * n, 0.0);
    for (i64 j = 0; j < n; j++) {
      double* col = Wt + j * n;
      v[j] = 1;
      col[j] = pre[j] * suf[j + 1];
      for (i64 i = j - 1; i >= 0; i--) {
        const double y = -dot(LU + i * n + i + 1, v + i + 1, j - i);
        scale(LU[i * n + i], v + i + 1, j - i);
        v[i] = y;
        col[i] = y * pre[i] * suf[j + 1];
      }
    }
    trsm(LU, n, Wt, n, LA_LOWER | LA_TRANSPOSE | LA_UNIT, pack);  // (W·L⁻¹)ᵀ = L⁻ᵀ·Wᵀ
    double* out = g.out + t * n * n;
    transposeInto(LU, n, Wt, n, n, n);  // Y = W·L⁻¹ (LU is free now)
    for (i64 i = 0; i < n; i++)
      for (i64 c = 0; c < n; c++) out[i * n + perm[c]] = f.parity * LU[i * n + c];
  }
}

void opQr(const LinalgArgs& g) {
  const i64 m = g.m, n = g.n, k = imin(m, n), mx = m > n ? m : n;
  double* pack = packOf(g, m * n + m * NB + NB * NB + NB * mx + k);
  for (i64 t = 0; t < g.batch; t++)
    qr1(g.a + t * m * n, m, n, g.out + t * m * k, g.out + g.batch * m * k + t * k * n, g.work, pack);
}

void opEigh(const LinalgArgs& g) {
  const i64 n = g.n;
  for (i64 t = 0; t < g.batch; t++) eigh1(g.a + t * n * n, n, g.out + t * n, g.out + g.batch * n + t * n * n, g.work);
}

void opSvd(const LinalgArgs& g) {
  const i64 m = g.m, n = g.n, k = imin(m, n);
  for (i64 t = 0; t < g.batch; t++)
    svd1(g.a + t * m * n, m, n, g.out + t * m * k, g.out + g.batch * m * k + t * k, g.out + g.batch * (m * k + k) + t * k * n, g.work);
}

void opDetOnly(const LinalgArgs& g) { opDet(g, false); }
void opSlogdet(const LinalgArgs& g) { opDet(g, true); }

}  // namespace

void fillLinalg(KernelTable* t) {
  t->linalg[OP_cholesky] = opCholesky;
  t->linalg[OP_triangularSolve] = opTriangularSolve;
  t->linalg[OP_solve] = opSolve;
  t->linalg[OP_det] = opDetOnly;
  t->linalg[OP_slogdet] = opSlogdet;
  t->linalg[OP_adjugate] = opAdjugate;
  t->linalg[OP_qr] = opQr;
  t->linalg[OP_eigh] = opEigh;
  t->linalg[OP_svd] = opSvd;
  t->linalg[OP_choleskyGrad] = opCholeskyGrad;
  t->linalg[OP_qrPivoted] = opQrPivoted;
}

}  // namespace WG_NS
}  // namespace wg
