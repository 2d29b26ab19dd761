// TS reference kernels for LU with partial pivoting and what is built on it: solve, det, slogdet
// and the adjugate (one row-major n×n matrix at a time).
import { allFinite } from './finite.js';

export interface Lu {
  /** L (unit, strictly below the diagonal) and U (on and above), row-major n×n */
  readonly lu: Float64Array;
  /** perm[i] = the row of A in position i of P·A */
  readonly perm: Int32Array;
  /** det(P) = ±1 */
  readonly parity: number;
  /** a pivot was exactly 0 (that column is not eliminated) */
  readonly singular: boolean;
  /** A had a NaN or ±∞ entry: every result built on this factorization is NaN */
  readonly nonFinite: boolean;
}

/**
 * P·A = L·U, pivoting on the first entry of largest magnitude in each column (right-looking,
 * row by row). A zero pivot column is left as it is (U_jj = 0) and the factorization goes on.
 */
export function lu(a: Float64Array, ao: number, n: number): Lu {
  const m = a.slice(ao, ao + n * n), perm = new Int32Array(n), nonFinite = !allFinite(a, ao, n * n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let parity = 1, singular = false;
  for (let j = 0; j < n; j++) {
    let p = j, big = Math.abs(m[j * n + j]);
    for (let i = j + 1; i < n; i++) { const v = Math.abs(m[i * n + j]); if (v > big) { big = v; p = i; } }
    if (p !== j) {
      for (let c = 0; c < n; c++) { const t = m[j * n + c]; m[j * n + c] = m[p * n + c]; m[p * n + c] = t; }
      const t = perm[j]; perm[j] = perm[p]; perm[p] = t;
      parity = -parity;
    }
    const piv = m[j * n + j];
    if (piv === 0) { singular = true; continue; }
    for (let i = j + 1; i < n; i++) {
      const l = m[i * n + j] / piv;
      m[i * n + j] = l;
      for (let c = j + 1; c < n; c++) m[i * n + c] -= l * m[j * n + c];
    }
  }
  return { lu: m, perm, parity, singular, nonFinite };
}

/** X = A⁻¹·B (B n×k) from A's LU; all NaN when A is singular. */
export function luSolve(f: Lu, n: number, b: Float64Array, bo: number, k: number, x: Float64Array, xo: number): void {
  if (f.singular || f.nonFinite || !allFinite(b, bo, n * k)) { x.fill(NaN, xo, xo + n * k); return; }
  const m = f.lu;
  for (let i = 0; i < n; i++) {
    const xi = xo + i * k, bi = bo + f.perm[i] * k;
    for (let c = 0; c < k; c++) x[xi + c] = b[bi + c];
    for (let j = 0; j < i; j++) { const l = m[i * n + j], xj = xo + j * k; for (let c = 0; c < k; c++) x[xi + c] -= l * x[xj + c]; }
  }
  for (let i = n - 1; i >= 0; i--) {
    const xi = xo + i * k;
    for (let j = i + 1; j < n; j++) { const u = m[i * n + j], xj = xo + j * k; for (let c = 0; c < k; c++) x[xi + c] -= u * x[xj + c]; }
    const d = m[i * n + i];
    for (let c = 0; c < k; c++) x[xi + c] /= d;
  }
}

/** det(A) = det(P)·Π U_jj (0 for a singular A) */
export function luDet(f: Lu, n: number): number {
  if (f.nonFinite) return NaN;
  let d = f.parity;
  for (let j = 0; j < n; j++) d *= f.lu[j * n + j];
  return d;
}

/** [sign, log|det|]: sign 0 and −∞ for a singular A */
export function luSlogdet(f: Lu, n: number): [number, number] {
  if (f.nonFinite) return [NaN, NaN];
  let sign = f.parity, logabs = 0;
  for (let j = 0; j < n; j++) {
    const u = f.lu[j * n + j];
    sign *= u > 0 ? 1 : u < 0 ? -1 : u === 0 ? 0 : NaN;
    logabs += Math.log(Math.abs(u));
  }
  return [sign, logabs];
}

/**
 * adj(A) = det(P)·adj(U)·L⁻¹·P without a division by a pivot, so it is finite (and exact in its
 * zeros) at a singular A. adj(U) is upper triangular; column j is z = det(U)·U⁻¹e_j computed by
 * back substitution with the divisions deferred: y_j = 1, y_i = −Σ_{l>i} u_il·v_l with
 * v_l = y_l·Π_{i<t<l} u_tt, and z_i = y_i·Π_{t<i} u_tt·Π_{t>j} u_tt.
 */
export function adjugate(f: Lu, n: number, out: Float64Array, oo: number): void {
  if (f.nonFinite) { out.fill(NaN, oo, oo + n * n); return; }
  const m = f.lu, W = new Float64Array(n * n), v = new Float64Array(n);
  const pre = new Float64Array(n + 1), suf = new Float64Array(n + 1);
  pre[0] = 1;
  for (let t = 0; t < n; t++) pre[t + 1] = pre[t] * m[t * n + t];
  suf[n] = 1;   // suf[j + 1] = Π_{t>j} u_tt
  for (let t = n - 1; t >= 0; t--) suf[t] = suf[t + 1] * m[t * n + t];
  for (let j = 0; j < n; j++) {
    v[j] = 1;
    W[j * n + j] = pre[j] * suf[j + 1];
    for (let i = j - 1; i >= 0; i--) {
      let y = 0;
      for (let l = i + 1; l <= j; l++) y -= m[i * n + l] * v[l];
      const uii = m[i * n + i];
      for (let l = i + 1; l <= j; l++) v[l] *= uii;
      v[i] = y;
      W[i * n + j] = y * pre[i] * suf[j + 1];
    }
  }
  // W ← W·L⁻¹ (L unit lower): columns from the last, W[:, c] −= Σ_{r>c} W[:, r]·l_rc
  for (let c = n - 2; c >= 0; c--) {
    for (let r = c + 1; r < n; r++) {
      const l = m[r * n + c];
      for (let i = 0; i < n; i++) W[i * n + c] -= W[i * n + r] * l;
    }
  }
  // ·P: column i of W is column perm[i] of the result; times det(P)
  for (let i = 0; i < n; i++) for (let c = 0; c < n; c++) out[oo + i * n + f.perm[c]] = f.parity * W[i * n + c];
}
