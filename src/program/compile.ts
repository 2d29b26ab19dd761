// compile(f, ...example): record once, replay without re-running f. Each recording (path) keeps
// the values its JS read (guards); a replay whose guarded values differ records again for those
// inputs (src/program/paths.ts), so results are always those of the code as written — never a
// blindly replayed branch. f is recorded twice at first: the two must be the same program (ERR_TRACE
// for an f that depends on something other than its arguments). Repeated blocks (plain JS loops)
// are rolled into loops.
// Async calls (valueAsync, gradAsync, valueAndGradAsync) copy caller-owned arrays at the call and
// run natively on the libuv thread pool; the TS backend and programs with opaque functions run on
// the main thread after yielding to the event loop. Guards are checked exactly as in sync calls;
// recording again is synchronous (it runs f).
import type { Graph } from '../core/graph.js';
import { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { flatten, unflatten, mapTree, toUser, toLeafKind, type TreeDef, type LeafKind } from '../core/pytree.js';
import { traceFunction, activity, type Traced } from '../transforms/trace-fn.js';
import { holding } from '../backends/results.js';
import { runOnBackend, runOnBackendAsync, backendFor, tierOf, readyTier, type BackendName, type TierName } from '../backends/index.js';
import { nativeBytesOf, disposeProgramOf } from '../backends/native/programs.js';
import { readArgs, gradTargets, leafKinds, countLeaves, readTangents, outputsFor, filled } from './args.js';
import { Quick } from './quick.js';
import { repeatOf } from './purity.js';
import { Recording, type Kind } from './recording.js';
import { Paths } from './paths.js';
import { reroll } from '../plan/reroll.js';
import { tsPlan } from '../plan/plan.js';

import type { Fn, InputsOf, Mirror, Tree } from '../core/types.js';
import { fusedOp } from '../ops/fused.js';
/** gradient arrays mirroring argument 0 (gradInto) */
export type GradTargets = Float64Array | readonly GradTargets[] | { readonly [key: string]: GradTargets };
/** a compiled program's arguments: f's parameters with Tensor leaves widened to TensorLike */
type Args<F extends Fn> = InputsOf<Parameters<F>>;
type Out<F extends Fn> = Mirror<ReturnType<F>>;
type First<A extends readonly unknown[]> = Mirror<A[0]>;

export interface ProgramShowOptions {
  /** the gradient program as it runs: fused kernels, buffers, loops, backend and tier (default false) */
  planned?: boolean;
}
/** what p.show prints with (src/show, a layer above this one; installed by src/wiring.ts) */
export const programPrinter = {} as {
  show(name: string, paths: readonly { graph: Graph; guards: number; program(kind: 'fwd' | 'grad'): Graph }[], wrt: readonly number[], opts?: ProgramShowOptions): string;
};

export interface ProgramStats {
  ops: number; fusedKernels: number; memoryBytes: number; guards: number; retraces: number;
  lastRetraceReason: string | null; backend: BackendName; paths: number; calls: number;
  /** loops the recording's repeated blocks were rolled into (plain JS loops) */
  loops: number;
  /** native backend: the tier of the last evaluation ('compiled' or 'interpreter'); null when no native program ran */
  tier: TierName | null;
}

// Symbol.dispose for consumers whose lib predates it (as @types/node declares it)
declare global { interface SymbolConstructor { readonly dispose: unique symbol } }

export class Program<F extends Fn = Fn> {
  private readonly f: Fn;
  private readonly defs: TreeDef[];
  private readonly shapes: Shape[];
  /** values per input leaf */
  private readonly sizes: number[];
  /** graph inputs of argument 0: gradients and H·v are with respect to it */
  private readonly wrt: number[];
  /** leaf kinds of argument 0 (gradients mirror them) */
  private readonly kinds0: LeafKind[];
  private readonly paths: Paths;
  private readonly quick: Quick;
  private disposed = false;

  constructor(f: Fn, example: unknown[]) {
    if (typeof f !== 'function') fail('ERR_ARG', 'compile', `expected a function but received ${typeof f}`);
    this.f = f;
    const flat = example.map((a) => flatten(a));
    this.defs = flat.map((x) => x.def);
    this.shapes = flat.flatMap((x) => x.leaves.map((l) => l.shape));
    this.sizes = this.shapes.map(sizeOf);
    this.wrt = Array.from({ length: flat[0]?.leaves.length ?? 0 }, (_, i) => i);
    this.kinds0 = leafKinds(this.defs[0] ?? { t: 'static', value: undefined, path: '' });
    const raw = this.trace(example);
    this.checkPure(raw.graph, example);
    const first = this.recording(raw);
    // copies: a Tensor argument may be an async result its owner releases later (w.release)
    if (first.guards.length) first.origin = readArgs(this.defs, this.shapes, example, false).map((x) => x.slice());
    this.paths = new Paths(first, (args) => this.record(args));
    this.quick = new Quick(this.defs, this.shapes, this.sizes, this.kinds0);
  }

  /** f(...args), mirroring f's output (a Tensor output stays a Tensor) */
  value<A extends Args<F>>(...args: A): Out<F> { return this.valueOf(...this.run('fwd', args)) as Out<F>; }

  /** gradient of a scalar f w.r.t. argument 0, mirroring its structure */
  grad<A extends Args<F>>(...args: A): First<A> { return this.valueAndGrad(...args)[1] as unknown as First<A>; }

  valueAndGrad<A extends Args<F>>(...args: A): [number, First<A>] {
    return (this.live(), this.quick.valueAndGrad(this.paths, args) ?? this.valueAndGradOf(...this.run('grad', args))) as [number, First<A>];
  }

  /** f(...args), evaluated off the main thread on the native backend (see the header comment) */
  valueAsync<A extends Args<F>>(...args: A): Promise<Out<F>> { return this.runAsync('fwd', args).then((r) => this.valueOf(...r)) as Promise<any>; }

  gradAsync<A extends Args<F>>(...args: A): Promise<First<A>> { return this.runAsync('grad', args).then((r) => this.valueAndGradOf(...r)[1]) as Promise<any>; }

  valueAndGradAsync<A extends Args<F>>(...args: A): Promise<[number, First<A>]> {
    return this.runAsync('grad', args).then((r) => this.valueAndGradOf(...r)) as Promise<any>;
  }

  /**
   * H·v: the Hessian of scalar f w.r.t. argument 0 at x, times v (v mirrors x), without forming H
   * (the JVP of the recorded gradient program). Further arguments follow v: p.hvp(x, v, ...rest).
   */
  hvp<X extends Args<F>[0]>(x: X, v: Tree, ...rest: unknown[]): Mirror<X> { return (this.hvpImpl as any)(x, v, rest); }

  private hvpImpl(x: unknown, v: unknown, rest: unknown[]): unknown {
    this.live();
    const args: unknown[] = [x, ...rest], tangents = readTangents(this.defs[0], this.sizes, this.shapes, v);
    const inputs = readArgs(this.defs, this.shapes, args, false);
    const [outs] = this.paths.choose(inputs, args, (p, ins) => runOnBackend(p.program('hvp'), [...ins, ...tangents], undefined, p.guards.length));
    return unflatten(this.defs[0], outs.slice(0, this.wrt.length).map((d, k) => new Tensor(this.shapes[k], d)), true);
  }

  /**
   * valueAndGrad writing the gradient into `out` (a Float64Array, or a tree of them mirroring
   * argument 0, matched by key): the native backend writes straight into these arrays (no copy),
   * also on a run whose guards then fail, so after a throw their contents are unspecified.
   */
  valueAndGradInto<A extends Args<F>>(out: GradTargets, ...args: A): number { return (this.intoImpl as any)(out, args); }

  private intoImpl(out: unknown, args: readonly unknown[]): number {
    const quick = (this.live(), this.quick.into(this.paths, args, out));
    if (quick !== null) return quick;
    const targets = gradTargets(this.defs[0], this.sizes, out);
    return filled(targets, ...this.run('grad', args, targets));
  }

  /**
   * valueAndGradInto off the main thread, as valueAndGradAsync: a pool thread writes `out` (leave it
   * alone until the promise settles; concurrent calls need arrays of their own); no new arrays to collect
   */
  valueAndGradIntoAsync<A extends Args<F>>(out: GradTargets, ...args: A): Promise<number> { return this.intoAsync(out, args); }

  private async intoAsync(out: unknown, args: readonly unknown[]): Promise<number> {
    const targets = (this.live(), gradTargets(this.defs[0], this.sizes, out));
    return filled(targets, ...await this.runAsync('grad', args, targets));
  }
  gradInto<A extends Args<F>, O extends GradTargets>(out: O, ...args: A): O { this.intoImpl(out as unknown, args as unknown[]); return out; }

  /** the simplified programs of each recorded path; with { planned: true }, the gradient program as it runs */
  show(opts?: ProgramShowOptions): string {
    return programPrinter.show(this.f.name || 'f', this.paths.all.map((p) => ({
      graph: p.graph, guards: p.guards.length, program: (k: 'fwd' | 'grad') => p.program(k),
    })), this.wrt, opts);
  }

  /**
   * Free the native programs now (garbage collection frees them too: dispose is optional); later
   * calls throw ERR_ARG. Async calls already started finish first.
   */
  dispose(): void {
    this.disposed = true;
    for (const p of this.paths.all) for (const k of ['fwd', 'grad', 'hvp'] as const) { const g = p.built(k); if (g) disposeProgramOf(g); }
  }
  [Symbol.dispose](): void { this.dispose(); }

  get stats(): ProgramStats {
    const p = this.paths.first, P = this.paths;
    const g = p.built('grad') ?? p.built('fwd') ?? p.graph;
    return {
      ops: g.eqns.length, fusedKernels: tsPlan(g).eqns.filter((e) => e.op === fusedOp).length, memoryBytes: this.memoryBytes(),
      guards: p.guards.length, retraces: P.retraces, lastRetraceReason: P.lastReason,
      backend: backendFor(g), paths: P.all.length, calls: P.calls, loops: p.loops, tier: this.lastTier(),
    };
  }

  /**
   * Resolves when the programs of this Program's recordings have moved to the compiled tier
   * ('compiled'), or to 'interpreter' when one stays there (codegen 'off', no compiler, a
   * failure: nativeInfo().codegen.reason) or the native backend does not run it. Compiles the
   * value and gradient programs now if no call built them yet.
   */
  async ready(): Promise<TierName> {
    this.live();
    const graphs: Graph[] = [];
    for (const p of this.paths.all) {
      for (const k of ['fwd', 'grad', 'hvp'] as const) { const g = p.built(k); if (g) graphs.push(g); }
    }
    if (!graphs.length) {
      const p = this.paths.first;
      graphs.push(p.program('fwd'));
      if (this.dependsOnArgument0()) { try { graphs.push(p.program('grad')); } catch { /* not differentiable as recorded */ } }
    }
    const tiers = await Promise.all(graphs.map(readyTier));
    return tiers.length && tiers.every((t) => t === 'compiled') ? 'compiled' : 'interpreter';
  }

  private lastTier(): TierName | null {
    for (const p of this.paths.all) {
      for (const k of ['grad', 'fwd', 'hvp'] as const) { const g = p.built(k); const t = g && tierOf(g); if (t) return t; }
    }
    return null;
  }

  /** @internal whether f's first output depends differentiably on argument 0 (in the first recording) */
  dependsOnArgument0(): boolean {
    const g = this.paths.first.graph;
    return g.outputs.length > 0 && activity(g, this.wrt)[g.outputs[0]] === 1;
  }

  // ---- internals ---------------------------------------------------------------------------
  private live(): void {
    if (this.disposed) fail('ERR_ARG', 'Program', 'the Program was disposed; compile it again to use it');
  }

  private record(args: readonly unknown[]): Recording { return this.recording(this.trace(args)); }

  private trace(args: readonly unknown[]): Traced {
    const tr = traceFunction(this.f, args, 'compile');
    if (tr.inputs.length !== this.shapes.length || tr.inputs.some((t) => !t._data)) {
      fail('ERR_ARG', 'compile', 'compile must be called outside other transformations (f captured a tracer)');
    }
    return tr;
  }

  /** plain JS loops rolled into scans: the recording shrinks from trip count × body to one body */
  private recording(tr: Traced): Recording {
    const { graph, loops } = reroll(tr.graph);
    return new Recording(graph, tr.outDef, loops, this.wrt, this.defs[0] ?? { t: 'static', value: undefined, path: '' });
  }

  /** f recorded again on the same inputs must give the same program (ERR_TRACE naming the first difference) */
  private checkPure(first: Graph, args: readonly unknown[]): void {
    const repeat = repeatOf(first, (diff) => fail('ERR_TRACE', 'compile', `f gave two different programs when recorded twice on the same arguments: ${diff}. ` +
      'A compiled program would freeze the first of them: f depends on something other than its arguments ' +
      '(Math.random(), a clock, state it changes). Pass the changing value as an argument (the optimizers take it ' +
      'through their `args` option), or draw random numbers with w.random from a key argument'));
    repeat.end(traceFunction(this.f, args, 'compile', { repeat }).graph);
  }

  /** a sync call: `targets` (gradient arrays) are written in place unless they overlap an input */
  private run(kind: Kind, args: readonly unknown[], targets?: Float64Array[]): [Float64Array[], Recording] {
    this.live();
    const inputs = readArgs(this.defs, this.shapes, args, false), into = outputsFor(kind === 'grad' ? targets : undefined, inputs);
    return this.paths.choose(inputs, args, (p, ins) => runOnBackend(p.program(kind), ins, into(p, ins), p.guards.length));
  }

  /** an async call: inputs are copied now; recording again uses the copies (the caller may change its arrays) */
  private async runAsync(kind: Kind, args: readonly unknown[], targets?: Float64Array[]): Promise<[Float64Array[], Recording]> {
    this.live();
    const inputs = readArgs(this.defs, this.shapes, args, true);
    const frozen = () => this.defs.map((d, a) => mapTree(d, (i) => new Tensor(this.shapes[this.leafStart(a) + i], inputs[this.leafStart(a) + i])));
    const into = outputsFor(targets, inputs);
    // the call's arrays stay in flight (w.release refuses them) through every run and re-recording of the call
    return holding(targets ? [...inputs, ...targets] : inputs,
      () => this.paths.chooseAsync(inputs, frozen, (p, ins) => runOnBackendAsync(p.program(kind), ins, into(p, ins), p.guards.length)));
  }

  private valueOf(outs: Float64Array[], p: Recording): unknown {
    const g = p.graph;
    return unflatten(p.outDef, g.outputs.map((v, k) => new Tensor(g.shapes[v], outs[k])), true);
  }

  /** gradients mirror argument 0; a Float64Array leaf gets the run's own array (no copy: runs return fresh arrays) */
  private valueAndGradOf(outs: Float64Array[], p: Recording): [number, any] {
    const g = p.graph, nOut = g.outputs.length;
    const grads = outs.slice(nOut, nOut + this.wrt.length);
    const tree = mapTree(this.defs[0], (i) => {
      const d = grads[i];
      if (this.kinds0[i] === 'f64') return grads.indexOf(d) === i ? d : d.slice();
      return toLeafKind(new Tensor(this.shapes[i], d), this.kinds0[i]);
    });
    return [toUser(new Tensor(g.shapes[g.outputs[0]], outs[0])) as number, tree];
  }

  /** index of argument a's first leaf among all leaves */
  private leafStart(a: number): number {
    let n = 0;
    for (let i = 0; i < a; i++) n += countLeaves(this.defs[i]);
    return n;
  }

  /** bytes this Program keeps alive: constants (each tensor once), native programs built for its graphs, guard data */
  private memoryBytes(): number {
    const seen = new Set<Tensor>();
    let n = 0;
    for (const p of this.paths.all) {
      for (const g of [p.graph, p.built('fwd'), p.built('grad'), p.built('hvp')]) {
        if (!g) continue;
        for (const t of g.consts.values()) if (!seen.has(t)) { seen.add(t); n += 8 * t.size; }
        if (g !== p.graph) n += nativeBytesOf(g);
      }
      n += p.guardBytes;
    }
    return n;
  }
}

/** w.compile(f, ...exampleArgs) */
export const compile = <F extends Fn>(f: F, ...example: Args<F>): Program<F> => new Program<F>(f, example);
