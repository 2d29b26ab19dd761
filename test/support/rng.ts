// Seeded random numbers for tests (mulberry32): the same seed gives the same cases on every run.
export class Rng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** uniform in [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  uniform(lo: number, hi: number): number { return lo + (hi - lo) * this.next(); }
  /** integer in [lo, hi] (both inclusive) */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  array(n: number, lo = -1, hi = 1): Float64Array { return Float64Array.from({ length: n }, () => this.uniform(lo, hi)); }
  /** magnitudes in [lo, hi] with random signs (no entry near zero) */
  signed(n: number, lo = 0.5, hi = 1.5): Float64Array {
    return Float64Array.from({ length: n }, () => (this.next() < 0.5 ? -1 : 1) * this.uniform(lo, hi));
  }
}
