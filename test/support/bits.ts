// Bit-for-bit equality of two result arrays (tiers, thread counts, async vs sync): Object.is, so −0 ≠ 0 and NaN = NaN.
export const sameBits = (a: Float64Array, b: Float64Array): boolean => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
