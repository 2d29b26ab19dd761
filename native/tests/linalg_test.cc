// Linear-algebra kernel tests: at every SIMD level, each factorization reconstructs its input
// (L·Lᵀ, P·A = L·U through solve, Q·R, V·diag(w)·Vᵀ, U·diag(s)·Vt) with orthonormal factors, the
// sizes cross the blocking (64) and its tails, and every level agrees with the scalar level to rounding.
#include <cmath>
#include <vector>
#include "check.h"
#include "dispatch.h"

using namespace wg;

namespace {

using Vec = std::vector<double>;

Vec randomMatrix(uint32_t seed, i64 rows, i64 cols) {
  Vec x(size_t(rows * cols));
  uint32_t s = seed;
  for (auto& v : x) { s = s * 1664525u + 1013904223u; v = double(s >> 8) / double(1u << 24) - 0.5; }
  return x;
}

/** Σ_p A[i,p]·B[p,j] with A i×k, B k×j given by element accessors */
template <class FA, class FB>
double maxResidual(i64 m, i64 n, i64 k, FA a, FB b, const Vec& want) {
  double err = 0;
  for (i64 i = 0; i < m; i++)
    for (i64 j = 0; j < n; j++) {
      double s = 0;
      for (i64 p = 0; p < k; p++) s += a(i, p) * b(p, j);
      err = std::fmax(err, std::fabs(s - want[size_t(i * n + j)]));
    }
  return err;
}

Vec run(const KernelTable* K, int op, const Vec& a, const Vec& b, i64 batch, i64 m, i64 n, i64 k, i64 outSize, int32_t flags = 0) {
  Vec out(size_t(outSize), -7.0), work(size_t(linalgScratch(op, m, n, k)) + 1);
  K->linalg[op](LinalgArgs{a.data(), b.empty() ? a.data() : b.data(), a.data(), out.data(), batch, m, n, k, flags, work.data()});
  return out;
}

double maxDiff(const Vec& x, const Vec& y) {
  double d = 0;
  for (size_t i = 0; i < x.size(); i++) d = std::fmax(d, std::isnan(x[i]) && std::isnan(y[i]) ? 0 : std::fabs(x[i] - y[i]));
  return d;
}

void linalgTests(const KernelTable* ref, const KernelTable* K) {
  for (i64 n : {1, 5, 63, 64, 65, 150}) {
    const Vec X = randomMatrix(uint32_t(n), n, n);
    Vec A(size_t(n * n)), S(size_t(n * n));
    for (i64 i = 0; i < n; i++)
      for (i64 j = 0; j < n; j++) {
        double s = 0;
        for (i64 p = 0; p < n; p++) s += X[size_t(i * n + p)] * X[size_t(j * n + p)];
        A[size_t(i * n + j)] = s / double(n) + (i == j ? 0.5 : 0.0);
        S[size_t(i * n + j)] = X[size_t(i * n + j)] + (i == j ? double(n) : 0.0);
      }
    const double tol = 1e-13 * double(n);
    // Cholesky: L·Lᵀ = A
    const Vec L = run(K, OP_cholesky, A, {}, 1, n, n, 0, n * n);
    CHECKF(maxResidual(n, n, n, [&](i64 i, i64 p) { return L[size_t(i * n + p)]; }, [&](i64 p, i64 j) { return L[size_t(j * n + p)]; }, A) < tol,
           "cholesky n=%lld at %s", (long long)n, K->name);
    CHECKF(maxDiff(L, run(ref, OP_cholesky, A, {}, 1, n, n, 0, n * n)) < tol, "cholesky n=%lld: %s vs scalar", (long long)n, K->name);
    // solve (k = 1 and k = 7): A·X = B
    for (i64 k : {1, 7}) {
      const Vec B = randomMatrix(7, n, k);
      const Vec Xs = run(K, OP_solve, S, B, 1, n, n, k, n * k);
      CHECKF(maxResidual(n, k, n, [&](i64 i, i64 p) { return S[size_t(i * n + p)]; }, [&](i64 p, i64 j) { return Xs[size_t(p * k + j)]; }, B) < tol,
             "solve n=%lld k=%lld at %s", (long long)n, (long long)k, K->name);
      for (int32_t f = 0; f < 8; f++) {  // every triangular-solve flag combination against the scalar level
        const Vec T1 = run(K, OP_triangularSolve, S, B, 1, n, n, k, n * k, f), T0 = run(ref, OP_triangularSolve, S, B, 1, n, n, k, n * k, f);
        CHECKF(maxDiff(T1, T0) < tol, "triangularSolve n=%lld k=%lld flags %d: %s vs scalar", (long long)n, (long long)k, f, K->name);
      }
    }
    // slogdet against the scalar level (det itself overflows at n = 150)
    const Vec d1 = run(K, OP_slogdet, S, {}, 1, n, n, 0, 2), d0 = run(ref, OP_slogdet, S, {}, 1, n, n, 0, 2);
    CHECKF(d1[0] == d0[0] && std::fabs(d1[1] - d0[1]) <= tol * std::fabs(d0[1]), "slogdet n=%lld at %s", (long long)n, K->name);
    // eigh: A·V = V·diag(w), w ascending
    const Vec E = run(K, OP_eigh, A, {}, 1, n, n, 0, n + n * n);
    Vec AV(size_t(n * n));
    for (i64 i = 0; i < n; i++)
      for (i64 j = 0; j < n; j++) AV[size_t(i * n + j)] = E[size_t(n + i * n + j)] * E[size_t(j)];
    CHECKF(maxResidual(n, n, n, [&](i64 i, i64 p) { return A[size_t(i * n + p)]; }, [&](i64 p, i64 j) { return E[size_t(n + p * n + j)]; }, AV) < tol,
           "eigh n=%lld at %s", (long long)n, K->name);
    for (i64 i = 1; i < n; i++) CHECKF(E[size_t(i - 1)] <= E[size_t(i)], "eigh n=%lld: eigenvalues not ascending", (long long)n);
  }
  // QR and SVD of tall and wide matrices: reconstruction and orthonormal columns
  for (auto [m, n] : {std::pair<i64, i64>{5, 3}, {3, 5}, {70, 66}, {66, 70}, {150, 40}, {40, 150}}) {
    const i64 k = m < n ? m : n;
    const Vec A = randomMatrix(uint32_t(m * 31 + n), m, n);
    const double tol = 1e-13 * double(m + n);
    const Vec QR = run(K, OP_qr, A, {}, 1, m, n, 0, m * k + k * n);
    CHECKF(maxResidual(m, n, k, [&](i64 i, i64 p) { return QR[size_t(i * k + p)]; }, [&](i64 p, i64 j) { return QR[size_t(m * k + p * n + j)]; }, A) < tol,
           "qr %lldx%lld at %s", (long long)m, (long long)n, K->name);
    Vec I(size_t(k * k));
    for (i64 i = 0; i < k; i++) I[size_t(i * k + i)] = 1;
    CHECKF(maxResidual(k, k, m, [&](i64 i, i64 p) { return QR[size_t(p * k + i)]; }, [&](i64 p, i64 j) { return QR[size_t(p * k + j)]; }, I) < tol,
           "qr %lldx%lld: QᵀQ ≠ I at %s", (long long)m, (long long)n, K->name);
    for (i64 i = 0; i < k; i++) CHECKF(QR[size_t(m * k + i * n + i)] >= 0, "qr: negative diagonal of R");
    const Vec U = run(K, OP_svd, A, {}, 1, m, n, 0, m * k + k + k * n);
    CHECKF(maxResidual(m, n, k, [&](i64 i, i64 p) { return U[size_t(i * k + p)] * U[size_t(m * k + p)]; },
                       [&](i64 p, i64 j) { return U[size_t(m * k + k + p * n + j)]; }, A) < tol,
           "svd %lldx%lld at %s", (long long)m, (long long)n, K->name);
    CHECKF(maxDiff(U, run(ref, OP_svd, A, {}, 1, m, n, 0, m * k + k + k * n)) < 1e-10, "svd %lldx%lld: %s vs scalar", (long long)m, (long long)n, K->name);
  }
  // non-positive-definite, singular and non-finite inputs give NaN
  const Vec bad = {1, 2, 2, 1}, sing = {1, 2, 2, 4}, inf = {1, 0, 0, INFINITY}, b = {1, 1};
  for (double v : run(K, OP_cholesky, bad, {}, 1, 2, 2, 0, 4)) CHECK(std::isnan(v));
  for (double v : run(K, OP_solve, sing, b, 1, 2, 2, 1, 2)) CHECK(std::isnan(v));
  for (double v : run(K, OP_qr, inf, {}, 1, 2, 2, 0, 8)) CHECK(std::isnan(v));
  CHECK(run(K, OP_det, sing, {}, 1, 2, 2, 0, 1)[0] == 0);
}

}  // namespace

void linalgKernelTests() {
  const KernelTable* ref = kernelTable(L_SCALAR);
  for (int level = 0; level < L_COUNT; level++) {
    const KernelTable* K = kernelTable(level);
    if (!K || !ref) continue;
    linalgTests(ref, K);
    std::printf("linalg: level %s checked\n", levelName(level));
  }
}
