// Non-finite input (DESIGN §8 "never a wrong finite number"): a matrix with a NaN or ±∞ entry
// among those an op reads gives all-NaN results, the same on both backends (blocked and unblocked
// algorithms would otherwise spread a NaN to different entries).

/** every x[o + i], i < len, is finite */
export function allFinite(x: Float64Array, o: number, len: number): boolean {
  for (let i = 0; i < len; i++) if (!Number.isFinite(x[o + i])) return false;
  return true;
}
