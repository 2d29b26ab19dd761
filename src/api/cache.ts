// Bounded LRU of values keyed by graph signature (collisions resolved by comparing full keys).
import { sameSignature, signature, type Signature } from '../core/signature.js';
import type { Graph } from '../core/graph.js';

/** Whether g runs user rules (customVjp/customJvp/opaque): code that may close over changing JS state. */
export function hasUserRules(g: Graph): boolean {
  for (let k = 0, n = g.neqns; k < n; k++) { const name = g.tape.op(k).name; if (name === 'customCall' || name === 'opaque') return true; }
  return false;
}

export class SignatureCache<T> {
  private readonly map = new Map<number, { sig: Signature; value: T }[]>();
  private size = 0;
  hits = 0;
  misses = 0;
  constructor(private readonly capacity = 32) {}

  get(sig: Signature): T | undefined {
    const bucket = this.map.get(sig.hash);
    const hit = bucket?.find((e) => sameSignature(e.sig, sig));
    if (!hit) { this.misses++; return undefined; }
    this.hits++;
    // refresh recency: re-insert the bucket at the end of the Map's order
    this.map.delete(sig.hash);
    this.map.set(sig.hash, bucket!);
    return hit.value;
  }

  /**
   * The value derived from trace g (a derivative program): reused when g's signature matches an
   * earlier trace's. A trace holding user rules is derived anew on every call, since its rules may
   * give another program this time; the result is then reused by ITS signature, so an unchanged
   * derivative keeps its planned (and native) program.
   */
  derive(g: Graph, extra: readonly number[], build: () => T, graphOf: (t: T) => Graph): T {
    if (!hasUserRules(g)) {
      const sig = signature(g, extra);
      let v = this.get(sig);
      if (v === undefined) this.set(sig, (v = build()));
      return v;
    }
    const fresh = build();
    const sig = signature(graphOf(fresh), [-9, ...extra]);
    const v = this.get(sig);
    if (v !== undefined) return v;
    this.set(sig, fresh);
    return fresh;
  }

  set(sig: Signature, value: T): void {
    const bucket = this.map.get(sig.hash) ?? [];
    bucket.push({ sig, value });
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
