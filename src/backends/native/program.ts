// A Graph's native program: encoded once (cached per Graph object), decoded and validated once by
// the addon into an *image* (an ArrayBuffer), then one addon call per evaluation with an *arena*
// (another ArrayBuffer: everything a run writes). Sync calls use one arena; async calls run on the
// libuv thread pool in parallel, each on an arena of its own from a bounded pool (ArenaPool), so a
// sync call never waits for them and N concurrent calls use min(N, pool size) arenas.
// Garbage collection frees images and arenas like any ArrayBuffer (no finalizer, no turn of the
// event loop: a synchronous loop of fresh programs stays flat); dispose() frees them at once.
// Addon refusals become ERR_NATIVE errors that quote the equation. Which graphs get a program at
// all, and the per-Graph cache: programs.ts.
import type { Eqn, Graph } from '../../core/graph.js';
import { fail } from '../../core/errors.js';
import { fmtShape, sizeOf } from '../../core/shape.js';
import { encodeGraph } from './encode.js';
import { tsPlan } from '../../plan/plan.js';
import type { Addon, AddonError } from './loader.js';
import { STATUS } from './format.js';
import { Tier, type TierName } from './codegen/tier.js';
import { ArenaPool } from './arena-pool.js';

/** programs whose inputs and outputs hold at most this many values run through runPacked */
const SMALL_IO = 256;
/** constants of at least this many values are read in place (passed like inputs), not copied into the arena */
const EXTERNAL_CONST = 1024;

/**
 * g with its large constants turned into trailing inputs: the addon reads them where the tensors
 * keep them (tensors are immutable and the graph holds them), so closed-over data is not held twice.
 */
export function externalizeConsts(g: Graph): { graph: Graph; extra: Float64Array[] } {
  const big = [...g.consts].filter(([, t]) => t.size >= EXTERNAL_CONST);
  if (!big.length) return { graph: g, extra: [] };
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  const consts = new Map(g.consts);
  for (const [v] of big) consts.delete(v);
  Object.assign(c, g, { inputs: [...g.inputs, ...big.map(([v]) => v)], consts });
  return { graph: c, extra: big.map(([, t]) => t._data!) };
}

export { STATUS };
/** statuses that are the user's data, not the program: the same ERR_ARG the TS kernels raise ('op: message') */
const USER_ERRORS = new Set([STATUS.indexOf('index'), STATUS.indexOf('iterations')]);

export class NativeProgram {
  readonly #addon: Addon;
  #image: ArrayBuffer | null;
  /** the arena of sync runs */
  #arena: ArrayBuffer | null;
  /** the arenas of async runs, made as concurrent calls need them (at most ArenaPool.size) */
  #pool: ArenaPool;
  /** small programs: inputs then outputs, a view of the sync arena's io region (null for larger ones) */
  #io: Float64Array | null;
  #layout: { io: Float64Array; inAt: number[]; outAt: number[] } | null = null;
  private readonly eqnOf: Eqn[];
  private readonly outSizes: number[];
  private readonly inSizes: number[];
  /** large constants, passed after the inputs on every call (read in place) */
  private readonly extra: Float64Array[];
  /** what the Graph looked like when encoded (a Graph whose equations or outputs change is re-encoded) */
  readonly stamp: Stamp;

  /** `graph` as given; `planned` (fused elementwise chains, folded transposes) is what runs */
  readonly planned: Graph;
  /** interpreter or compiled code (codegen/tier.ts) */
  readonly #tier: Tier;

  constructor(addon: Addon, readonly graph: Graph, plan = true) {
    this.#addon = addon;
    this.planned = plan ? tsPlan(graph) : graph;
    const ext = externalizeConsts(this.planned);
    this.extra = ext.extra;
    const { enc, consts, eqnOf, overflow } = encodeGraph(ext.graph);
    if (overflow) fail('ERR_NATIVE', 'native', `the program cannot be encoded for the addon: ${overflow}`);
    this.eqnOf = eqnOf;
    this.stamp = stampOf(graph);
    this.outSizes = graph.outputs.map((v) => sizeOf(graph.shapes[v]));
    this.inSizes = graph.inputs.map((v) => sizeOf(graph.shapes[v]));
    const image = addon.decode(enc, consts);
    if (!(image instanceof ArrayBuffer)) this.raise(image, 'refused the program');
    this.#image = image;
    this.#arena = this.newArena(image);
    this.#pool = new ArenaPool(() => this.newArena(image), (a) => { addon.release(a); });
    const total = [...this.inSizes, ...this.outSizes].reduce((a, b) => a + b, 0);
    const info = addon.info(image)!;
    this.#io = total <= SMALL_IO && !this.extra.length && info.ioValues === total ? new Float64Array(this.#arena, info.ioOffset, total) : null;
    // expected compile cost (ms): the compiler's fixed cost plus a share per 0-d statement (docs/compiled.md)
    this.#tier = new Tier(addon, image, info.simd, 150 + 0.05 * info.scalarOps);
  }

  /** the tier of the last evaluation */
  get tier(): TierName { return this.#tier.last; }

  /** resolves to the tier the next evaluation runs on (compiling first unless codegen is off) */
  ready(): Promise<TierName> { return this.#image ? this.#tier.ready() : Promise.resolve('interpreter'); }

  /**
   * @internal the tiers' bit comparison: one evaluation on the interpreter, one on the compiled
   * code (compiled first when needed); throws ERR_MISMATCH at the first output value whose bits
   * differ. Returns the tier the second evaluation ran on.
   */
  async compareTiers(inputs: readonly Float64Array[]): Promise<TierName> {
    const image = this.#image;
    if (!image) return this.disposed();
    const tier = await this.#tier.ready();
    this.#addon.codeInterpret(image, true);
    let want: Float64Array[];
    try { want = this.runArrays(inputs, undefined, 0).map((a) => a.slice()); } finally { this.#addon.codeInterpret(image, false); }
    const got = this.runArrays(inputs, undefined, 0);
    want.forEach((a, k) => {
      const x = new BigUint64Array(a.buffer, a.byteOffset, a.length), y = new BigUint64Array(got[k].buffer, got[k].byteOffset, got[k].length);
      for (let i = 0; i < x.length; i++) {
        if (x[i] !== y[i]) fail('ERR_MISMATCH', 'codegen', `output ${k} at index ${i}: ${a[i]} (interpreter) but ${got[k][i]} (${tier})`);
      }
    });
    return tier;
  }

  private newArena(image: ArrayBuffer): ArrayBuffer {
    const a = this.#addon.arena(image);
    if (!(a instanceof ArrayBuffer)) this.raise(a, 'could not make an arena');
    return a;
  }

  /**
   * One evaluation. The result has one array per output, except that the last `packed` outputs
   * (guarded values) share one array, back to back. `outputs` are written in place; missing
   * trailing arrays are allocated.
   */
  run(inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Float64Array[] {
    if (!this.#tier.begin()) return this.#io ? this.runSmall(inputs, outputs, packed) : this.runArrays(inputs, outputs, packed);
    const t0 = performance.now();
    try {
      return this.#io ? this.runSmall(inputs, outputs, packed) : this.runArrays(inputs, outputs, packed);
    } finally {
      this.#tier.spend(performance.now() - t0);
    }
  }

  /** small programs: the io region and where each input and output starts in it (Program's fast path); null otherwise or once disposed */
  small(): { readonly io: Float64Array; readonly inAt: readonly number[]; readonly outAt: readonly number[] } | null {
    const io = this.#io;
    if (!io) return null;
    if (!this.#layout) {
      const at = (sizes: number[], from: number) => sizes.map((n) => (from += n) - n);
      const inAt = at(this.inSizes, 0);
      this.#layout = { io, inAt, outAt: at(this.outSizes, this.inSizes.reduce((a, b) => a + b, 0)) };
    }
    return this.#layout;
  }

  /** one evaluation of a small program on the inputs its io region holds (tiering as in run()) */
  runSmallNow(): void {
    const timed = this.#tier.begin(), t0 = timed ? performance.now() : 0;
    try {
      if (this.#addon.runPacked(this.#image!, this.#arena!) !== 0) this.raise(this.#addon.lastError()!, 'failed');
    } finally {
      if (timed) this.#tier.spend(performance.now() - t0);
    }
  }

  /**
   * Small programs: inputs and outputs cross in the arena's io region (nothing to unwrap per call
   * but the image and the arena); outputs are copied out, so nothing returned aliases it.
   */
  private runSmall(inputs: readonly Float64Array[], outputs: Float64Array[] | undefined, packed: number): Float64Array[] {
    const io = this.#io!;
    let at = 0;
    for (let k = 0; k < inputs.length; k++) {
      const x = inputs[k];
      if (x.length !== this.inSizes[k]) return this.runArrays(inputs, outputs, packed);  // the addon reports the mismatch
      io.set(x, at);
      at += x.length;
    }
    if (this.#addon.runPacked(this.#image!, this.#arena!) !== 0) this.raise(this.#addon.lastError()!, 'failed');
    const n = arrayCount(this.outSizes.length, packed), outs = new Array<Float64Array>(n);
    for (let k = 0; k < n; k++) {
      const size = k < n - 1 || n === this.outSizes.length ? this.outSizes[k] : this.outSizes.slice(k).reduce((a, b) => a + b, 0);
      const given = outputs?.[k];
      if (given) { given.set(io.subarray(at, at + size)); outs[k] = given; } else outs[k] = io.slice(at, at + size);
      at += size;
    }
    return outs;
  }

  private runArrays(inputs: readonly Float64Array[], outputs: Float64Array[] | undefined, packed: number): Float64Array[] {
    const image = this.#image;
    if (!image) return this.disposed();
    const outs = this.complete(outputs ?? [], packed);
    if (this.#addon.run(image, this.#arena!, this.withExtra(inputs), outs) !== 0) this.raise(this.#addon.lastError()!, 'failed');
    return outs;
  }

  /** whether runAsync runs off the main thread */
  get async(): boolean { return true; }

  /**
   * One evaluation on a libuv pool thread, on an arena of its own: concurrent calls run in parallel
   * (up to ArenaPool.size at once, the others wait for an arena in call order). The image is only
   * read, so every call gives the bits a sync call gives. `inputs` must not change until the
   * promise settles (callers pass copies of caller-owned arrays); `outputs` are written by the pool thread.
   */
  async runAsync(inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Promise<Float64Array[]> {
    const image = this.#image;
    if (!image) return this.disposed();
    // auto tiering counts async runs too (hand-over to completion: an upper bound of the run)
    const timed = this.#tier.begin();
    // no outputs given: the addon allocates them (the main thread neither zeroes nor copies)
    const outs = outputs ? this.complete(outputs, packed) : undefined;
    const ins = this.withExtra(inputs);
    const r = await this.#pool.use(async (arena) => {
      const t0 = timed ? performance.now() : 0;
      try {
        return await this.#addon.runAsync(image, arena, ins, outs ?? arrayCount(this.outSizes.length, packed));
      } finally {
        if (timed) this.#tier.spend(performance.now() - t0);
      }
    });
    if (Array.isArray(r)) return r;
    if (r) this.raise(r, 'failed');
    return outs!;
  }

  /**
   * Free the image and arenas now (not at the next garbage collection). Async evaluations already
   * queued finish first; later calls throw ERR_NATIVE.
   */
  dispose(): void {
    const image = this.#image, arena = this.#arena;
    if (!image) return;
    this.#tier.dispose();
    this.#image = this.#arena = this.#io = null;
    if (arena) this.#addon.release(arena);
    this.#pool.close(() => { this.#addon.release(image); });
  }

  /** bytes of native memory this program holds: its image and arenas */
  get nativeBytes(): number {
    return (this.#image?.byteLength ?? 0) + (this.#arena?.byteLength ?? 0) + this.#pool.bytes;
  }

  /** async arenas made so far (at most ArenaPool.size) and the most evaluations that ran at once */
  get asyncArenas(): { made: number; peak: number } { return { made: this.#pool.made, peak: this.#pool.peak }; }

  private disposed(): never { return fail('ERR_NATIVE', 'native', 'the program was disposed'); }

  private withExtra(inputs: readonly Float64Array[]): Float64Array[] {
    return (this.extra.length ? [...inputs, ...this.extra] : inputs) as Float64Array[];
  }

  /** `outputs` with the missing trailing arrays allocated (the last packing `packed` outputs) */
  private complete(outputs: Float64Array[], packed: number): Float64Array[] {
    const n = arrayCount(this.outSizes.length, packed);
    if (outputs.length >= n) return outputs;
    const outs = [...outputs];
    for (let k = outs.length; k < n; k++) {
      outs.push(new Float64Array(k < n - 1 || n === this.outSizes.length ? this.outSizes[k] : this.outSizes.slice(k).reduce((a, b) => a + b, 0)));
    }
    return outs;
  }

  /** steps, scalar ops, bytes of one arena (memoryBytes, loop bodies' regions included) and of the image, SIMD level, loop bodies */
  info() {
    const i = this.#image && this.#addon.info(this.#image);
    return i ? { steps: i.steps, scalarOps: i.scalarOps, memoryBytes: i.memoryBytes, imageBytes: i.imageBytes, simd: i.simd, bodies: i.bodies } : this.disposed();
  }

  private raise(err: AddonError, what: string): never {
    const e = err.instr >= 0 ? this.eqnOf[err.instr] : undefined;
    // bad gather/scatter indices, a whileLoop past maxIterations (also inside a loop body: the
    // message names the op that failed): the same ERR_ARG the TS kernel raises
    const named = /^(\w+): ([^]*)$/.exec(err.message);
    if (USER_ERRORS.has(err.status) && named) fail('ERR_ARG', named[1], named[2]);
    const where = e ? ` at equation ${err.instr} (${describeEqn(this.planned, e)})` : '';
    return fail('ERR_NATIVE', 'native', `the addon ${what}${where}: ${err.message} [${STATUS[err.status] ?? err.status}]`);
  }
}

/** arrays holding `nout` outputs whose last `packed` share one array */
export const arrayCount = (nout: number, packed: number) => (packed > 1 ? nout - packed + 1 : nout);

/** per-output arrays with the last `packed` concatenated into one (the TS side of packing) */
export function packTail(outs: Float64Array[], packed: number): Float64Array[] {
  if (packed <= 1) return outs;
  const n = outs.length - packed, tail = new Float64Array(outs.slice(n).reduce((a, b) => a + b.length, 0));
  let at = 0;
  for (let k = n; k < outs.length; k++) { tail.set(outs[k], at); at += outs[k].length; }
  return [...outs.slice(0, n), tail];
}

/** `%7 = mul %3 %6 : f64[1000]` with the operand shapes */
export function describeEqn(g: Graph, e: Eqn): string {
  const ins = e.ins.map((v) => `%${v}:${fmtShape(g.shapes[v])}`).join(' ');
  return `%${e.out} = ${e.op.name} ${ins} : ${fmtShape(g.shapes[e.out])}`;
}

/** what a Graph looked like when encoded: its sizes and its outputs array (cheap to compare per call) */
export interface Stamp { readonly n: number; readonly v: number; readonly o: readonly number[]; readonly k: number }
export const stampOf = (g: Graph): Stamp => ({ n: g.eqns.length, v: g.nvars, o: g.outputs, k: g.outputs.length });
export const sameStamp = (s: Stamp, g: Graph) => s.n === g.eqns.length && s.v === g.nvars && s.o === g.outputs && s.k === g.outputs.length;

