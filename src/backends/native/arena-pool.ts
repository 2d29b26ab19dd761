// The arenas of one program's async evaluations: a bounded pool. A call takes an idle arena, else
// makes one while fewer than `size` exist, else waits for one in call order (FIFO); the arena goes
// back (or to the next waiter) when its evaluation settles. An arena is only ever used by one
// evaluation at a time (the addon would refuse a second one with 'busy'), and every arena holds
// the same buffers, so which arena a call gets never changes its result.

/**
 * Arenas per program: the size of the libuv thread pool where async work runs
 * (UV_THREADPOOL_SIZE, default 4; more arenas could not run at once), at most 16.
 */
export function arenaPoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const uv = Number.parseInt(env.UV_THREADPOOL_SIZE ?? '', 10);
  return Math.min(16, Number.isFinite(uv) && uv > 0 ? uv : 4);
}

export class ArenaPool {
  static readonly size = arenaPoolSize();
  #idle: ArrayBuffer[] = [];
  #waiting: ((a: ArrayBuffer) => void)[] = [];
  /** evaluations holding or waiting for an arena */
  #active = 0;
  #running = 0;
  #bytes = 0;
  #onClosed: (() => void) | null = null;
  #closed = false;
  made = 0;
  /** the most evaluations that held an arena at once */
  peak = 0;

  constructor(private readonly make: () => ArrayBuffer, private readonly free: (a: ArrayBuffer) => void,
    private readonly limit = ArenaPool.size) {}

  /** bytes of the arenas made and not yet freed */
  get bytes(): number { return this.#bytes; }

  /** run(arena) with an arena of the pool; the arena returns to the pool when the promise settles */
  async use<T>(run: (arena: ArrayBuffer) => Promise<T>): Promise<T> {
    this.#active++;
    try {
      const arena = this.#idle.pop() ?? (this.made < this.limit ? this.newArena() : await new Promise<ArrayBuffer>((r) => this.#waiting.push(r)));
      this.peak = Math.max(this.peak, ++this.#running);
      try {
        return await run(arena);
      } finally {
        this.#running--;
        const next = this.#waiting.shift();
        if (next) next(arena); else this.#idle.push(arena);
      }
    } finally {
      if (--this.#active === 0 && this.#closed) this.drain();
    }
  }

  /** free every arena once no evaluation holds or waits for one, then call `after` */
  close(after: () => void): void {
    this.#closed = true;
    this.#onClosed = after;
    if (this.#active === 0) this.drain();
  }

  private newArena(): ArrayBuffer {
    const a = this.make();
    this.made++;
    this.#bytes += a.byteLength;
    return a;
  }

  private drain(): void {
    for (const a of this.#idle) this.free(a);
    this.#idle = [];
    this.#bytes = 0;
    const after = this.#onClosed;
    this.#onClosed = null;
    after?.();
  }
}
