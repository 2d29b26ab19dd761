// Householder QR for one SIMD level: blocked with compact WY updates (the qr op), and
// leastSquares' QR with column pivoting (qrPivoted). The TS kernels are the oracle.
#include "linalg_kit.h"

namespace wg {
namespace WG_NS {
namespace {

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

void opQr(const LinalgArgs& g) {
  const i64 m = g.m, n = g.n, k = imin(m, n), mx = m > n ? m : n;
  double* pack = packOf(g, m * n + m * NB + NB * NB + NB * mx + k);
  for (i64 t = 0; t < g.batch; t++)
    qr1(g.a + t * m * n, m, n, g.out + t * m * k, g.out + g.batch * m * k + t * k * n, g.work, pack);
}

}  // namespace

void fillQr(KernelTable* t) {
  t->linalg[OP_qr] = opQr;
  t->linalg[OP_qrPivoted] = opQrPivoted;
}

}  // namespace WG_NS
}  // namespace wg
