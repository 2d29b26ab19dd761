// TS reference kernels (the oracle) for Cholesky and triangular solves: one row-major matrix at
// a time, at offsets into the batched arrays. The native kernels (native/src/kernels/linalg.cc)
// compute the same factorizations blocked; results agree to rounding.
import { allFinite } from './finite.js';

/**
 * L with ½(A + Aᵀ) = L·Lᵀ (lower, zeros above; column by column, each entry a dot product in
 * index order). Not positive definite (a pivot ≤ 0 or NaN): L is all NaN and false is returned.
 */
export function cholesky(a: Float64Array, ao: number, n: number, L: Float64Array, lo: number): boolean {
  if (!allFinite(a, ao, n * n)) { L.fill(NaN, lo, lo + n * n); return false; }
  for (let j = 0; j < n; j++) {
    const rj = lo + j * n;
    let s = a[ao + j * n + j];
    for (let k = 0; k < j; k++) s -= L[rj + k] * L[rj + k];
    if (!(s > 0)) { L.fill(NaN, lo, lo + n * n); return false; }
    const d = Math.sqrt(s);
    L[rj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const ri = lo + i * n;
      let t = 0.5 * (a[ao + i * n + j] + a[ao + j * n + i]);
      for (let k = 0; k < j; k++) t -= L[ri + k] * L[rj + k];
      L[ri + j] = t / d;
    }
  }
  return true;
}

export interface TriFlags { readonly lower: boolean; readonly transpose: boolean; readonly unitDiagonal: boolean }

/**
 * X = op(T)⁻¹·B for T the lower (or upper) triangle of t (n×n; its diagonal taken as 1 with
 * unitDiagonal), op(T) = T or Tᵀ, B n×k. Reads only that triangle. A zero on the diagonal
 * (singular T) gives an all-NaN X. Rows of X are computed in substitution order, each as
 * b_i − Σ_j m_ij·x_j with j in the same order.
 */
export function triSolve(t: Float64Array, to: number, n: number, b: Float64Array, bo: number, k: number,
  x: Float64Array, xo: number, f: TriFlags): void {
  // M = op(T) is lower triangular iff lower ≠ transpose; M_ij = transpose ? T_ji : T_ij
  const fwd = f.lower !== f.transpose;
  const m = (i: number, j: number) => (f.transpose ? t[to + j * n + i] : t[to + i * n + j]);
  if (!readFinite(t, to, n, f) || !allFinite(b, bo, n * k)) { x.fill(NaN, xo, xo + n * k); return; }
  if (!f.unitDiagonal) for (let i = 0; i < n; i++) if (t[to + i * n + i] === 0) { x.fill(NaN, xo, xo + n * k); return; }
  for (let s = 0; s < n; s++) {
    const i = fwd ? s : n - 1 - s;
    const xi = xo + i * k;
    for (let c = 0; c < k; c++) x[xi + c] = b[bo + i * k + c];
    for (let r = 0; r < s; r++) {
      const j = fwd ? r : n - 1 - r;
      const mij = m(i, j), xj = xo + j * k;
      for (let c = 0; c < k; c++) x[xi + c] -= mij * x[xj + c];
    }
    if (!f.unitDiagonal) {
      const d = t[to + i * n + i];
      for (let c = 0; c < k; c++) x[xi + c] /= d;
    }
  }
}

/** the entries of the triangle triSolve reads are finite */
function readFinite(t: Float64Array, to: number, n: number, f: TriFlags): boolean {
  for (let i = 0; i < n; i++) {
    const lo = f.lower ? 0 : i + (f.unitDiagonal ? 1 : 0), hi = f.lower ? i + (f.unitDiagonal ? 0 : 1) : n;
    if (!allFinite(t, to + i * n + lo, hi - lo)) return false;
  }
  return true;
}

/**
 * Ā = sym(L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹) (Φ: lower triangle, diagonal halved) for the lower triangles of L and
 * Ḡ, n×n: the cotangent of A = L·Lᵀ from that of L. All NaN when L or Ḡ is not finite or L singular.
 */
export function choleskyGrad(l: Float64Array, lo: number, g: Float64Array, go: number, n: number, out: Float64Array, oo: number): void {
  const P = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let p = i; p < n; p++) s += l[lo + p * n + i] * g[go + p * n + j];
      P[i * n + j] = i === j ? 0.5 * s : s;
    }
  }
  const flags: TriFlags = { lower: true, transpose: true, unitDiagonal: false };
  const Z = new Float64Array(n * n), Zt = new Float64Array(n * n), St = new Float64Array(n * n);
  triSolve(l, lo, n, P, 0, n, Z, 0, flags);                 // Z = L⁻ᵀ·P
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Zt[j * n + i] = Z[i * n + j];
  triSolve(l, lo, n, Zt, 0, n, St, 0, flags);               // Sᵀ = L⁻ᵀ·Zᵀ
  let finite = true;
  for (let i = 0; i < n && finite; i++) for (let j = 0; j <= i; j++) if (!Number.isFinite(g[go + i * n + j])) { finite = false; break; }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[oo + i * n + j] = finite ? 0.5 * (St[i * n + j] + St[j * n + i]) : NaN;
}
