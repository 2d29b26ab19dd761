// TS reference kernel for the reduced SVD: one-sided (Hestenes) Jacobi on the columns of A
// (of Aᵀ when m < n), cyclic by rows of pairs, until no pair is rotated in a sweep.
import { norm2 } from './house.js';
import { pivotIndex } from './signs.js';
import { allFinite } from './finite.js';

const EPS = 2.220446049250313e-16;
const MAX_SWEEPS = 60;

/**
 * A = U·diag(S)·Vt, k = min(m, n): U m×k, S descending, Vt k×n. Each uᵢ has its largest-magnitude
 * component positive (vᵢ follows); a zero singular value gets a uᵢ completing the orthonormal
 * columns (Gram–Schmidt on e_0, e_1, …). All NaN when the sweeps do not converge.
 */
export function svd(a: Float64Array, ao: number, m: number, n: number, U: Float64Array, uo: number,
  S: Float64Array, so: number, Vt: Float64Array, vo: number): void {
  const tall = m >= n, p = tall ? m : n, q = tall ? n : m;   // Jacobi on the q columns (length p) of A or Aᵀ
  const G = new Float64Array(q * p), W = new Float64Array(q * q);   // G rows: the columns; W rows: the right vectors
  for (let j = 0; j < q; j++) {
    for (let i = 0; i < p; i++) G[j * p + i] = tall ? a[ao + i * n + j] : a[ao + j * n + i];
    W[j * q + j] = 1;
  }
  if (!allFinite(a, ao, m * n) || !sweeps(G, W, p, q)) {
    U.fill(NaN, uo, uo + m * q); S.fill(NaN, so, so + q); Vt.fill(NaN, vo, vo + q * n);
    return;
  }
  const sig = new Float64Array(q);
  for (let j = 0; j < q; j++) sig[j] = norm2(G, j * p, 1, p);
  // descending (selection sort, the first of equal values stays first)
  for (let i = 0; i < q - 1; i++) {
    let b = i;
    for (let j = i + 1; j < q; j++) if (sig[j] > sig[b]) b = j;
    if (b === i) continue;
    const t = sig[i]; sig[i] = sig[b]; sig[b] = t;
    swapRows(G, p, i, b); swapRows(W, q, i, b);
  }
  for (let j = 0; j < q; j++) {
    if (sig[j] !== 0) for (let i = 0; i < p; i++) G[j * p + i] /= sig[j];
    else complete(G, p, j);
  }
  // left vectors: rows of G (tall) or of W (wide); make their deciding component positive
  const L = tall ? G : W, R = tall ? W : G, ll = tall ? p : q, rl = tall ? q : p;
  for (let j = 0; j < q; j++) {
    if (L[j * ll + pivotIndex(L, j * ll, 1, ll)] < 0) {
      for (let i = 0; i < ll; i++) L[j * ll + i] = -L[j * ll + i];
      for (let i = 0; i < rl; i++) R[j * rl + i] = -R[j * rl + i];
    }
  }
  for (let j = 0; j < q; j++) {
    S[so + j] = sig[j];
    for (let i = 0; i < m; i++) U[uo + i * q + j] = L[j * ll + i];
    for (let i = 0; i < n; i++) Vt[vo + j * n + i] = R[j * rl + i];
  }
}

/** cyclic sweeps of plane rotations making the rows of G (q×p) orthogonal; W (q×q) rotates along */
function sweeps(G: Float64Array, W: Float64Array, p: number, q: number): boolean {
  const tol = Math.sqrt(p) * EPS;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let i = 0; i < q - 1; i++) {
      for (let j = i + 1; j < q; j++) {
        const io = i * p, jo = j * p;
        let alpha = 0, beta = 0, gamma = 0;
        for (let t = 0; t < p; t++) { const x = G[io + t], y = G[jo + t]; alpha += x * x; beta += y * y; gamma += x * y; }
        if (!(Math.abs(gamma) > tol * Math.sqrt(alpha * beta))) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t), s = c * t;
        rotate(G, io, jo, p, c, s);
        rotate(W, i * q, j * q, q, c, s);
      }
    }
    if (!rotated) return true;
  }
  return false;
}

/** (x, y) ← (c·x − s·y, s·x + c·y) over rows at xo, yo */
function rotate(X: Float64Array, xo: number, yo: number, len: number, c: number, s: number): void {
  for (let t = 0; t < len; t++) { const x = X[xo + t], y = X[yo + t]; X[xo + t] = c * x - s * y; X[yo + t] = s * x + c * y; }
}

function swapRows(X: Float64Array, len: number, a: number, b: number): void {
  for (let t = 0; t < len; t++) { const u = X[a * len + t]; X[a * len + t] = X[b * len + t]; X[b * len + t] = u; }
}

/** row j of G (length p) := a unit vector orthogonal to rows 0..j−1: the first e_c with enough left after two Gram–Schmidt passes */
function complete(G: Float64Array, p: number, j: number): void {
  const x = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    x.fill(0); x[c] = 1;
    for (let pass = 0; pass < 2; pass++) {
      for (let r = 0; r < j; r++) {
        let d = 0;
        for (let t = 0; t < p; t++) d += G[r * p + t] * x[t];
        for (let t = 0; t < p; t++) x[t] -= d * G[r * p + t];
      }
    }
    const nx = norm2(x, 0, 1, p);
    if (nx > 0.5) { for (let t = 0; t < p; t++) G[j * p + t] = x[t] / nx; return; }
  }
}
