// Bookkeeping shared by every optimizer: iteration records, onIteration, the abort signal, and
// yielding to the event loop between iterations.
import type { AbortSignalLike } from './types.js';
import type { Common } from './options.js';
import type { IterationInfo, OnIteration } from './types.js';
import { FINISH } from './progress.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
/** yield at most this often: a turn of the event loop costs microseconds to milliseconds under load */
const YIELD_MS = 1;

export class Run {
  readonly history: IterationInfo[] = [];
  private readonly started = performance.now();
  private readonly signal: AbortSignalLike | null;
  private readonly onIteration: OnIteration | null;
  private yieldedAt = performance.now();

  constructor(cfg: Common) {
    this.signal = cfg.signal;
    this.onIteration = cfg.onIteration;
  }

  get iterations(): number { return this.history.length; }
  get aborted(): boolean { return !!this.signal?.aborted; }
  /** why the next iteration must not start: the signal aborted, or maxIterations are done (null: go on) */
  stop(maxIterations: number): 'aborted' | 'max-iterations' | null {
    return this.aborted ? 'aborted' : this.iterations >= maxIterations ? 'max-iterations' : null;
  }

  /** Record the next iteration; false when onIteration returned (or resolved to) false. */
  async report(value: number, gradientNorm: number, step: number): Promise<boolean> {
    const info: IterationInfo = { iteration: this.history.length + 1, value, gradientNorm, step, elapsedMs: performance.now() - this.started };
    this.history.push(info);
    if (!this.onIteration) return true;
    let r: unknown = this.onIteration({ ...info });
    if (r && typeof (r as PromiseLike<unknown>).then === 'function') r = await r;
    return r !== false;
  }

  /** Let timers, I/O and abort events run between iterations (once a millisecond or so). */
  async yield(): Promise<void> {
    const now = performance.now();
    if (now - this.yieldedAt < YIELD_MS) return;
    await tick();
    this.yieldedAt = performance.now();
  }

  /** Close a progress line handed in as onIteration. */
  finish(): void {
    const f = this.onIteration as (OnIteration & { [FINISH]?: () => void }) | null;
    f?.[FINISH]?.();
  }
}

export const norm2 = (v: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
};

export const dot = (a: Float64Array, b: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};
