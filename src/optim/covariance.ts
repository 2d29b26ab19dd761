// Covariance of a least-squares estimate from the QR factor of J (never from JᵀJ formed):
//   J·C⁻¹·P = Q·R (columns scaled to unit norm by C, pivoted by P)  ⇒
//   (JᵀJ)⁻¹ = C⁻¹·P·R⁻¹·R⁻ᵀ·Pᵀ·C⁻¹,   covariance = (JᵀJ)⁻¹ · ‖r‖²/(m − n).
// J is declared rank-deficient (no covariance) when a pivot of the unit-column R falls below
// RANK_TOL relative to the first: the standard errors would be meaningless.
import { qrPivot } from './qr.js';

const RANK_TOL = 1e-13;

/** The n×n covariance (row-major), or null when m ≤ n, J has a zero column or is rank-deficient. */
export function covarianceFromJ(J: Float64Array, r: Float64Array, m: number, n: number): Float64Array | null {
  if (m <= n) return null;
  const c = new Float64Array(n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[j] += J[i * n + j] ** 2;
  for (let j = 0; j < n; j++) { c[j] = Math.sqrt(c[j]); if (!(c[j] > 0) || !Number.isFinite(c[j])) return null; }
  const A = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) A[i * n + j] = J[i * n + j] / c[j];
  const { R, perm } = qrPivot(A, m, n, new Float64Array(m));
  const r00 = Math.abs(R[0]);
  for (let j = 0; j < n; j++) if (!(Math.abs(R[j * n + j]) > RANK_TOL * r00)) return null;
  // U = R⁻¹ (upper triangular), column by column
  const U = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    U[j * n + j] = 1 / R[j * n + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R[i * n + k] * U[k * n + j];
      U[i * n + j] = -s / R[i * n + i];
    }
  }
  let rss = 0;
  for (let i = 0; i < m; i++) rss += r[i] * r[i];
  const s2 = rss / (m - n);
  // (R⁻¹R⁻ᵀ)_{ab} = Σ_k U_ak U_bk (k ≥ max(a, b)); un-pivot and un-scale
  const cov = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let k = b; k < n; k++) s += U[a * n + k] * U[b * n + k];
      const pa = perm[a], pb = perm[b], v = (s * s2) / (c[pa] * c[pb]);
      cov[pa * n + pb] = v;
      cov[pb * n + pa] = v;
    }
  }
  return cov;
}
