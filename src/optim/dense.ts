// Small dense solves for the k×k and 2k×2k matrices of L-BFGS-B (row-major Float64Arrays).

/** Cholesky factor L (lower) of a symmetric positive definite A (k×k); null when not positive definite. */
export function cholesky(A: Float64Array, k: number): Float64Array | null {
  const L = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    let s = A[j * k + j];
    for (let q = 0; q < j; q++) s -= L[j * k + q] * L[j * k + q];
    if (!(s > 0)) return null;
    const dj = Math.sqrt(s);
    L[j * k + j] = dj;
    for (let i = j + 1; i < k; i++) {
      let t = A[i * k + j];
      for (let q = 0; q < j; q++) t -= L[i * k + q] * L[j * k + q];
      L[i * k + j] = t / dj;
    }
  }
  return L;
}

/** b ← (L·Lᵀ)⁻¹ b in place. */
export function cholSolve(L: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let q = 0; q < i; q++) s -= L[i * k + q] * b[q];
    b[i] = s / L[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let q = i + 1; q < k; q++) s -= L[q * k + i] * b[q];
    b[i] = s / L[i * k + i];
  }
}

/** b ← A⁻¹ b by Gaussian elimination with partial pivoting (A is overwritten); false when singular. */
export function luSolve(A: Float64Array, k: number, b: Float64Array): boolean {
  for (let j = 0; j < k; j++) {
    let p = j;
    for (let i = j + 1; i < k; i++) if (Math.abs(A[i * k + j]) > Math.abs(A[p * k + j])) p = i;
    if (!(A[p * k + j] !== 0) || !Number.isFinite(A[p * k + j])) return false;
    if (p !== j) {
      for (let q = 0; q < k; q++) { const t = A[j * k + q]; A[j * k + q] = A[p * k + q]; A[p * k + q] = t; }
      const t = b[j]; b[j] = b[p]; b[p] = t;
    }
    const piv = A[j * k + j];
    for (let i = j + 1; i < k; i++) {
      const f = A[i * k + j] / piv;
      if (f === 0) continue;
      for (let q = j; q < k; q++) A[i * k + q] -= f * A[j * k + q];
      b[i] -= f * b[j];
    }
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let q = i + 1; q < k; q++) s -= A[i * k + q] * b[q];
    b[i] = s / A[i * k + i];
  }
  return true;
}
