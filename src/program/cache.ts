// Bounded LRU of values keyed by graph signature (collisions resolved by comparing full keys).
import { sameKey, type Signature } from './signature.js';

export class SignatureCache<T> {
  private readonly map = new Map<number, { key: Float64Array; value: T }[]>();
  private size = 0;
  hits = 0;
  misses = 0;
  constructor(private readonly capacity = 32) {}

  get(sig: Signature): T | undefined {
    const bucket = this.map.get(sig.hash);
    const hit = bucket?.find((e) => sameKey(e.key, sig.key));
    if (!hit) { this.misses++; return undefined; }
    this.hits++;
    // refresh recency: re-insert the bucket at the end of the Map's order
    this.map.delete(sig.hash);
    this.map.set(sig.hash, bucket!);
    return hit.value;
  }

  set(sig: Signature, value: T): void {
    const bucket = this.map.get(sig.hash) ?? [];
    bucket.push({ key: sig.key, value });
    this.map.delete(sig.hash);
    this.map.set(sig.hash, bucket);
    if (++this.size > this.capacity) {
      const [oldest, b] = this.map.entries().next().value!;
      b.shift();
      if (!b.length) this.map.delete(oldest);
      this.size--;
    }
  }
}
