// The Levenberg–Marquardt step inside a trust region (Moré 1978, §§4–5; MINPACK's lmpar and
// qrsolv, written anew). With J·P = Q·R and scaling D, find par ≥ 0 and the step p solving
//   min ‖J p + r‖² + par·‖D p‖²      with  ‖D p‖ ≈ Δ  (within 10 %)  or  par = 0 and ‖D p‖ ≤ Δ.
// Each trial par solves the damped problem as a least-squares problem in [R; √par·D] by Givens
// rotations (never the normal equations), and par is updated by Newton's method on
// φ(par) = ‖D p(par)‖ − Δ safeguarded by the bounds parl ≤ par* ≤ paru.
import type { QR } from './qr.js';

const DWARF = 2.2250738585072014e-308;

export interface LmStep {
  par: number;
  /** the step p in J's column order (zero outside the factored columns) */
  p: Float64Array;
  /** ‖D p‖ */
  dpNorm: number;
}

/** Work arrays reused across calls (sizes by the number of factored columns k). */
class Work {
  S: Float64Array; w: Float64Array; e: Float64Array; z: Float64Array; sdiag: Float64Array; a: Float64Array; d: Float64Array;
  constructor(readonly k: number) {
    this.S = new Float64Array(k * k);
    this.w = new Float64Array(k); this.e = new Float64Array(k); this.z = new Float64Array(k);
    this.sdiag = new Float64Array(k); this.a = new Float64Array(k); this.d = new Float64Array(k);
  }
}

/** The LM step for trust radius delta, starting the par iteration from par0 (the previous par). */
export function lmStep(qr: QR, n: number, diag: Float64Array, delta: number, par0: number): LmStep {
  const k = qr.n, { R, perm, qtr } = qr, W = new Work(k), d = W.d, z = W.z;
  for (let j = 0; j < k; j++) d[j] = diag[perm[j]];
  // Gauss–Newton direction z = −R⁻¹Qᵀr (positions ≥ the first zero pivot are left at 0)
  let nsing = k;
  for (let j = 0; j < k; j++) if (R[j * k + j] === 0 && nsing === k) nsing = j;
  backSolve(R, k, nsing, qtr, z);
  let dxNorm = scaledNorm(d, z, k), fp = dxNorm - delta;
  const out = (par: number): LmStep => {
    const p = new Float64Array(n);
    for (let j = 0; j < k; j++) p[perm[j]] = -z[j];
    return { par, p, dpNorm: dxNorm };
  };
  if (fp <= 0.1 * delta) return out(0);

  // lower bound parl from φ'(0) (only for full rank), upper bound paru = ‖(JD⁻¹)ᵀr‖/Δ
  const a = W.a;
  let parl = 0;
  if (nsing === k) {
    for (let j = 0; j < k; j++) a[j] = d[j] * ((d[j] * z[j]) / dxNorm);
    forwardSolveT(R, k, a);
    const t = norm(a, k);
    parl = fp / delta / t / t;
  }
  for (let j = 0; j < k; j++) {
    let s = 0;
    for (let i = 0; i <= j; i++) s += R[i * k + j] * qtr[i];
    a[j] = s / d[j];
  }
  const gnorm = norm(a, k);
  let paru = gnorm / delta;
  if (paru === 0) paru = DWARF / Math.min(delta, 0.1);
  let par = Math.min(Math.max(par0, parl), paru);
  if (par === 0) par = gnorm / dxNorm;

  for (let iter = 1; ; iter++) {
    if (par === 0) par = Math.max(DWARF, 0.001 * paru);
    dampedSolve(qr, d, Math.sqrt(par), W);   // z, S, sdiag
    dxNorm = scaledNorm(d, z, k);
    const prev = fp;
    fp = dxNorm - delta;
    if (Math.abs(fp) <= 0.1 * delta || (parl === 0 && fp <= prev && prev < 0) || iter === 10) break;
    // Newton correction: φ'(par) from the factor S of Rᵀ R + par·D² (Sᵀ S form)
    for (let j = 0; j < k; j++) a[j] = d[j] * ((d[j] * z[j]) / dxNorm);
    for (let j = 0; j < k; j++) {
      a[j] /= W.sdiag[j];
      const t = a[j];
      for (let i = j + 1; i < k; i++) a[i] -= W.S[j * k + i] * t;
    }
    const t = norm(a, k), parc = fp / delta / t / t;
    if (fp > 0) parl = Math.max(parl, par);
    if (fp < 0) paru = Math.min(paru, par);
    par = Math.max(parl, par + parc);
  }
  return out(par);
}

/**
 * Solve min ‖[R; λD] z − [qtr; 0]‖ (R from qr, D = diag d in pivoted order, λ = √par): the rows of
 * λD are rotated into a copy S of R one at a time (Givens), then S z = w by back substitution.
 * Leaves z = R-solution, S (upper, row-major) and its diagonal sdiag in W. Sign: z solves for −p.
 */
function dampedSolve(qr: QR, d: Float64Array, lambda: number, W: Work): void {
  const k = qr.n, R = qr.R, S = W.S, w = W.w, e = W.e, z = W.z;
  S.set(R);
  w.set(qr.qtr);
  for (let j = 0; j < k; j++) {
    const dj = lambda * d[j];
    if (dj === 0) continue;
    e.fill(0, j);
    e[j] = dj;
    let eta = 0;   // the right-hand side entry of the row being eliminated
    for (let q = j; q < k; q++) {
      if (e[q] === 0) continue;
      const sqq = S[q * k + q];
      let c: number, s: number;
      if (Math.abs(sqq) < Math.abs(e[q])) {
        const cot = sqq / e[q];
        s = 0.5 / Math.sqrt(0.25 + 0.25 * cot * cot);
        c = s * cot;
      } else {
        const tan = e[q] / sqq;
        c = 0.5 / Math.sqrt(0.25 + 0.25 * tan * tan);
        s = c * tan;
      }
      S[q * k + q] = c * sqq + s * e[q];
      const t = c * w[q] + s * eta;
      eta = -s * w[q] + c * eta;
      w[q] = t;
      for (let i = q + 1; i < k; i++) {
        const sqi = S[q * k + i], ei = e[i];
        S[q * k + i] = c * sqi + s * ei;
        e[i] = -s * sqi + c * ei;
      }
    }
  }
  let nsing = k;
  for (let j = 0; j < k; j++) {
    W.sdiag[j] = S[j * k + j];
    if (S[j * k + j] === 0 && nsing === k) nsing = j;
  }
  backSolve(S, k, nsing, w, z);
}

/** z = U⁻¹ b for U upper triangular (k×k row-major), using only its leading rank×rank block. */
function backSolve(U: Float64Array, k: number, rank: number, b: Float64Array, z: Float64Array): void {
  for (let j = rank; j < k; j++) z[j] = 0;
  for (let j = rank - 1; j >= 0; j--) {
    let s = b[j];
    for (let i = j + 1; i < rank; i++) s -= U[j * k + i] * z[i];
    z[j] = s / U[j * k + j];
  }
}

/** a ← U⁻ᵀ a for U upper triangular (k×k row-major). */
function forwardSolveT(U: Float64Array, k: number, a: Float64Array): void {
  for (let j = 0; j < k; j++) {
    let s = a[j];
    for (let i = 0; i < j; i++) s -= U[i * k + j] * a[i];
    a[j] = s / U[j * k + j];
  }
}

function scaledNorm(d: Float64Array, z: Float64Array, k: number): number {
  let big = 0;
  for (let j = 0; j < k; j++) big = Math.max(big, Math.abs(d[j] * z[j]));
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let j = 0; j < k; j++) { const v = (d[j] * z[j]) / big; s += v * v; }
  return big * Math.sqrt(s);
}

function norm(a: Float64Array, k: number): number {
  let s = 0;
  for (let j = 0; j < k; j++) s += a[j] * a[j];
  return Math.sqrt(s);
}
