// The recordings (paths) of a compiled function and how a call picks one: the recordings are tried
// most recently used first, each run on the backend; the first whose guarded values hold gives
// the result. When none does, f is recorded again for these inputs (kept with the others, at most
// MAX_PATHS). A Program whose guards fail on most calls degrades: it warns once and records anew
// on every call. Sync, async and H·v calls all go through here.
import { firstBitDifference } from './args.js';
import type { Recording } from './recording.js';

const MAX_PATHS = 8;
const last = (outs: readonly Float64Array[]) => outs[outs.length - 1];
const sameInputs = (a: readonly Float64Array[], b?: readonly Float64Array[]) =>
  !!b && a.length === b.length && a.every((x, k) => firstBitDifference(x, b[k]) < 0);

/** a run of recording p on inputs (the guarded values are its last array) */
export type Run = (p: Recording, inputs: readonly Float64Array[]) => Float64Array[];
export type RunAsync = (p: Recording, inputs: readonly Float64Array[]) => Promise<Float64Array[]>;

export class Paths {
  private list: Recording[];
  calls = 0;
  retraces = 0;
  lastReason: string | null = null;
  /** calls that have finished choosing a path (the degrade rule counts these, not calls in flight) */
  private settled = 0;
  private degraded = false;

  constructor(first: Recording, private readonly record: (args: readonly unknown[]) => Recording) {
    this.list = [first];
  }

  get first(): Recording { return this.list[0]; }

  /** a call the fast path (quick.ts) ran on the first recording, which has no guards */
  quick(): void { this.calls++; this.settled++; }
  get all(): readonly Recording[] { return this.list; }

  /** the result of the first recording whose guards hold on `inputs`, else of a new recording of `args` */
  choose(inputs: readonly Float64Array[], args: readonly unknown[], run: Run): [Float64Array[], Recording] {
    this.calls++;
    for (let i = 0; !this.degraded && i < this.list.length; i++) {
      const p = this.list[i], outs = run(p, inputs);
      if (this.holds(p, last(outs), sameInputs(inputs, p.origin), () => last(run(p, p.origin!)))) return [outs, this.chosen(p)];
    }
    const p = this.retrace(args, () => inputs.map((x) => x.slice()));
    const outs = run(p, inputs);
    p.holds(last(outs), () => last(outs));
    return [outs, p];
  }

  /**
   * choose() off the main thread (`inputs` are the call's own copies): each recording at most once,
   * including those concurrent calls recorded meanwhile (so concurrent calls on a new branch record
   * it once, not once each) — but at most MAX_PATHS runs, so N concurrent calls cost O(N) runs
   */
  async chooseAsync(inputs: readonly Float64Array[], args: () => readonly unknown[], run: RunAsync): Promise<[Float64Array[], Recording]> {
    this.calls++;
    const tried = new Set<Recording>();
    while (tried.size < MAX_PATHS) {
      const p = this.degraded ? undefined : this.list.find((q) => !tried.has(q));
      if (!p) break;
      tried.add(p);
      const outs = await run(p, inputs);
      const ref = p.undefinedGuards && !sameInputs(inputs, p.origin) ? last(await run(p, p.origin!)) : last(outs);
      if (this.holds(p, last(outs), false, () => ref)) return [outs, this.chosen(p)];
    }
    const p = this.retrace(args(), () => inputs.map((x) => x.slice()));  // Tensor arguments are not copied at the call
    const outs = await run(p, inputs);
    p.holds(last(outs), () => last(outs));
    return [outs, p];
  }

  private holds(p: Recording, got: Float64Array, recorded: boolean, reference: () => Float64Array): boolean {
    if (p.holds(got, recorded ? () => got : reference)) return true;
    this.lastReason = p.whyNot(got);
    return false;
  }

  /** p gave the result: most recently used first */
  private chosen(p: Recording): Recording {
    const i = this.list.indexOf(p);
    if (i > 0) { this.list.splice(i, 1); this.list.unshift(p); }
    this.settled++;
    return p;
  }

  private retrace(args: readonly unknown[], origin: () => Float64Array[]): Recording {
    this.settled++;
    const p = this.record(args);
    if (p.guards.length) p.origin = origin();
    if (!this.degraded) {
      this.retraces++;
      this.list.unshift(p);
      if (this.list.length > MAX_PATHS) this.list.pop();
      this.maybeDegrade();
    }
    return p;
  }

  private maybeDegrade(): void {
    if (this.settled < 20 || this.retraces / this.settled <= 0.5) return;
    this.degraded = true;
    this.list = this.list.slice(0, 1);
    process.emitWarning(`wengert: a compiled Program re-recorded on ${this.retraces} of ${this.settled} calls because values read ` +
      `during recording keep changing (${this.lastReason}). It now re-records on every call. Use w.where(...) for ` +
      `branch-free code, or compare as a tensor (w.less(x, 0).item()) so that only the outcome is guarded.`, 'WengertWarning');
  }
}
