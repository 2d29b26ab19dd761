// compile(f, ...example): record once, replay without re-running f. Each recorded path keeps the
// values its JS read (guards); a replay whose guarded values differ re-records for those inputs,
// so results are always those of the code as written (never a blindly replayed branch).
import type { Graph, Guard } from '../core/graph.js';
import { withOutputs } from '../core/graph.js';
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sizeOf, type Shape } from '../core/shape.js';
import { flatten, unflatten, checkDifferentiable, toUser, type TreeDef } from '../core/pytree.js';
import { compact } from '../core/simplify.js';
import { traceFunction } from '../transforms/trace-fn.js';
import { vjpGraph } from '../transforms/vjp.js';
import { runOnBackend, getBackend, type BackendName } from '../backends/index.js';
import { readArgs } from './args.js';
import { describeGraph } from './describe.js';

type Fn = (...args: any[]) => any;
const MAX_PATHS = 8;

export interface ProgramStats {
  ops: number; fusedKernels: number; memoryBytes: number; guards: number; retraces: number;
  lastRetraceReason: string | null; backend: BackendName; paths: number; calls: number;
}

interface Path {
  graph: Graph;              // the forward recording
  outDef: TreeDef;
  guards: readonly Guard[];
  expected: Float64Array[] | null; // guarded values as the backend computes them
  fwd?: Graph;               // outputs, then guarded values
  grad?: Graph;              // outputs, gradients w.r.t. argument 0, then guarded values
}

export class Program {
  private readonly f: Fn;
  private readonly defs: TreeDef[];
  private readonly shapes: Shape[];
  private readonly wrt: number[];
  private paths: Path[] = [];
  private calls = 0;
  private retraces = 0;
  private lastReason: string | null = null;
  private degraded = false;

  constructor(f: Fn, example: unknown[]) {
    if (typeof f !== 'function') fail('ERR_ARG', 'compile', `expected a function but received ${typeof f}`);
    this.f = f;
    const flat = example.map((a) => flatten(a));
    this.defs = flat.map((x) => x.def);
    this.shapes = flat.flatMap((x) => x.leaves.map((l) => l.shape));
    const n0 = flat[0]?.leaves.length ?? 0;
    this.wrt = Array.from({ length: n0 }, (_, i) => i);
    this.paths.push(this.record(example));
  }

  /** f(...args) */
  value(...args: unknown[]): any {
    const [outs, path] = this.run('fwd', args);
    const g = path.graph;
    return unflatten(path.outDef, g.outputs.map((v, k) => new Tensor(g.shapes[v], outs[k])), false);
  }

  /** gradient of a scalar f w.r.t. argument 0, mirroring its structure */
  grad(...args: unknown[]): any { return this.valueAndGrad(...args)[1]; }

  valueAndGrad(...args: unknown[]): [any, any] {
    const [outs, path] = this.run('grad', args);
    const g = path.graph, nOut = g.outputs.length;
    const grads = outs.slice(nOut, nOut + this.wrt.length).map((d, k) => new Tensor(this.shapes[k], d));
    return [toUser(new Tensor(g.shapes[g.outputs[0]], outs[0])), unflatten(this.defs[0], grads, true)];
  }

  /** valueAndGrad writing the gradient into `out` (a Float64Array, or a tree of them mirroring argument 0) */
  valueAndGradInto(out: unknown, ...args: unknown[]): number {
    const [outs, path] = this.run('grad', args);
    const nOut = path.graph.outputs.length;
    const targets = flatten(out).leaves;
    if (targets.length !== this.wrt.length) fail('ERR_ARG', 'gradInto', `expected ${this.wrt.length} output array(s) mirroring argument 0 but received ${targets.length}`);
    const raw = flattenRaw(out);
    raw.forEach((arr, k) => {
      const src = outs[nOut + k];
      if (!(arr instanceof Float64Array) || arr.length !== src.length) {
        fail('ERR_ARG', 'gradInto', `output ${k}: expected a Float64Array(${src.length}) but received ${describe(arr)}`);
      }
      (arr as Float64Array).set(src);
    });
    return outs[0][0];
  }
  gradInto(out: unknown, ...args: unknown[]): unknown { this.valueAndGradInto(out, ...args); return out; }

  show(): string { return this.paths.map((p, i) => `path ${i} (${p.guards.length} guards):\n${describeGraph(this.program(p, 'grad', false) ?? p.graph)}`).join('\n'); }

  get stats(): ProgramStats {
    const p = this.paths[0];
    const g = p.grad ?? p.fwd ?? p.graph;
    return {
      ops: g.eqns.length, fusedKernels: 0, memoryBytes: this.paths.reduce((n, q) => n + bytesOf(q), 0),
      guards: p.guards.length, retraces: this.retraces, lastRetraceReason: this.lastReason,
      backend: getBackend(), paths: this.paths.length, calls: this.calls,
    };
  }

  // ---- internals ---------------------------------------------------------------------------
  private record(args: readonly unknown[]): Path {
    const tr = traceFunction(this.f, args, 'compile');
    if (tr.inputs.length !== this.shapes.length || tr.inputs.some((t) => !t._data)) {
      fail('ERR_ARG', 'compile', 'compile must be called outside other transformations (f captured a tracer)');
    }
    return { graph: tr.graph, outDef: tr.outDef, guards: tr.graph.guards, expected: null };
  }

  private program(p: Path, kind: 'fwd' | 'grad', build = true): Graph | undefined {
    const gv = p.guards.map((gd) => gd.v);
    if (kind === 'fwd') return p.fwd ??= (build ? compact(withOutputs(p.graph, [...p.graph.outputs, ...gv])) : undefined);
    if (!p.grad && build) {
      const g = p.graph;
      if (g.outputs.length === 0 || sizeOf(g.shapes[g.outputs[0]]) !== 1) {
        fail('ERR_SHAPE', 'Program.grad', `expected f to return a scalar (size 1) but it returned ${g.outputs.length ? fmtShape(g.shapes[g.outputs[0]]) : 'nothing'}; use value() or w.jacobian`);
      }
      checkDifferentiable(this.defs[0], 'Program.grad');
      p.grad = vjpGraph(g, this.wrt, g.outputs.map((_, k) => (k === 0 ? 'ones' : null)), gv);
    }
    return p.grad;
  }

  private run(kind: 'fwd' | 'grad', args: readonly unknown[]): [Float64Array[], Path] {
    this.calls++;
    const inputs = readArgs(this.defs, this.shapes, args, false);
    if (!this.degraded) {
      for (let i = 0; i < this.paths.length; i++) {
        const p = this.paths[i];
        const outs = runOnBackend(this.program(p, kind)!, inputs);
        if (this.guardsHold(p, outs)) {
          if (i > 0) { this.paths.splice(i, 1); this.paths.unshift(p); }
          return [outs, p];
        }
      }
    }
    // no recorded path matches these inputs: record again (keeping the others, bounded)
    const p = this.record(args);
    if (!this.degraded) {
      this.retraces++;
      this.paths.unshift(p);
      if (this.paths.length > MAX_PATHS) this.paths.pop();
      this.maybeDegrade();
    }
    const outs = runOnBackend(this.program(p, kind)!, inputs);
    this.guardsHold(p, outs);
    return [outs, p];
  }

  /** Compare guarded values (bitwise); the first run of a path defines them on this backend. */
  private guardsHold(p: Path, outs: Float64Array[]): boolean {
    if (!p.guards.length) return true;
    const tail = outs.slice(outs.length - p.guards.length);
    if (!p.expected) { p.expected = tail.map((t) => t.slice()); return true; }
    for (let k = 0; k < tail.length; k++) {
      if (!sameBits(tail[k], p.expected[k])) {
        const gd = p.guards[k];
        const eq = p.graph.eqns.find((e) => e.out === gd.v);
        this.lastReason = `value read by ${eq ? `'${eq.op.name}' ${fmtShape(p.graph.shapes[gd.v])}` : `input ${fmtShape(p.graph.shapes[gd.v])}`}` +
          ` changed from ${Array.from(p.expected[k].slice(0, 4)).join(',')} to ${Array.from(tail[k].slice(0, 4)).join(',')}${gd.site ? ` at ${gd.site}` : ''}`;
        return false;
      }
    }
    return true;
  }

  private maybeDegrade(): void {
    if (this.calls < 20 || this.retraces / this.calls <= 0.5) return;
    this.degraded = true;
    this.paths = this.paths.slice(0, 1);
    process.emitWarning(`wengert: a compiled Program re-recorded on ${this.retraces} of ${this.calls} calls because values read ` +
      `during recording keep changing (${this.lastReason}). It now re-records on every call. Use w.where(...) for ` +
      `branch-free code, or compare as a tensor (w.less(x, 0).item()) so that only the outcome is guarded.`, 'WengertWarning');
  }
}

const sameBits = (a: Float64Array, b: Float64Array) =>
  a.length === b.length && a.every((x, i) => Object.is(x, b[i]) || (x === b[i]));

function flattenRaw(x: unknown): unknown[] {
  if (x instanceof Float64Array || !x || typeof x !== 'object') return [x];
  return Object.values(x as object).flatMap(flattenRaw);
}

const bytesOf = (p: Path) => [p.graph, p.fwd, p.grad].reduce((n, g) => n + (g ? g.shapes.reduce((m, s) => m + 8 * sizeOf(s), 0) : 0), 0);

/** w.compile(f, ...exampleArgs) */
export const compile = (f: Fn, ...example: unknown[]): Program => new Program(f, example);
