// Linear algebra for one SIMD level (the TS kernels in src/ops/linalg/kernels are the oracle; the
// results agree to rounding). Here: blocked right-looking Cholesky, blocked triangular solves and
// the blocked reverse of Cholesky (choleskyGrad); LU and what is built on it in linalg_lu.cc,
// Householder QR in linalg_qr.cc, eigh and SVD in linalg_eig.cc, the shared helpers and the packed
// BLAS-3 update (gemm.h, shared with matmul.cc) in linalg_kit.h. No BLAS/LAPACK dependency; fixed
// blocking and fixed chunks on the intra-op pool, so every run at one level gives the same bits.
#include "linalg_kit.h"

namespace wg {
namespace WG_NS {
namespace {

// ---- Cholesky ---------------------------------------------------------------------------------------


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

}  // namespace

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

namespace {

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

// ---- the ops over their batch -------------------------------------------------------------------------


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

}  // namespace

void fillLinalg(KernelTable* t) {
  fillLu(t);   // solve, det, slogdet, adjugate: linalg_lu.cc
  fillQr(t);   // qr, qrPivoted: linalg_qr.cc
  fillEig(t);  // eigh, svd: linalg_eig.cc
  t->linalg[OP_cholesky] = opCholesky;
  t->linalg[OP_triangularSolve] = opTriangularSolve;
  t->linalg[OP_choleskyGrad] = opCholeskyGrad;
}

}  // namespace WG_NS
}  // namespace wg
