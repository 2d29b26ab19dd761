// Reference linear algebra for the generated rule tests, written independently of src/ (other
// algorithms: Laplace expansion, Gauss–Jordan, modified Gram–Schmidt, cyclic Jacobi), on one
// row-major matrix at a time. For small test sizes only.
type M = number[][];

const toM = (a: Float64Array, o: number, r: number, c: number): M => Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => a[o + i * c + j]));
const sym = (A: M): M => A.map((row, i) => row.map((v, j) => 0.5 * (v + A[j][i])));
const T = (A: M): M => (A.length ? A[0].map((_, j) => A.map((row) => row[j])) : []);
const mm = (A: M, B: M): M => A.map((row) => B[0].map((_, j) => row.reduce((s, v, p) => s + v * B[p][j], 0)));

/** det by Laplace expansion along the first row */
export function laplaceDet(A: M): number {
  const n = A.length;
  if (n === 0) return 1;
  if (n === 1) return A[0][0];
  let d = 0;
  for (let j = 0; j < n; j++) d += (j % 2 ? -1 : 1) * A[0][j] * laplaceDet(minor(A, 0, j));
  return d;
}
const minor = (A: M, r: number, c: number): M => A.filter((_, i) => i !== r).map((row) => row.filter((_, j) => j !== c));
/** adj(A)_ij = (−1)^{i+j} det(minor(A, j, i)) */
const adjugate = (A: M): M => A.map((_, i) => A.map((__, j) => ((i + j) % 2 ? -1 : 1) * laplaceDet(minor(A, j, i))));

/** A⁻¹·B by Gauss–Jordan with partial pivoting */
function gaussJordan(A: M, B: M): M {
  const n = A.length, k = B[0].length, W = A.map((row, i) => [...row, ...B[i]]);
  for (let j = 0; j < n; j++) {
    let p = j;
    for (let i = j + 1; i < n; i++) if (Math.abs(W[i][j]) > Math.abs(W[p][j])) p = i;
    [W[j], W[p]] = [W[p], W[j]];
    const piv = W[j][j];
    W[j] = W[j].map((v) => v / piv);
    for (let i = 0; i < n; i++) if (i !== j) { const f = W[i][j]; W[i] = W[i].map((v, c) => v - f * W[j][c]); }
  }
  return W.map((row) => row.slice(n, n + k));
}

function choleskyRef(A: M): M {
  const S = sym(A), n = S.length, L: M = S.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = S[i][j];
    for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
    L[i][j] = i === j ? Math.sqrt(s) : s / L[j][j];
  }
  return L;
}

/** modified Gram–Schmidt on the first k columns (R's diagonal > 0), R's other columns Qᵀ·A */
function qrRef(A: M): [M, M] {
  const m = A.length, n = A[0].length, k = Math.min(m, n);
  const V = T(A).map((c) => [...c]), Q: number[][] = [], R: M = Array.from({ length: k }, () => new Array<number>(n).fill(0));
  for (let j = 0; j < k; j++) {
    const v = V[j];
    R[j][j] = Math.hypot(...v);
    const q = v.map((x) => x / R[j][j]);
    Q.push(q);
    for (let c = j + 1; c < n; c++) { const r = q.reduce((s, x, i) => s + x * V[c][i], 0); R[j][c] = r; V[c] = V[c].map((x, i) => x - r * q[i]); }
  }
  return [T(Q), R];
}

/** make each column's first component within 1e-10 of the largest magnitude positive (other: columns flipped along) */
function normalize(X: M, other?: M, otherByRows = false): void {
  const cols = X[0]?.length ?? 0;
  for (let j = 0; j < cols; j++) {
    const c = X.map((row) => row[j]), big = Math.max(...c.map(Math.abs));
    const i = c.findIndex((v) => Math.abs(v) >= big - 1e-10 * big);
    if (c[i] < 0) {
      X.forEach((row) => { row[j] = -row[j]; });
      if (other) { if (otherByRows) other[j] = other[j].map((v) => -v); else other.forEach((row) => { row[j] = -row[j]; }); }
    }
  }
}

/** cyclic Jacobi eigenvalue iteration on sym(A): [w ascending, V] */
function eighRef(A0: M): [number[], M] {
  const A = sym(A0), n = A.length, V: M = A.map((_, i) => A.map((__, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += A[p][q] ** 2;
    if (off < 1e-34) break;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) {
      if (A[p][q] === 0) continue;
      const th = (A[q][q] - A[p][p]) / (2 * A[p][q]), t = Math.sign(th || 1) / (Math.abs(th) + Math.sqrt(th * th + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let k = 0; k < n; k++) { const x = A[k][p], y = A[k][q]; A[k][p] = c * x - s * y; A[k][q] = s * x + c * y; }
      for (let k = 0; k < n; k++) { const x = A[p][k], y = A[q][k]; A[p][k] = c * x - s * y; A[q][k] = s * x + c * y; }
      for (let k = 0; k < n; k++) { const x = V[k][p], y = V[k][q]; V[k][p] = c * x - s * y; V[k][q] = s * x + c * y; }
    }
  }
  const order = A.map((_, i) => i).sort((i, j) => A[i][i] - A[j][j]);
  const W = V.map((row) => order.map((j) => row[j]));
  normalize(W);
  return [order.map((i) => A[i][i]), W];
}

/** SVD from the eigendecomposition of AᵀA refined by one Jacobi pass on A·V (small, well-conditioned tests) */
function svdRef(A: M): [M, number[], M] {
  const m = A.length, n = A[0].length;
  if (m < n) { const [U, s, Vt] = svdRef(T(A)); const U2 = T(Vt), Vt2 = T(U); normalize(U2, Vt2, true); return [U2, s, Vt2]; }
  const [w, V] = eighRef(mm(T(A), A));
  const order = w.map((_, i) => i).reverse();
  const Vs = V.map((row) => order.map((j) => row[j]));
  const AV = mm(A, Vs), s = order.map((_, j) => Math.hypot(...AV.map((row) => row[j])));
  const U = AV.map((row) => row.map((v, j) => v / s[j]));
  const Vt = T(Vs);
  normalize(U, Vt, true);
  return [U, s, Vt];
}

type Ref = (xs: Float64Array[], s: readonly (readonly number[])[], out: readonly number[], attrs: any) => Float64Array;
const batchOf = (s: readonly number[]) => s.slice(0, -2).reduce((a, b) => a * b, 1);

/** per matrix of input 0 (and 1), the outputs' flat values, concatenated part by part over the batch */
function perMatrix(f: (mats: M[], attrs: any) => (number[] | M)[]): Ref {
  return (xs, s, _out, attrs) => {
    const B = batchOf(s[0]), parts: number[][][] = [];
    for (let t = 0; t < B; t++) {
      const mats = xs.map((x, k) => { const r = s[k][s[k].length - 2], c = s[k][s[k].length - 1]; return toM(x, t * r * c, r, c); });
      f(mats, attrs).forEach((p, i) => { (parts[i] ??= []).push((p as unknown[]).flat(2) as number[]); });
    }
    return Float64Array.from(parts.flat(2));
  };
}

/** op(T) as a dense matrix from the triangle the op reads */
function triMatrix(L: M, f: { lower: boolean; transpose: boolean; unitDiagonal: boolean }): M {
  const Tm = L.map((row, i) => row.map((v, j) => (i === j ? (f.unitDiagonal ? 1 : v) : (f.lower ? j < i : j > i) ? v : 0)));
  return f.transpose ? T(Tm) : Tm;
}

export const LINALG_REFERENCE: Record<string, Ref> = {
  cholesky: perMatrix(([A]) => [choleskyRef(A)]),
  triangularSolve: perMatrix(([L, B], f) => [gaussJordan(triMatrix(L, f), B)]),
  solve: perMatrix(([A, B]) => [gaussJordan(A, B)]),
  adjugate: perMatrix(([A]) => [adjugate(A)]),
  det: perMatrix(([A]) => [[laplaceDet(A)]]),
  // [sign, log|det|] on a leading axis of 2: all signs, then all logs
  slogdet: perMatrix(([A]) => { const d = laplaceDet(A); return [[Math.sign(d)], [Math.log(Math.abs(d))]]; }),
  qr: perMatrix(([A]) => qrRef(A)),
  eigh: perMatrix(([A]) => eighRef(A)),
  svd: perMatrix(([A]) => svdRef(A)),
  // sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹) with the lower triangles, by Gauss–Jordan inverses
  choleskyGrad: perMatrix(([L0, G0]) => {
    const Lm = L0.map((row, i) => row.map((v, j) => (j <= i ? v : 0))), G = G0.map((row, i) => row.map((v, j) => (j <= i ? v : 0)));
    const n = Lm.length, Linv = gaussJordan(Lm, Lm.map((_, i) => Lm.map((__, j) => (i === j ? 1 : 0))));
    const P = mm(T(Lm), G).map((row, i) => row.map((v, j) => (j < i ? v : j === i ? 0.5 * v : 0)));
    const S = mm(mm(T(Linv), P), Linv);
    return [S.map((row, i) => row.map((v, j) => 0.5 * (v + S[j][i])))].map((x) => x.slice(0, n));
  }),
};

/** a matrix structure for drawn inputs (TestSpec.structure): applied to every matrix of x [..., n, n] */
export function structured(x: Float64Array, s: readonly number[], kind: 'spd' | 'dominant'): Float64Array {
  const n = s[s.length - 1], out = new Float64Array(x.length);
  for (let t = 0, B = batchOf(s); t < B; t++) {
    const o = t * n * n;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (kind === 'dominant') out[o + i * n + j] = x[o + i * n + j] + (i === j ? n + 1 : 0);
      else { let v = 0; for (let k = 0; k < n; k++) v += x[o + i * n + k] * x[o + j * n + k]; out[o + i * n + j] = v / n + (i === j ? 0.5 : 0); }
    }
  }
  return out;
}
