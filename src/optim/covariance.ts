// Covariance of a least-squares estimate from the QR factor of J (never from JᵀJ formed):
//   J·C⁻¹·P = Q·R (columns scaled to unit norm by C, pivoted by P)  ⇒
//   (JᵀJ)⁻¹ = C⁻¹·P·R⁻¹·R⁻ᵀ·Pᵀ·C⁻¹,   covariance = (JᵀJ)⁻¹ · ‖r‖²/(m − n).
// J is declared rank-deficient (no covariance) when a pivot of the unit-column R falls below
// RANK_TOL relative to the first: the standard errors would be meaningless. R⁻¹·R⁻ᵀ (n³/3 + n³/3)
// runs as w.linalg.triangularSolve twice on the active backend from NATIVE_FROM parameters on
// (the native kernels, blocked), in JS loops below that.
import { Tensor } from '../core/tensor.js';
import { compile, type Program } from '../program/compile.js';
import { triangularSolve } from '../ops/linalg/triangularSolve.js';
import { qrPivot } from './qr.js';

const RANK_TOL = 1e-13;
const NATIVE_FROM = 64;

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
  let rss = 0;
  for (let i = 0; i < m; i++) rss += r[i] * r[i];
  const s2 = rss / (m - n);
  const G = n >= NATIVE_FROM ? inverseGramProgram(n).value(new Tensor([n, n], R))._data! : inverseGram(R, n);
  // un-pivot and un-scale
  const cov = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      const pa = perm[a], pb = perm[b], v = (G[a * n + b] * s2) / (c[pa] * c[pb]);
      cov[pa * n + pb] = v;
      cov[pb * n + pa] = v;
    }
  }
  return cov;
}

/** R⁻¹·R⁻ᵀ for R upper triangular (n×n), in JS: U = R⁻¹ column by column, then U·Uᵀ */
function inverseGram(R: Float64Array, n: number): Float64Array {
  const U = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    U[j * n + j] = 1 / R[j * n + j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let k = i + 1; k <= j; k++) s += R[i * n + k] * U[k * n + j];
      U[i * n + j] = -s / R[i * n + i];
    }
  }
  const G = new Float64Array(n * n);
  for (let a = 0; a < n; a++) {
    for (let b = a; b < n; b++) {
      let s = 0;
      for (let k = b; k < n; k++) s += U[a * n + k] * U[b * n + k];
      G[a * n + b] = s;
      G[b * n + a] = s;
    }
  }
  return G;
}

/** compiled R ↦ R⁻¹·R⁻ᵀ = R⁻¹·(R⁻ᵀ·I): two triangular solves reading R's upper triangle */
const programs = new Map<number, Program>();
function inverseGramProgram(n: number): Program {
  let p = programs.get(n);
  if (!p) {
    const eye = new Tensor([n, n], Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)));
    const f = (R: Tensor) => triangularSolve(R, triangularSolve(R, eye, { lower: false, transpose: true }), { lower: false });
    if (programs.size >= 4) programs.delete(programs.keys().next().value!);
    programs.set(n, (p = compile(f, new Tensor([n, n], new Float64Array(n * n)))));
  }
  return p;
}
