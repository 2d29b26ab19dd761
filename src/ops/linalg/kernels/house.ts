// TS reference kernel for the Householder QR (reduced): one row-major m×n matrix at a time.
import { allFinite } from './finite.js';

const TINY = 1e-150, HUGE = 1e150;

/** ‖x‖ over x[o + i·s], i < len; rescaled when the plain sum of squares would under- or overflow */
export function norm2(x: Float64Array, o: number, s: number, len: number): number {
  let ss = 0;
  for (let i = 0; i < len; i++) { const v = x[o + i * s]; ss += v * v; }
  if (ss > TINY && ss < HUGE) return Math.sqrt(ss);
  let big = 0;
  for (let i = 0; i < len; i++) { const v = Math.abs(x[o + i * s]); if (v > big || v !== v) big = v; }
  if (big === 0 || !Number.isFinite(big)) return big;
  ss = 0;
  for (let i = 0; i < len; i++) { const v = x[o + i * s] / big; ss += v * v; }
  return big * Math.sqrt(ss);
}

/**
 * A = Q·R, Q m×k with orthonormal columns, R k×n upper triangular (k = min(m, n)), R's diagonal
 * ≥ 0. Reflections H_j = I − τ_j·v_j·v_jᵀ (v_j[j] = 1, LAPACK's dlarfg) zero column j below the
 * diagonal; Q = H_0⋯H_{k−1}·I[:, :k] is accumulated from the last reflection.
 */
export function qr(a: Float64Array, ao: number, m: number, n: number, Q: Float64Array, qo: number, R: Float64Array, ro: number): void {
  const k = Math.min(m, n), W = a.slice(ao, ao + m * n), tau = new Float64Array(k), w = new Float64Array(n);
  if (!allFinite(a, ao, m * n)) { Q.fill(NaN, qo, qo + m * k); R.fill(NaN, ro, ro + k * n); return; }
  for (let j = 0; j < k; j++) {
    tau[j] = reflector(W, n, m, j);
    if (tau[j] !== 0) applyLeft(W, n, m, j, j + 1, n, tau[j], w);
  }
  for (let i = 0; i < m; i++) for (let c = 0; c < k; c++) Q[qo + i * k + c] = i === c ? 1 : 0;
  for (let j = k - 1; j >= 0; j--) if (tau[j] !== 0) applyLeftQ(W, n, Q, qo, k, m, j, tau[j], w);
  for (let i = 0; i < k; i++) {
    const flip = W[i * n + i] < 0;
    for (let c = 0; c < n; c++) R[ro + i * n + c] = c < i ? 0 : flip ? -W[i * n + c] : W[i * n + c];
    if (flip) for (let r = 0; r < m; r++) Q[qo + r * k + i] = -Q[qo + r * k + i];
  }
}

/** dlarfg on column j of W (rows j..m−1): β on the diagonal, v below it (v_j = 1 implied); returns τ */
function reflector(W: Float64Array, n: number, m: number, j: number): number {
  const alpha = W[j * n + j], xnorm = norm2(W, (j + 1) * n + j, n, m - j - 1);
  if (xnorm === 0) return 0;
  const h = norm2(Float64Array.of(alpha, xnorm), 0, 1, 2);
  const beta = alpha >= 0 ? -h : h;
  const scale = 1 / (alpha - beta);
  for (let i = j + 1; i < m; i++) W[i * n + j] *= scale;
  W[j * n + j] = beta;
  return (beta - alpha) / beta;
}

/** W[j:m, c0:c1] ← H_j·W[j:m, c0:c1] with v_j stored in column j of W below the diagonal */
function applyLeft(W: Float64Array, n: number, m: number, j: number, c0: number, c1: number, tau: number, w: Float64Array): void {
  for (let c = c0; c < c1; c++) w[c] = W[j * n + c];
  for (let i = j + 1; i < m; i++) { const v = W[i * n + j]; for (let c = c0; c < c1; c++) w[c] += v * W[i * n + c]; }
  for (let c = c0; c < c1; c++) { w[c] *= tau; W[j * n + c] -= w[c]; }
  for (let i = j + 1; i < m; i++) { const v = W[i * n + j]; for (let c = c0; c < c1; c++) W[i * n + c] -= v * w[c]; }
}

/** Q[j:m, j:k] ← H_j·Q[j:m, j:k] (Q m×k at qo; columns left of j are still unit vectors there) */
function applyLeftQ(W: Float64Array, n: number, Q: Float64Array, qo: number, k: number, m: number, j: number, tau: number, w: Float64Array): void {
  for (let c = j; c < k; c++) w[c] = Q[qo + j * k + c];
  for (let i = j + 1; i < m; i++) { const v = W[i * n + j]; for (let c = j; c < k; c++) w[c] += v * Q[qo + i * k + c]; }
  for (let c = j; c < k; c++) { w[c] *= tau; Q[qo + j * k + c] -= w[c]; }
  for (let i = j + 1; i < m; i++) { const v = W[i * n + j]; for (let c = j; c < k; c++) Q[qo + i * k + c] -= v * w[c]; }
}
