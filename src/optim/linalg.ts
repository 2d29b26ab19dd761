// Small dense linear algebra for Levenberg–Marquardt (row-major Float64Arrays).

/** JᵀJ (n×n) of J (m×n). */
export function gram(J: Float64Array, m: number, n: number): Float64Array {
  const A = new Float64Array(n * n);
  for (let r = 0; r < m; r++) {
    const o = r * n;
    for (let i = 0; i < n; i++) {
      const ji = J[o + i];
      if (ji === 0) continue;
      for (let k = i; k < n; k++) A[i * n + k] += ji * J[o + k];
    }
  }
  for (let i = 0; i < n; i++) for (let k = 0; k < i; k++) A[i * n + k] = A[k * n + i];
  return A;
}

/** Jᵀr (n) */
export function jtv(J: Float64Array, r: Float64Array, m: number, n: number): Float64Array {
  const g = new Float64Array(n);
  for (let row = 0; row < m; row++) {
    const v = r[row], o = row * n;
    if (v !== 0) for (let i = 0; i < n; i++) g[i] += J[o + i] * v;
  }
  return g;
}

/** Cholesky factor L (lower, row-major) of a symmetric matrix; null unless positive definite. */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0)) return null;
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = A[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / d;
    }
  }
  return L;
}

/** Solve L·Lᵀ·x = b. */
export function cholSolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * y[k];
    y[i] = s / L[i * n + i];
  }
  return y;
}

/** A⁻¹ of a symmetric positive definite A; null when the factorization fails. */
export function inverseSPD(A: Float64Array, n: number): Float64Array | null {
  const L = cholesky(A, n);
  if (!L) return null;
  const inv = new Float64Array(n * n), e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0); e[j] = 1;
    inv.set(cholSolve(L, n, e), j * n);
  }
  // symmetrize: columns were solved independently
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[i * n + j] = inv[j * n + i] = (inv[i * n + j] + inv[j * n + i]) / 2;
  return inv;
}
