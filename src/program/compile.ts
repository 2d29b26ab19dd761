// compile(f, ...example): record once, replay without re-running f. Each recorded path keeps the
// values its JS read (guards); a replay whose guarded values differ re-records for those inputs,
// so results are always those of the code as written (never a blindly replayed branch).
// The guarded values a path expects are those its program computes on the inputs it was recorded
// with (a run on other inputs never defines them).
// Async calls (valueAsync, gradAsync, valueAndGradAsync) copy caller-owned arrays at the call and
// run natively on the libuv thread pool (one evaluation of a program at a time, FIFO); the TS
// backend and programs with opaque/customCall ops run on the main thread after yielding to the
// event loop. Guards are checked after each run exactly as in the sync calls; re-recording is
// synchronous (it runs f).
import type { Graph, Guard } from '../core/graph.js';
import { withOutputs } from '../core/graph.js';
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sizeOf, type Shape } from '../core/shape.js';
import { flatten, unflatten, mapTree, checkDifferentiable, toUser, toLeafKind, type TreeDef, type LeafKind } from '../core/pytree.js';
import { compact } from '../core/simplify.js';
import { traceFunction, checkDependence, activity } from '../transforms/trace-fn.js';
import { vjpGraph } from '../transforms/vjp.js';
import { jvpGraph } from '../transforms/jvp.js';
import { structureDiff } from '../core/pytree.js';
import { runOnBackend, runOnBackendAsync, backendFor, type BackendName } from '../backends/index.js';
import { nativeBytesOf, disposeProgramOf } from '../backends/native/program.js';
import { readArgs } from './args.js';
import { firstDifference } from './purity.js';
import { reroll } from './reroll.js';
import { tsPlan } from './plan.js';
import { showCompiled, type ProgramShowOptions } from '../show/compiled.js';

type Fn = (...args: any[]) => any;
const MAX_PATHS = 8;

export interface ProgramStats {
  ops: number; fusedKernels: number; memoryBytes: number; guards: number; retraces: number;
  lastRetraceReason: string | null; backend: BackendName; paths: number; calls: number;
  /** loops the recording's repeated blocks were rolled into (plain JS loops) */
  loops: number;
}

interface Path {
  graph: Graph;              // the forward recording (repeated blocks rolled into loops)
  loops: number;             // loops rolled from repeated blocks
  outDef: TreeDef;
  guards: readonly Guard[];
  expected: Float64Array | null; // guarded values as the backend computes them, back to back
  origin?: Float64Array[];   // the inputs it was recorded with, until `expected` is defined
  fwd?: Graph;               // outputs, then guarded values
  grad?: Graph;              // outputs, gradients w.r.t. argument 0, then guarded values
  hvp?: Graph;               // inputs + tangents of argument 0 → H·v (mirroring argument 0), then guarded values
  /** values per output of the recording (cached) */
  outSizes?: number[];
}

export class Program {
  private readonly f: Fn;
  private readonly defs: TreeDef[];
  private readonly shapes: Shape[];
  /** values per input leaf */
  private readonly sizes: number[];
  private readonly wrt: number[];
  /** leaf kinds of argument 0 (gradients mirror them) */
  private readonly kinds0: LeafKind[];
  private paths: Path[] = [];
  private calls = 0;
  /** calls that have finished choosing a path (the degrade rule counts these, not calls in flight) */
  private settled = 0;
  private retraces = 0;
  private lastReason: string | null = null;
  private degraded = false;
  private disposed = false;

  constructor(f: Fn, example: unknown[]) {
    if (typeof f !== 'function') fail('ERR_ARG', 'compile', `expected a function but received ${typeof f}`);
    this.f = f;
    const flat = example.map((a) => flatten(a));
    this.defs = flat.map((x) => x.def);
    this.shapes = flat.flatMap((x) => x.leaves.map((l) => l.shape));
    this.sizes = this.shapes.map(sizeOf);
    const n0 = flat[0]?.leaves.length ?? 0;
    this.wrt = Array.from({ length: n0 }, (_, i) => i);
    this.kinds0 = leafKinds(this.defs[0] ?? { t: 'static', value: undefined, path: '' });
    const p = this.record(example);
    this.checkPure(p.graph, example);
    if (p.guards.length) p.origin = readArgs(this.defs, this.shapes, example, true);
    this.paths.push(p);
  }

  /** f(...args) */
  value(...args: unknown[]): any { return this.valueOf(...this.run('fwd', args)); }

  /** gradient of a scalar f w.r.t. argument 0, mirroring its structure */
  grad(...args: unknown[]): any { return this.valueAndGrad(...args)[1]; }

  valueAndGrad(...args: unknown[]): [any, any] { return this.valueAndGradOf(...this.run('grad', args)); }

  /** f(...args), evaluated off the main thread on the native backend (see the header comment) */
  async valueAsync(...args: unknown[]): Promise<any> { return this.valueOf(...(await this.runAsync('fwd', args))); }

  async gradAsync(...args: unknown[]): Promise<any> { return (await this.valueAndGradAsync(...args))[1]; }

  async valueAndGradAsync(...args: unknown[]): Promise<[any, any]> { return this.valueAndGradOf(...(await this.runAsync('grad', args))); }

  /**
   * valueAndGrad writing the gradient into `out` (a Float64Array, or a tree of them mirroring
   * argument 0): the native backend writes straight into these arrays (no copy), also on a run
   * whose guards then fail, so after a throw their contents are unspecified.
   */
  /**
   * H·v: the Hessian of scalar f w.r.t. argument 0 at x, times v (v mirrors x), without forming H
   * (the JVP of the recorded gradient program). Further arguments follow v: p.hvp(x, v, ...rest).
   */
  hvp(x: unknown, v: unknown, ...rest: unknown[]): any {
    const args = [x, ...rest];
    this.live();
    const tangents = this.readTangents(v);
    this.calls++;
    const inputs = readArgs(this.defs, this.shapes, args, false);
    let path: Path | undefined;
    let outs: Float64Array[] | undefined;
    for (let i = 0; !this.degraded && i < this.paths.length; i++) {
      const p = this.paths[i];
      const o = runOnBackend(this.hvpProgram(p), [...inputs, ...tangents], undefined, p.guards.length);
      if (this.guardsHold(p, 'fwd', o, false)) { path = p; outs = o; this.settled++; break; }
    }
    if (!path) {
      path = this.retrace(args, () => inputs.map((a) => a.slice()));
      outs = runOnBackend(this.hvpProgram(path), [...inputs, ...tangents], undefined, path.guards.length);
      this.guardsHold(path, 'fwd', outs, false);
    }
    const hv = outs!.slice(0, this.wrt.length).map((d, k) => new Tensor(this.shapes[k], d));
    return unflatten(this.defs[0], hv, true);
  }

  /** the tangent leaves of v, which must mirror argument 0 (ERR_SHAPE naming the leaf otherwise) */
  private readTangents(v: unknown): Float64Array[] {
    const { leaves, def } = flatten(v, 'v');
    const diff = structureDiff(this.defs[0], def);
    if (diff) fail('ERR_SHAPE', 'Program.hvp', `v must have the structure of argument 0 (differs at ${diff})`);
    return leaves.map((l, k) => {
      if (l.size !== this.sizes[k] || l.rank !== this.shapes[k].length) {
        fail('ERR_SHAPE', 'Program.hvp', `v leaf ${k}: expected ${fmtShape(this.shapes[k])} (argument 0's shape) but received ${fmtShape(l.shape)}`);
      }
      return l._data ?? fail('ERR_ARG', 'Program.hvp', 'v must be concrete (call hvp outside transformations)');
    });
  }

  private hvpProgram(p: Path): Graph {
    if (p.hvp) return p.hvp;
    const gg = this.program(p, 'grad')!;   // outputs: f's outputs, gradients, guarded values
    const m = gg.outputs.length, nOut = p.graph.outputs.length, k = p.guards.length;
    const jg = jvpGraph(gg, this.wrt);     // outputs: gg's outputs, then their tangents
    const hv = jg.outputs.slice(m + nOut, m + nOut + this.wrt.length);
    return (p.hvp = compact(withOutputs(jg, [...hv, ...jg.outputs.slice(m - k, m)])));
  }

  valueAndGradInto(out: unknown, ...args: unknown[]): number {
    const targets = gradTargets(this.defs[0], this.sizes, out);
    const [outs, path] = this.run('grad', args, targets);
    const nOut = path.graph.outputs.length;
    targets.forEach((arr, k) => { if (outs[nOut + k] !== arr) arr.set(outs[nOut + k]); });
    return outs[0][0];
  }
  gradInto(out: unknown, ...args: unknown[]): unknown { this.valueAndGradInto(out, ...args); return out; }

  /** the simplified forward and gradient programs of each recorded path; { planned: true }: the gradient program as it runs */
  show(opts?: ProgramShowOptions): string {
    return showCompiled(this.f.name || 'f', this.paths.map((p) => ({ graph: p.graph, guards: p.guards.length, program: (k: 'fwd' | 'grad') => this.program(p, k)! })), this.wrt, opts);
  }

  /**
   * Free the native programs now (garbage collection frees them too: dispose is optional); later
   * calls throw ERR_ARG. Async calls already started finish first.
   */
  dispose(): void {
    this.disposed = true;
    for (const p of this.paths) for (const g of [p.fwd, p.grad, p.hvp]) if (g) disposeProgramOf(g);
  }
  [Symbol.dispose](): void { this.dispose(); }

  private live(): void {
    if (this.disposed) fail('ERR_ARG', 'Program', 'the Program was disposed; compile it again to use it');
  }

  get stats(): ProgramStats {
    const p = this.paths[0];
    const g = p.grad ?? p.fwd ?? p.graph;
    return {
      ops: g.eqns.length, fusedKernels: tsPlan(g).eqns.filter((e) => e.op.name === 'fused').length, memoryBytes: this.memoryBytes(),
      guards: p.guards.length, retraces: this.retraces, lastRetraceReason: this.lastReason,
      backend: backendFor(g), paths: this.paths.length, calls: this.calls, loops: p.loops,
    };
  }

  // ---- internals ---------------------------------------------------------------------------
  private record(args: readonly unknown[]): Path {
    const tr = traceFunction(this.f, args, 'compile');
    if (tr.inputs.length !== this.shapes.length || tr.inputs.some((t) => !t._data)) {
      fail('ERR_ARG', 'compile', 'compile must be called outside other transformations (f captured a tracer)');
    }
    // plain JS loops rolled into scans: the recording shrinks from trip count × body to one body
    const { graph, loops } = reroll(tr.graph);
    return { graph, outDef: tr.outDef, guards: graph.guards, expected: null, loops };
  }

  /** @internal whether f's first output depends differentiably on argument 0 (in the first recording) */
  dependsOnArgument0(): boolean {
    const g = this.paths[0].graph;
    const active = activity(g, this.wrt);
    return g.outputs.length > 0 && active[g.outputs[0]] === 1;
  }

  /** f recorded again on the same inputs must give the same program (ERR_TRACE naming the first difference) */
  private checkPure(first: Graph, args: readonly unknown[]): void {
    const diff = firstDifference(first, this.record(args).graph);
    if (diff) {
      fail('ERR_TRACE', 'compile', `f gave two different programs when recorded twice on the same arguments: ${diff}. ` +
        'A compiled program would freeze the first of them: f depends on something other than its arguments ' +
        '(Math.random(), a clock, state it changes). Pass the changing value as an argument (the optimizers take it ' +
        'through their `args` option), or draw random numbers with w.random from a key argument');
    }
  }

  private program(p: Path, kind: 'fwd' | 'grad', build = true): Graph | undefined {
    if (kind === 'fwd' && p.fwd) return p.fwd;
    if (kind === 'grad' && p.grad) return p.grad;
    const gv = p.guards.map((gd) => gd.v);
    if (kind === 'fwd') return p.fwd ??= (build ? compact(withOutputs(p.graph, [...p.graph.outputs, ...gv])) : undefined);
    if (!p.grad && build) {
      const g = p.graph;
      if (g.outputs.length === 0 || sizeOf(g.shapes[g.outputs[0]]) !== 1) {
        fail('ERR_SHAPE', 'Program.grad', `expected f to return a scalar (size 1) but it returned ${g.outputs.length ? fmtShape(g.shapes[g.outputs[0]]) : 'nothing'}; use value() or w.jacobian`);
      }
      checkDifferentiable(this.defs[0], 'Program.grad');
      checkDependence(g, this.wrt, g.outputs.slice(0, 1), 'Program.grad');
      p.grad = vjpGraph(g, this.wrt, g.outputs.map((_, k) => (k === 0 ? 'ones' : null)), gv);
    }
    return p.grad;
  }

  private valueOf(outs: Float64Array[], path: Path): any {
    const g = path.graph;
    return unflatten(path.outDef, g.outputs.map((v, k) => new Tensor(g.shapes[v], outs[k])), false);
  }

  /** gradients mirror argument 0; a Float64Array leaf gets the run's own array (no copy: runs return fresh arrays) */
  private valueAndGradOf(outs: Float64Array[], path: Path): [any, any] {
    const g = path.graph, nOut = g.outputs.length;
    const grads = outs.slice(nOut, nOut + this.wrt.length);
    const tree = mapTree(this.defs[0], (i) => {
      const d = grads[i];
      if (this.kinds0[i] === 'f64') return grads.indexOf(d) === i ? d : d.slice();
      return toLeafKind(new Tensor(this.shapes[i], d), this.kinds0[i]);
    });
    return [toUser(new Tensor(g.shapes[g.outputs[0]], outs[0])), tree];
  }

  /** `targets` (gradient arrays of a 'grad' run) are written in place unless they overlap an input */
  private run(kind: 'fwd' | 'grad', args: readonly unknown[], targets?: Float64Array[]): [Float64Array[], Path] {
    this.live();
    this.calls++;
    const inputs = readArgs(this.defs, this.shapes, args, false);
    const direct = targets && !overlapsAny(targets, inputs) ? targets : undefined;
    if (!this.degraded) {
      for (let i = 0; i < this.paths.length; i++) {
        const p = this.paths[i];
        const outs = runOnBackend(this.program(p, kind)!, inputs, this.outputsFor(p, kind, direct), p.guards.length);
        if (this.guardsHold(p, kind, outs, sameInputs(inputs, p.origin))) {
          if (i > 0) { this.paths.splice(i, 1); this.paths.unshift(p); }
          this.settled++;
          return [outs, p];
        }
      }
    }
    // no recorded path matches these inputs: record again (keeping the others, bounded)
    const p = this.retrace(args, () => inputs.map((x) => x.slice()));
    const outs = runOnBackend(this.program(p, kind)!, inputs, this.outputsFor(p, kind, direct), p.guards.length);
    this.guardsHold(p, kind, outs, true);
    return [outs, p];
  }

  /**
   * run() off the main thread: inputs are copied now; paths are tried in order as in run(), each
   * at most once, including paths that concurrent calls recorded meanwhile (so concurrent calls
   * on a new branch record it once, not once each) — but at most MAX_PATHS runs per call, so N
   * concurrent calls cost O(N) evaluations even when every call records a path of its own
   */
  private async runAsync(kind: 'fwd' | 'grad', args: readonly unknown[]): Promise<[Float64Array[], Path]> {
    this.live();
    this.calls++;
    const inputs = readArgs(this.defs, this.shapes, args, true);
    const tried = new Set<Path>();
    while (tried.size < MAX_PATHS) {
      const p = this.degraded ? undefined : this.paths.find((q) => !tried.has(q));
      if (!p) break;
      tried.add(p);
      const outs = await runOnBackendAsync(this.program(p, kind)!, inputs, undefined, p.guards.length);
      if (await this.guardsHoldAsync(p, kind, outs, sameInputs(inputs, p.origin))) {
        const i = this.paths.indexOf(p);
        if (i > 0) { this.paths.splice(i, 1); this.paths.unshift(p); }
        this.settled++;
        return [outs, p];
      }
    }
    // re-record with the copies (the caller may have changed its arrays since the call)
    const frozen = this.defs.map((d, a) => mapTree(d, (i) => {
      const k = this.leafStart(a) + i;
      return new Tensor(this.shapes[k], inputs[k]);
    }));
    const p = this.retrace(frozen, () => inputs);
    const outs = await runOnBackendAsync(this.program(p, kind)!, inputs, undefined, p.guards.length);
    this.guardsHold(p, kind, outs, true);
    return [outs, p];
  }

  private retrace(args: readonly unknown[], origin: () => Float64Array[]): Path {
    this.settled++;
    const p = this.record(args);
    if (p.guards.length) p.origin = origin();
    if (!this.degraded) {
      this.retraces++;
      this.paths.unshift(p);
      if (this.paths.length > MAX_PATHS) this.paths.pop();
      this.maybeDegrade();
    }
    return p;
  }

  /** index of argument a's first leaf among all leaves */
  private leafStart(a: number): number {
    let n = 0;
    for (let i = 0; i < a; i++) n += countLeaves(this.defs[i]);
    return n;
  }

  /** leading output arrays of p's gradient program: fresh ones for f's outputs, then `targets` (or undefined) */
  private outputsFor(p: Path, kind: 'fwd' | 'grad', targets?: Float64Array[]): Float64Array[] | undefined {
    if (!targets || kind !== 'grad') return undefined;
    const g = p.graph;
    const sizes = (p.outSizes ??= g.outputs.map((v) => sizeOf(g.shapes[v])));
    return [...sizes.map((n) => new Float64Array(n)), ...targets];
  }

  /**
   * Compare guarded values (bitwise) with those of p's program on its recording inputs: `outs`
   * when `recorded`, else one run on p.origin the first time.
   */
  private guardsHold(p: Path, kind: 'fwd' | 'grad', outs: Float64Array[], recorded: boolean): boolean {
    if (p.guards.length && !p.expected) this.define(p, recorded ? outs : runOnBackend(this.program(p, kind)!, p.origin!, undefined, p.guards.length));
    return this.compare(p, outs);
  }

  private async guardsHoldAsync(p: Path, kind: 'fwd' | 'grad', outs: Float64Array[], recorded: boolean): Promise<boolean> {
    if (p.guards.length && !p.expected) {
      const ref = recorded ? outs : await runOnBackendAsync(this.program(p, kind)!, p.origin!, undefined, p.guards.length);
      if (!p.expected) this.define(p, ref);
    }
    return this.compare(p, outs);
  }

  /** the guarded values are the last output array (runs pack them: packed = guards.length) */
  private define(p: Path, outs: Float64Array[]): void {
    p.expected = outs[outs.length - 1].slice();
    p.origin = undefined;
  }

  private compare(p: Path, outs: Float64Array[]): boolean {
    if (!p.guards.length) return true;
    const got = outs[outs.length - 1], want = p.expected!;
    const i = firstBitDifference(got, want);
    if (i < 0) return true;
    // name the guard holding value i
    let k = 0, at = 0;
    while (at + sizeOf(p.graph.shapes[p.guards[k].v]) <= i) at += sizeOf(p.graph.shapes[p.guards[k++].v]);
    const gd = p.guards[k], n = sizeOf(p.graph.shapes[gd.v]);
    const eq = p.graph.eqns.find((e) => e.out === gd.v);
    this.lastReason = `value read by ${eq ? `'${eq.op.name}' ${fmtShape(p.graph.shapes[gd.v])}` : `input ${fmtShape(p.graph.shapes[gd.v])}`}` +
      ` changed from ${Array.from(want.subarray(at, at + Math.min(n, 4))).join(',')} to ${Array.from(got.subarray(at, at + Math.min(n, 4))).join(',')}${gd.site ? ` at ${gd.site}` : ''}`;
    return false;
  }

  /** bytes this Program keeps alive: constants (each tensor once), native programs built for its graphs, guard data */
  private memoryBytes(): number {
    const seen = new Set<Tensor>();
    let n = 0;
    for (const p of this.paths) {
      for (const g of [p.graph, p.fwd, p.grad, p.hvp]) {
        if (!g) continue;
        for (const t of g.consts.values()) if (!seen.has(t)) { seen.add(t); n += 8 * t.size; }
        if (g !== p.graph) n += nativeBytesOf(g);
      }
      n += (p.expected?.byteLength ?? 0) + (p.origin ?? []).reduce((m, a) => m + a.byteLength, 0);
    }
    return n;
  }

  private maybeDegrade(): void {
    if (this.settled < 20 || this.retraces / this.settled <= 0.5) return;
    this.degraded = true;
    this.paths = this.paths.slice(0, 1);
    process.emitWarning(`wengert: a compiled Program re-recorded on ${this.retraces} of ${this.settled} calls because values read ` +
      `during recording keep changing (${this.lastReason}). It now re-records on every call. Use w.where(...) for ` +
      `branch-free code, or compare as a tensor (w.less(x, 0).item()) so that only the outcome is guarded.`, 'WengertWarning');
  }
}

/** index of the first value whose bit pattern differs (−0 ≠ +0; NaNs differ by payload), or −1 */
function firstBitDifference(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  const wa = new Uint32Array(a.buffer, a.byteOffset, 2 * n), wb = new Uint32Array(b.buffer, b.byteOffset, 2 * n);
  for (let i = 0; i < 2 * n; i++) if (wa[i] !== wb[i]) return i >> 1;
  return a.length === b.length ? -1 : n;
}
const sameBits = (a: Float64Array, b: Float64Array) => firstBitDifference(a, b) < 0;

/**
 * The caller's gradient arrays, matched to argument 0's structure BY KEY (not by position): a
 * Float64Array of the leaf's size per numeric leaf; anything else is ERR_SIGNATURE naming the leaf.
 */
function gradTargets(def: TreeDef, sizes: readonly number[], out: unknown): Float64Array[] {
  const targets: Float64Array[] = [];
  const bad = (path: string, expected: string, got: string): never =>
    fail('ERR_SIGNATURE', 'gradInto', `${path || 'out'}: expected ${expected} (mirroring argument 0) but received ${got}`);
  const rec = (d: TreeDef, v: unknown, path: string): void => {
    switch (d.t) {
      case 'leaf':
        if (!(v instanceof Float64Array) || v.length !== sizes[d.i]) bad(path, `a Float64Array(${sizes[d.i]})`, describe(v));
        targets[d.i] = v as Float64Array;
        return;
      case 'array':
        if (!Array.isArray(v) || v.length !== d.items.length) bad(path, `an array of ${d.items.length}`, describe(v));
        d.items.forEach((x, i) => rec(x, (v as unknown[])[i], `${path}[${i}]`));
        return;
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) bad(path, `an object with keys ${d.keys.join(', ')}`, describe(v));
        const extra = Object.keys(v as object).filter((k) => !d.keys.includes(k));
        if (extra.length) bad(path, `an object with keys ${d.keys.join(', ')}`, `an object with the extra key(s) ${extra.join(', ')}`);
        d.keys.forEach((k, i) => {
          if (!(k in (v as object))) bad(path ? `${path}.${k}` : k, `a Float64Array for key ${k}`, 'nothing (the key is missing)');
          rec(d.items[i], (v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
        });
        return;
      }
      case 'static': return;
    }
  };
  rec(def, out, '');
  return targets;
}

const sameInputs = (a: readonly Float64Array[], b?: readonly Float64Array[]) => !!b && a.every((x, k) => sameBits(x, b[k]));

function leafKinds(d: TreeDef, out: LeafKind[] = []): LeafKind[] {
  if (d.t === 'leaf') out[d.i] = d.kind;
  else if (d.t !== 'static') d.items.forEach((x) => leafKinds(x, out));
  return out;
}

const countLeaves = (d: TreeDef): number => (d.t === 'leaf' ? 1 : d.t === 'static' ? 0 : d.items.reduce((n, x) => n + countLeaves(x), 0));

const overlaps = (a: Float64Array, b: Float64Array) =>
  a.length > 0 && b.length > 0 && a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

/** whether a target overlaps an input or another target (then results are copied in instead) */
const overlapsAny = (targets: readonly Float64Array[], inputs: readonly Float64Array[]) =>
  targets.some((t, k) => inputs.some((x) => overlaps(t, x)) || targets.some((u, j) => j !== k && overlaps(t, u)));

/** w.compile(f, ...exampleArgs) */
export const compile = (f: Fn, ...example: unknown[]): Program => new Program(f, example);
