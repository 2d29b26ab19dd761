// Float64 central finite differences — FOR TESTS ONLY (the library's own is src/testing/gradcheck.ts).

/** (F(x + h·v) − F(x − h·v)) / 2h for a function of several flat arrays. */
export function directional(F: (xs: Float64Array[]) => number, xs: readonly Float64Array[],
  vs: readonly Float64Array[], h = 1e-6): number {
  return (F(shifted(xs, vs, h)) - F(shifted(xs, vs, -h))) / (2 * h);
}

/** Elementwise (F(x + h·v) − F(x − h·v)) / 2h for a vector-valued function of several flat arrays. */
export function directionalVec(F: (xs: Float64Array[]) => ArrayLike<number>, xs: readonly Float64Array[],
  vs: readonly Float64Array[], h = 1e-6): Float64Array {
  const p = F(shifted(xs, vs, h)), m = F(shifted(xs, vs, -h));
  return Float64Array.from({ length: p.length }, (_, i) => (p[i] - m[i]) / (2 * h));
}

const shifted = (xs: readonly Float64Array[], vs: readonly Float64Array[], s: number) =>
  xs.map((x, k) => x.map((xi, i) => xi + s * vs[k][i]));

/** Full gradient of F at x, one central difference per coordinate. */
export function gradient(F: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  return x.map((_, i) => {
    const p = x.slice(), m = x.slice();
    p[i] += h; m[i] -= h;
    return (F(p) - F(m)) / (2 * h);
  });
}

/** Σ_k ⟨a_k, b_k⟩ and Σ_k Σ_i |a_k[i]·b_k[i]| (the scale a directional derivative is compared at). */
export function dotAll(as: readonly ArrayLike<number>[], bs: readonly ArrayLike<number>[]): { dot: number; scale: number } {
  let dot = 0, scale = 0;
  as.forEach((a, k) => { for (let i = 0; i < a.length; i++) { const p = a[i] * bs[k][i]; dot += p; scale += Math.abs(p); } });
  return { dot, scale };
}

/**
 * |ad − fd| ≤ rtol·max(scale, |ad|, |fd|) + atol: relative to the magnitude of the summed terms;
 * atol covers the rounding of F itself (≈ ε·|F| / h).
 */
export function closeFD(ad: number, fd: number, scale: number, rtol = 1e-6, atol = 1e-9): boolean {
  return Math.abs(ad - fd) <= rtol * Math.max(scale, Math.abs(ad), Math.abs(fd)) + atol;
}
