// One recording of a compiled function (a path): the forward graph, the values its JS read
// (guards) and the programs derived from it — value, value-and-gradient, H·v — each returning the
// guarded values last, packed in one array. A replay holds only while the guarded values come out
// bit for bit as on the inputs it was recorded with.
import type { Graph, Guard } from '../core/graph.js';
import { withOutputs } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { fmtShape, sizeOf } from '../core/shape.js';
import { checkDifferentiable, type TreeDef } from '../core/pytree.js';
import { compact } from '../core/simplify.js';
import { checkDependence } from '../transforms/trace-fn.js';
import { vjpGraph } from '../transforms/vjp.js';
import { jvpGraph } from '../transforms/jvp.js';
import { firstBitDifference } from './args.js';

export type Kind = 'fwd' | 'grad' | 'hvp';

export class Recording {
  /** guarded values as the backend computes them on the recording's inputs, back to back */
  private expected: Float64Array | null = null;
  /** the inputs it was recorded with, until `expected` is defined */
  origin: Float64Array[] | undefined;
  private readonly programs: Partial<Record<Kind, Graph>> = {};
  /** values per output of the recording */
  readonly outSizes: number[];

  /** `wrt`: graph inputs of argument 0 (gradients and H·v are with respect to it); `def0`: its tree */
  constructor(readonly graph: Graph, readonly outDef: TreeDef, readonly loops: number,
    private readonly wrt: readonly number[], private readonly def0: TreeDef) {
    this.outSizes = graph.outputs.map((v) => sizeOf(graph.shapes[v]));
  }

  get guards(): readonly Guard[] { return this.graph.guards; }

  /** the program of a kind, when it was built already */
  built(kind: Kind): Graph | undefined { return this.programs[kind]; }

  /** value: f's outputs; grad: f's outputs, gradients w.r.t. argument 0; hvp: H·v (inputs + tangents); then the guarded values */
  program(kind: Kind): Graph {
    return (this.programs[kind] ??= kind === 'fwd' ? this.valueProgram() : kind === 'grad' ? this.gradProgram() : this.hvpProgram());
  }

  private valueProgram(): Graph {
    const g = this.graph;
    return compact(withOutputs(g, [...g.outputs, ...this.guards.map((gd) => gd.v)]));
  }

  private gradProgram(): Graph {
    const g = this.graph;
    if (g.outputs.length === 0 || sizeOf(g.shapes[g.outputs[0]]) !== 1) {
      fail('ERR_SHAPE', 'Program.grad', `expected f to return a scalar (size 1) but it returned ${g.outputs.length ? fmtShape(g.shapes[g.outputs[0]]) : 'nothing'}; use value() or w.jacobian`);
    }
    checkDifferentiable(this.def0, 'Program.grad');
    checkDependence(g, this.wrt, g.outputs.slice(0, 1), 'Program.grad');
    return vjpGraph(g, this.wrt, g.outputs.map((_, k) => (k === 0 ? 'ones' : null)), this.guards.map((gd) => gd.v));
  }

  /** the JVP of the gradient program: its gradients' tangents are H·v */
  private hvpProgram(): Graph {
    const gg = this.program('grad');   // outputs: f's outputs, gradients, guarded values
    const m = gg.outputs.length, nOut = this.graph.outputs.length, k = this.guards.length;
    const jg = jvpGraph(gg, this.wrt);
    const hv = jg.outputs.slice(m + nOut, m + nOut + this.wrt.length);
    return compact(withOutputs(jg, [...hv, ...jg.outputs.slice(m - k, m)]));
  }

  /** whether the guarded values `got` are those of the recording (defined by `reference()` the first time) */
  holds(got: Float64Array, reference: () => Float64Array): boolean {
    if (!this.guards.length) return true;
    if (!this.expected) { this.expected = reference().slice(); this.origin = undefined; }
    return firstBitDifference(got, this.expected) < 0;
  }

  /** whether `expected` still has to be defined (by a run on the recording's own inputs) */
  get undefinedGuards(): boolean { return this.guards.length > 0 && !this.expected; }

  /** a sentence naming the first guarded value that differs in `got` */
  whyNot(got: Float64Array): string {
    const want = this.expected!, g = this.graph;
    const i = firstBitDifference(got, want);
    let k = 0, at = 0;
    while (at + sizeOf(g.shapes[this.guards[k].v]) <= i) at += sizeOf(g.shapes[this.guards[k++].v]);
    const gd = this.guards[k], n = Math.min(sizeOf(g.shapes[gd.v]), 4);
    const eq = g.eqns.find((e) => e.out === gd.v);
    return `value read by ${eq ? `'${eq.op.name}' ${fmtShape(g.shapes[gd.v])}` : `input ${fmtShape(g.shapes[gd.v])}`}` +
      ` changed from ${Array.from(want.subarray(at, at + n)).join(',')} to ${Array.from(got.subarray(at, at + n)).join(',')}${gd.site ? ` at ${gd.site}` : ''}`;
  }

  /** bytes of guard data and recording inputs it keeps */
  get guardBytes(): number {
    return (this.expected?.byteLength ?? 0) + (this.origin ?? []).reduce((m, a) => m + a.byteLength, 0);
  }
}
