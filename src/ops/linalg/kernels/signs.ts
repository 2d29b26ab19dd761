// The sign convention of eigen- and singular vectors (DESIGN §8): each vector's largest-magnitude
// component is positive. Components within a relative TIE of the largest count as tied and the
// first of them decides, so both backends (whose roundings differ) make the same choice.

export const TIE = 1e-10;

/** index of the first component of x[o + i·s], i < len, within TIE of the largest magnitude */
export function pivotIndex(x: Float64Array, o: number, s: number, len: number): number {
  let big = 0;
  for (let i = 0; i < len; i++) { const v = Math.abs(x[o + i * s]); if (v > big) big = v; }
  const bar = big - TIE * big;
  for (let i = 0; i < len; i++) if (Math.abs(x[o + i * s]) >= bar) return i;
  return 0;
}

/** rows of the rows×len matrix at o made to have their deciding component positive */
export function signNormalizeRows(X: Float64Array, o: number, rows: number, len: number): void {
  for (let r = 0; r < rows; r++) {
    const ro = o + r * len;
    if (X[ro + pivotIndex(X, ro, 1, len)] < 0) for (let i = 0; i < len; i++) X[ro + i] = -X[ro + i];
  }
}
