// Counter-based random bits (JAX's original Threefry-2x32 scheme) and the exact transforms to
// uniform and normal numbers, in elementary IEEE operations only (+ − × ÷ √, bit manipulation),
// so the same key gives the same bits on every backend, SIMD level and machine. The native
// kernels (native/src/kernels/random.cc) are the same operations in the same order, compiled
// without FMA contraction.
import { ERFINV_W0, ERFINV_W1, ERFINV_S0, ERFINV_S1, type Piece } from './special-coefficients.js';

const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
const R0 = [13, 15, 26, 6], R1 = [17, 29, 16, 24];

/** Threefry-2x32, 20 rounds (Salmon et al. 2011; JAX's threefry2x32): out[0..1] from key (k0, k1) and counter (x0, x1) */
export function threefry(k0: number, k1: number, x0: number, x1: number, out: Uint32Array): void {
  const k2 = (k0 ^ k1 ^ 0x1bd11bda) >>> 0, ks = [k0, k1, k2];
  let a = (x0 + k0) >>> 0, b = (x1 + k1) >>> 0;
  for (let g = 0; g < 5; g++) {
    for (const r of g % 2 === 0 ? R0 : R1) { a = (a + b) >>> 0; b = rotl(b, r) ^ a; }
    a = (a + ks[(g + 1) % 3]) >>> 0;
    b = (b + ks[(g + 2) % 3] + g + 1) >>> 0;
  }
  out[0] = a; out[1] = b >>> 0;
}

/**
 * JAX's threefry_2x32(key, iota(n)): the counters 0..n−1 (padded with one 0 to even length m)
 * split in halves, pair i = (i, i + m/2); the outputs are all first words, then all second words.
 */
export function bitsOf(k0: number, k1: number, n: number): Uint32Array {
  const m = n + (n & 1), h = m / 2, out = new Uint32Array(m), pair = new Uint32Array(2);
  for (let i = 0; i < h; i++) {
    threefry(k0, k1, i, i + h < n ? i + h : 0, pair);
    out[i] = pair[0]; out[i + h] = pair[1];
  }
  return out;
}

// ---- log from elementary operations: x = 2^e·m, m ∈ [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1)
const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);
const LN2_HI = 0.6931471805599453, LN2_LO = 2.3190468138462996e-17;
const ATANH = Array.from({ length: 12 }, (_, k) => 2 / (2 * (11 - k) + 1));   // 2/23, …, 2/3, 2/1

/** log x for normal positive x (1–2 ulp): the random transforms' own, identical in C */
export function elementaryLog(x: number): number {
  f64[0] = x;
  let e = (u32[1] >>> 20) - 1023;
  u32[1] = (u32[1] & 0x000fffff) | 0x3ff00000;                    // m ∈ [1, 2)
  let m = f64[0];
  if (m > 1.4142135623730951) { m = m * 0.5; e = e + 1; }
  const s = (m - 1) / (m + 1), z = s * s;
  let p = ATANH[0];
  for (let k = 1; k < ATANH.length; k++) p = p * z + ATANH[k];
  return e * LN2_HI + (s * p + e * LN2_LO);
}

const horner = (q: Piece, x: number) => { let s = q.p[0]; const t = x - q.c; for (let i = 1; i < q.p.length; i++) s = s * t + q.p[i]; return s; };

/**
 * A standard normal number from a uniform u ∈ (0, 1): √2·erfinv(2u − 1) (the inverse CDF), with
 * erfinv's polynomial pieces and w = −log(2u·(2 − 2u)) from the elementary log (2u and 2 − 2u are exact).
 */
export function normalOf(u: number): number {
  const x = 2 * u - 1, a = Math.abs(x);
  const w = -(elementaryLog(2 * u) + elementaryLog(2 - 2 * u));
  let r: number;
  if (w < 6.25) r = a * (w < 2 ? horner(ERFINV_W0, w) : horner(ERFINV_W1, w));
  else { const s = Math.sqrt(w); r = s < 4 ? horner(ERFINV_S0, s) : horner(ERFINV_S1, s); }
  return x < 0 ? -(Math.SQRT2 * r) : Math.SQRT2 * r;
}

/** the 64 bits (hi, lo) as a uniform double: [0, 1) with 52 random bits (JAX); (0, 1) with +½ (normal's) */
export const uniformOf = (hi: number, lo: number) => hi * 2 ** -32 + (lo >>> 12) * 2 ** -52;
export const openUniformOf = (hi: number, lo: number) => (hi * 2 ** 20 + (lo >>> 12) + 0.5) * 2 ** -52;
