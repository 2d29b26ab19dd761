// A Graph's native program: encoded once (cached per Graph object), decoded and validated once by
// the addon, then one addon call per evaluation (sync, or async on the libuv thread pool: async
// calls of one program run one after another, see native/src/async.h). Addon refusals become
// ERR_NATIVE errors that quote the equation. The addon object's finalizer frees the native
// program when the NativeProgram becomes unreachable (the cache below holds it weakly).
import type { Eqn, Graph } from '../../core/graph.js';
import { fail } from '../../core/errors.js';
import { fmtShape, sizeOf } from '../../core/shape.js';
import { encodeGraph } from './encode.js';
import { tsPlan } from '../../program/plan.js';
import type { Addon, AddonProgram } from './loader.js';

type AddonError = { status: number; instr: number; message: string };
/** the addon's async entry (absent from an addon built before it existed) */
interface AsyncAddonProgram extends AddonProgram {
  /** resolves to null (written into `outputs`), the arrays it allocated (`outputs` = how many), or an error */
  runAsync?(inputs: Float64Array[], outputs: Float64Array[] | number): Promise<AddonError | Float64Array[] | null>;
}

/** programs whose inputs and outputs hold at most this many values run through runPacked */
const SMALL_IO = 256;
/** constants of at least this many values are read in place (passed like inputs), not copied into the arena */
const EXTERNAL_CONST = 1024;

/**
 * g with its large constants turned into trailing inputs: the addon reads them where the tensors
 * keep them (tensors are immutable and the graph holds them), so closed-over data is not held twice.
 */
function externalizeConsts(g: Graph): { graph: Graph; extra: Float64Array[] } {
  const big = [...g.consts].filter(([, t]) => t.size >= EXTERNAL_CONST);
  if (!big.length) return { graph: g, extra: [] };
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  const consts = new Map(g.consts);
  for (const [v] of big) consts.delete(v);
  Object.assign(c, g, { inputs: [...g.inputs, ...big.map(([v]) => v)], consts });
  return { graph: c, extra: big.map(([, t]) => t._data!) };
}

/** names of the addon's status codes (native/src/common.h) */
export const STATUS = ['ok', 'format', 'op', 'operand', 'shape', 'attr', 'memory', 'const', 'alloc', 'args', 'index', 'busy'];

export class NativeProgram {
  private readonly prog: AsyncAddonProgram;
  private readonly eqnOf: Eqn[];
  private readonly outSizes: number[];
  private readonly inSizes: number[];
  /** the reused inputs-then-outputs array of a small program (null for larger ones) */
  private readonly io: Float64Array | null;
  /** large constants, passed after the inputs on every call (read in place) */
  private readonly extra: Float64Array[];
  /** what the Graph looked like when encoded (a Graph whose equations or outputs change is re-encoded) */
  readonly stamp: Stamp;

  /** `graph` as given; `planned` (fused elementwise chains, folded transposes) is what runs */
  readonly planned: Graph;

  constructor(addon: Addon, readonly graph: Graph, plan = true) {
    this.planned = plan ? tsPlan(graph) : graph;
    const ext = externalizeConsts(this.planned);
    this.extra = ext.extra;
    const { enc, consts, eqnOf } = encodeGraph(ext.graph);
    this.eqnOf = eqnOf;
    this.stamp = stampOf(graph);
    this.outSizes = graph.outputs.map((v) => sizeOf(graph.shapes[v]));
    this.inSizes = graph.inputs.map((v) => sizeOf(graph.shapes[v]));
    const total = [...this.inSizes, ...this.outSizes].reduce((a, b) => a + b, 0);
    this.io = total <= SMALL_IO && !this.extra.length && typeof addon.Program.prototype.runPacked === 'function' ? new Float64Array(total) : null;
    this.prog = new addon.Program(enc, consts);
    const err = this.prog.error();
    if (err) this.raise(err, 'refused the program');
  }

  /**
   * One evaluation. The result has one array per output, except that the last `packed` outputs
   * (guarded values) share one array, back to back. `outputs` are written in place; missing
   * trailing arrays are allocated.
   */
  run(inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Float64Array[] {
    return this.io ? this.runSmall(inputs, outputs, packed) : this.runArrays(inputs, outputs, packed);
  }

  /**
   * Small programs: inputs and outputs cross in one reused array (one typed array to unwrap per
   * call instead of one per input and output); outputs are copied out, so nothing returned aliases it.
   */
  private runSmall(inputs: readonly Float64Array[], outputs: Float64Array[] | undefined, packed: number): Float64Array[] {
    const io = this.io!;
    let at = 0;
    for (let k = 0; k < inputs.length; k++) {
      const x = inputs[k];
      if (x.length !== this.inSizes[k]) return this.runArrays(inputs, outputs, packed);  // the addon reports the mismatch
      io.set(x, at);
      at += x.length;
    }
    if (this.prog.runPacked(io) !== 0) this.raise(this.prog.error()!, 'failed');
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
    const outs = this.complete(outputs ?? [], packed);
    if (this.prog.run(this.withExtra(inputs), outs) !== 0) this.raise(this.prog.error()!, 'failed');
    return outs;
  }

  /** whether runAsync runs off the main thread */
  get async(): boolean { return typeof this.prog.runAsync === 'function'; }

  /**
   * One evaluation on a libuv pool thread. `inputs` must not change until the promise settles
   * (callers pass copies of caller-owned arrays); `outputs` are written by the pool thread.
   */
  async runAsync(inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Promise<Float64Array[]> {
    if (!this.prog.runAsync) return this.run(inputs, outputs, packed);
    // no outputs given: the pool thread allocates them (the main thread neither zeroes nor copies)
    const outs = outputs ? this.complete(outputs, packed) : undefined;
    const r = await this.prog.runAsync(this.withExtra(inputs), outs ?? arrayCount(this.outSizes.length, packed));
    if (Array.isArray(r)) return r;
    if (r) this.raise(r, 'failed');
    return outs!;
  }

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

  info() { return this.prog.info(); }

  private raise(err: AddonError, what: string): never {
    const e = err.instr >= 0 ? this.eqnOf[err.instr] : undefined;
    // bad gather/scatter indices are the user's data: the same ERR_ARG the TS kernel raises
    if (err.status === STATUS.indexOf('index') && e) fail('ERR_ARG', e.op.name, err.message.slice(e.op.name.length + 2));
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
interface Stamp { readonly n: number; readonly v: number; readonly o: readonly number[]; readonly k: number }
const stampOf = (g: Graph): Stamp => ({ n: g.eqns.length, v: g.nvars, o: g.outputs, k: g.outputs.length });
const sameStamp = (s: Stamp, g: Graph) => s.n === g.eqns.length && s.v === g.nvars && s.o === g.outputs && s.k === g.outputs.length;

const cache = new WeakMap<Graph, NativeProgram | Stamp>();

/** Native bytes (arena, scratch) of the program already built for `g`, or 0 (never builds one). */
export function nativeBytesOf(g: Graph): number {
  const c = cache.get(g);
  return c instanceof NativeProgram && sameStamp(c.stamp, g) ? c.info().memoryBytes : 0;
}

/**
 * The cached program of a Graph (planned and encoded on first use), or null when the graph holds
 * an op that runs JS code (customCall, opaque), which only the TS interpreter can run.
 */
/** Equations only JS can run (opaque functions); planning has inlined custom calls. */
export const runsJs = (e: Eqn) => e.op.family === 'none' && e.op.name !== 'fused';

export function programFor(addon: Addon, g: Graph): NativeProgram | null {
  const c = cache.get(g);
  if (c instanceof NativeProgram) { if (sameStamp(c.stamp, g)) return c; }
  else if (c && sameStamp(c, g)) return null;
  if (tsPlan(g).eqns.some(runsJs)) { cache.set(g, stampOf(g)); return null; }
  const p = new NativeProgram(addon, g);
  cache.set(g, p);
  return p;
}
