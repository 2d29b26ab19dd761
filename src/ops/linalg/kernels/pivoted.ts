// Householder QR with column pivoting, J·P = Q·R, for Levenberg–Marquardt (Moré 1978, §3; the
// factorization of MINPACK's lmder, written anew): the TS kernel of the qrPivoted op (the native
// one, kernels/linalg.cc, is the same algorithm; leastSquares calls it through src/optim/qr.ts). J is m×n row-major; the factor keeps
//   R      n×n upper triangular, row-major, in pivoted column order,
//   perm   perm[j] = the column of J in position j,
//   qtr    the first n entries of Qᵀr for the right-hand side r,
//   norms  the Euclidean norms of J's columns, indexed by J's column (length n; zero outside `cols`).
// Columns are pivoted by largest remaining norm, so R's diagonal decreases in magnitude and a
// rank-deficient J shows as trailing zeros on it. Each reflection is applied only over the rows
// where its vector is nonzero, so a sparse Jacobian (each residual depending on a few parameters)
// costs O(nonzeros·n) per column instead of O(m·n). When the pivot column is zero in row j, one of
// its nonzero rows is swapped into row j first (rows of [J r] can be permuted: the least-squares
// problem is the same), so a reflection mixes only rows that share the column: a block-sparse J
// stays sparse in R instead of filling in. A dense column keeps row j (the same factorization).

export interface QR {
  readonly n: number;
  readonly R: Float64Array;
  readonly perm: Int32Array;
  readonly qtr: Float64Array;
  readonly norms: Float64Array;
}

/**
 * Factor the columns `cols` of J (m×n row-major) — all of them by default — and apply Qᵀ to r.
 * With m < k columns, J is padded with zero rows (the least-squares problem is unchanged).
 */
export function qrPivot(J: Float64Array, m: number, n: number, r: Float64Array, cols?: Int32Array): QR {
  const k = cols ? cols.length : n, rows = Math.max(m, k);
  const A = new Float64Array(k * rows);   // column-major: A[j·rows + i] = J[i, cols[j]]
  for (let i = 0; i < m; i++) {
    const o = i * n;
    for (let j = 0; j < k; j++) A[j * rows + i] = J[o + (cols ? cols[j] : j)];
  }
  const b = new Float64Array(rows);
  b.set(r.subarray(0, m));
  const f: Factoring = { A, rows, k, b, perm: new Int32Array(k), left: new Float64Array(k), ref: new Float64Array(k), nzRows: new Int32Array(rows) };
  const norms = new Float64Array(n);
  for (let j = 0; j < k; j++) {
    f.perm[j] = cols ? cols[j] : j;
    norms[f.perm[j]] = f.left[j] = f.ref[j] = colNorm(A, j * rows, 0, rows);
  }
  const rdiag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    pivot(f, j);
    rdiag[j] = -reflect(f, j);
  }
  // R above the diagonal is left in A's upper part (whole columns were swapped, so it is in final order)
  const R = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    R[j * k + j] = rdiag[j];
    for (let q = j + 1; q < k; q++) R[j * k + q] = A[q * rows + j];
  }
  return { n: k, R, perm: f.perm, qtr: b.slice(0, k), norms };
}

/** the factorization in progress: A column-major (rows × k), b = Qᵀr so far, remaining column norms `left` (as of `ref`) */
interface Factoring {
  A: Float64Array; rows: number; k: number; b: Float64Array; perm: Int32Array;
  left: Float64Array; ref: Float64Array; nzRows: Int32Array;
}

/** the column with the largest remaining norm moves to position j */
function pivot({ A, rows, k, perm, left, ref }: Factoring, j: number): void {
  let p = j;
  for (let q = j + 1; q < k; q++) if (left[q] > left[p]) p = q;
  if (p === j) return;
  swapCols(A, rows, j, p);
  [perm[j], perm[p]] = [perm[p], perm[j]];
  [left[j], left[p]] = [left[p], left[j]];
  [ref[j], ref[p]] = [ref[p], ref[j]];
}

/**
 * Reflect column j onto −αe_j and apply the reflection to the columns right of it and to b;
 * returns α (0 for a zero column: nothing is applied). A zero pivot entry over a nonzero column
 * first swaps a nonzero row into row j.
 */
function reflect(f: Factoring, j: number): number {
  const { A, rows, k, b, nzRows } = f, cj = j * rows;
  let alpha = colNorm(A, cj, j, rows);
  if (alpha === 0) return 0;
  if (A[cj + j] === 0) {
    let p = j + 1;
    while (A[cj + p] === 0) p++;
    swapRows(A, rows, k, j, p, j);
    const t = b[j]; b[j] = b[p]; b[p] = t;
  }
  // H = I − vvᵀ/v₁ with v = x/α + e₁, α = sign(x₁)‖x‖ (so v₁ ≥ 1): Hx = −αe₁; v overwrites x
  if (A[cj + j] < 0) alpha = -alpha;
  let nz = 0;
  for (let i = j; i < rows; i++) if (A[cj + i] !== 0 || i === j) nzRows[nz++] = i;
  for (let t = 0; t < nz; t++) A[cj + nzRows[t]] /= alpha;
  A[cj + j] += 1;
  const vj = A[cj + j];
  for (let q = j + 1; q < k; q++) {
    const cq = q * rows;
    let s = 0;
    for (let t = 0; t < nz; t++) { const i = nzRows[t]; s += A[cj + i] * A[cq + i]; }
    if (s !== 0) {
      const c = s / vj;
      for (let t = 0; t < nz; t++) { const i = nzRows[t]; A[cq + i] -= c * A[cj + i]; }
    }
    downdate(f, q, j);
  }
  let s = 0;
  for (let t = 0; t < nz; t++) { const i = nzRows[t]; s += A[cj + i] * b[i]; }
  for (let t = 0; t < nz; t++) { const i = nzRows[t]; b[i] -= (s / vj) * A[cj + i]; }
  return alpha;
}

/** downdate column q's remaining norm past row j; recompute it when cancellation has eaten its accuracy */
function downdate({ A, rows, left, ref }: Factoring, q: number, j: number): void {
  if (left[q] === 0) return;
  const ratio = A[q * rows + j] / left[q];
  const f = Math.max(0, 1 - ratio * ratio);
  const est = left[q] / ref[q];
  if (0.05 * f * est * est <= 2.2e-16) { left[q] = colNorm(A, q * rows, j + 1, rows); ref[q] = left[q]; }
  else left[q] *= Math.sqrt(f);
}

/** ‖A[off + from .. off + rows)‖, scaled against overflow and underflow */
function colNorm(A: Float64Array, off: number, from: number, rows: number): number {
  let big = 0;
  for (let i = from; i < rows; i++) { const a = Math.abs(A[off + i]); if (a > big) big = a; }
  if (big === 0 || !Number.isFinite(big)) return big;
  let s = 0;
  for (let i = from; i < rows; i++) { const a = A[off + i] / big; s += a * a; }
  return big * Math.sqrt(s);
}

/** swap rows a and b of the column-major A (k columns of `rows`), in columns from c0 on */
function swapRows(A: Float64Array, rows: number, k: number, a: number, b: number, c0: number): void {
  for (let c = c0; c < k; c++) { const t = A[c * rows + a]; A[c * rows + a] = A[c * rows + b]; A[c * rows + b] = t; }
}

function swapCols(A: Float64Array, rows: number, a: number, b: number): void {
  const ca = a * rows, cb = b * rows;
  for (let i = 0; i < rows; i++) { const t = A[ca + i]; A[ca + i] = A[cb + i]; A[cb + i] = t; }
}
