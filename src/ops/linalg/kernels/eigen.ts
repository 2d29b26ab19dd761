// TS reference kernel for the symmetric eigendecomposition: Householder reduction of ½(A + Aᵀ)
// to tridiagonal form, then the implicit QL iteration with Wilkinson-type shifts (the tqli scheme),
// rotations accumulated into the rows of Vᵀ; eigenvalues ascending, eigenvectors sign-normalized.
import { norm2 } from './house.js';
import { signNormalizeRows } from './signs.js';
import { allFinite } from './finite.js';

/** QL iterations per eigenvalue before giving up (the result is then NaN) */
const MAX_ITER = 60;

/** √(a² + b²) without under- or overflow, from IEEE operations only (same bits in C++) */
export function pythag(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  if (x > y) { const r = y / x; return x * Math.sqrt(1 + r * r); }
  if (y === 0) return 0;
  const r = x / y;
  return y * Math.sqrt(1 + r * r);
}

/** w ascending and V (columns = eigenvectors) of ½(A + Aᵀ), A n×n; all NaN when QL does not converge. */
export function eigh(a: Float64Array, ao: number, n: number, w: Float64Array, wo: number, V: Float64Array, vo: number): void {
  if (!allFinite(a, ao, n * n)) { w.fill(NaN, wo, wo + n); V.fill(NaN, vo, vo + n * n); return; }
  const S = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) S[i * n + j] = 0.5 * (a[ao + i * n + j] + a[ao + j * n + i]);
  const d = new Float64Array(n), e = new Float64Array(n), Vt = new Float64Array(n * n);
  tridiagonalize(S, n, d, e, Vt);
  if (!ql(d, e, n, Vt)) { w.fill(NaN, wo, wo + n); V.fill(NaN, vo, vo + n * n); return; }
  // ascending (selection sort, the first of equal values stays first)
  for (let i = 0; i < n - 1; i++) {
    let p = i;
    for (let j = i + 1; j < n; j++) if (d[j] < d[p]) p = j;
    if (p === i) continue;
    const t = d[i]; d[i] = d[p]; d[p] = t;
    for (let c = 0; c < n; c++) { const u = Vt[i * n + c]; Vt[i * n + c] = Vt[p * n + c]; Vt[p * n + c] = u; }
  }
  signNormalizeRows(Vt, 0, n, n);
  for (let i = 0; i < n; i++) { w[wo + i] = d[i]; for (let c = 0; c < n; c++) V[vo + c * n + i] = Vt[i * n + c]; }
}

/**
 * Qᵀ·S·Q = T (diagonal d, off-diagonal e[i] between i and i+1, e[n−1] = 0), Q = H_0⋯H_{n−3};
 * H_k = I − τ·v·vᵀ maps S[k+1:, k] (read as row k: S stays symmetric) to β·e_1. Writes Qᵀ to Qt.
 */
function tridiagonalize(S: Float64Array, n: number, d: Float64Array, e: Float64Array, Qt: Float64Array): void {
  const tau = new Float64Array(n), p = new Float64Array(n);
  for (let k = 0; k + 2 < n; k++) {
    const r0 = k * n, r = n - k - 1, alpha = S[r0 + k + 1];
    const xnorm = norm2(S, r0 + k + 2, 1, r - 1);
    d[k] = S[r0 + k];
    if (xnorm === 0) { tau[k] = 0; e[k] = alpha; continue; }
    const h = pythag(alpha, xnorm), beta = alpha >= 0 ? -h : h, t = (beta - alpha) / beta, scale = 1 / (alpha - beta);
    tau[k] = t; e[k] = beta;
    S[r0 + k + 1] = 1;
    for (let j = k + 2; j < n; j++) S[r0 + j] *= scale;   // v = S[k, k+1:] with v_0 = 1
    // p = τ·A22·v, w = p − (τ/2)(pᵀv)·v, A22 −= v·wᵀ + w·vᵀ
    let pv = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += S[i * n + j] * S[r0 + j];
      p[i] = t * s;
      pv += p[i] * S[r0 + i];
    }
    const half = -0.5 * t * pv;
    for (let i = k + 1; i < n; i++) p[i] += half * S[r0 + i];
    for (let i = k + 1; i < n; i++) {
      const vi = S[r0 + i], wi = p[i];
      for (let j = k + 1; j < n; j++) S[i * n + j] -= vi * p[j] + wi * S[r0 + j];
    }
  }
  if (n >= 2) { d[n - 2] = S[(n - 2) * n + n - 2]; e[n - 2] = S[(n - 1) * n + n - 2]; }
  if (n >= 1) d[n - 1] = S[(n - 1) * n + n - 1];
  e[n - 1] = 0;
  // Q = H_0(H_1(⋯H_{n−3}·I)): the trailing block only; then Qt = Qᵀ
  const Q = new Float64Array(n * n), w = new Float64Array(n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 3; k >= 0; k--) {
    if (tau[k] === 0) continue;
    const r0 = k * n, c0 = k + 1;
    for (let c = c0; c < n; c++) w[c] = 0;
    for (let i = c0; i < n; i++) { const v = S[r0 + i]; for (let c = c0; c < n; c++) w[c] += v * Q[i * n + c]; }
    for (let i = c0; i < n; i++) { const v = tau[k] * S[r0 + i]; for (let c = c0; c < n; c++) Q[i * n + c] -= v * w[c]; }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Qt[j * n + i] = Q[i * n + j];
}

/** Implicit QL on (d, e); each rotation of positions i, i+1 is applied to rows i, i+1 of Zt. */
function ql(d: Float64Array, e: Float64Array, n: number, Zt: Float64Array): boolean {
  for (let l = 0; l < n; l++) {
    let iter = 0, m: number;
    do {
      for (m = l; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) + dd === dd) break;
      }
      if (m === l) break;
      if (iter++ === MAX_ITER) return false;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = pythag(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, p = 0, i: number;
      for (i = m - 1; i >= l; i--) {
        const f = s * e[i], b = c * e[i];
        e[i + 1] = r = pythag(f, g);
        if (r === 0) { d[i + 1] -= p; e[m] = 0; break; }
        s = f / r; c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        const ri = i * n, rj = ri + n;
        for (let k = 0; k < n; k++) { const z1 = Zt[rj + k], z0 = Zt[ri + k]; Zt[rj + k] = s * z0 + c * z1; Zt[ri + k] = c * z0 - s * z1; }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p; e[l] = g; e[m] = 0;
    } while (m !== l);
  }
  return true;
}
