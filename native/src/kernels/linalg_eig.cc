// Symmetric eigendecomposition (tridiagonal reduction + implicit QL) and SVD (one-sided Jacobi)
// for one SIMD level. The TS kernels in src/ops/linalg/kernels are the oracle.
#include "linalg_kit.h"

namespace wg {
namespace WG_NS {
namespace {

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

void opEigh(const LinalgArgs& g) {
  const i64 n = g.n;
  for (i64 t = 0; t < g.batch; t++) eigh1(g.a + t * n * n, n, g.out + t * n, g.out + g.batch * n + t * n * n, g.work);
}

void opSvd(const LinalgArgs& g) {
  const i64 m = g.m, n = g.n, k = imin(m, n);
  for (i64 t = 0; t < g.batch; t++)
    svd1(g.a + t * m * n, m, n, g.out + t * m * k, g.out + g.batch * m * k + t * k, g.out + g.batch * (m * k + k) + t * k * n, g.work);
}

}  // namespace

void fillEig(KernelTable* t) {
  t->linalg[OP_eigh] = opEigh;
  t->linalg[OP_svd] = opSvd;
}

}  // namespace WG_NS
}  // namespace wg
