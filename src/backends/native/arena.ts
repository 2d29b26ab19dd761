// Free-block bookkeeping for the arena that encode.ts lays out: offsets in float64 values.
export const ALIGN = 8;

/** Free arena blocks: exact-size stacks for small sizes, best fit (with splitting) for the rest. */
export class Arena {
  top: number;
  private small: number[][] = Array.from({ length: ALIGN + 1 }, () => []);
  private large: { off: number; size: number }[] = [];
  constructor(start: number) { this.top = start; }
  alloc(size: number): number {
    if (size <= ALIGN) {
      const s = this.small[size].pop();
      if (s !== undefined) return s;
      const off = this.top; this.top += size; return off;
    }
    const need = Math.ceil(size / ALIGN) * ALIGN;
    let best = -1;
    for (let i = 0; i < this.large.length; i++) {
      const b = this.large[i];
      if (b.size >= need && (best < 0 || b.size < this.large[best].size)) best = i;
    }
    if (best >= 0) {
      const b = this.large[best];
      if (b.size - need >= ALIGN) { this.large[best] = { off: b.off + need, size: b.size - need }; } else this.large.splice(best, 1);
      return b.off;
    }
    this.top = Math.ceil(this.top / ALIGN) * ALIGN;
    const off = this.top; this.top += need; return off;
  }
  free(off: number, size: number): void {
    if (size <= ALIGN) { this.small[size].push(off); return; }
    this.large.push({ off, size: Math.ceil(size / ALIGN) * ALIGN });
  }
}
