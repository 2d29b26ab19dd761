import type { OpDef } from './op.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import { Tape, ShapeStore } from './tape.js';

/** One SSA assignment: `%out = op %ins... {attrs}`. */
export interface Eqn {
  readonly op: OpDef;
  readonly ins: readonly number[];
  readonly out: number;
  readonly attrs: any;
}

/** A value read by user code during recording (DESIGN §2): the program is only valid while it holds. */
export interface Guard {
  readonly v: number;          // variable that was read
  readonly value: Float64Array; // what was observed
  readonly site?: string;      // user call site, when known
}

/**
 * A Wengert list: variables are numbered in creation order; each is an input, a constant or the
 * output of exactly one equation. Shapes are known for every variable; values only at run time.
 */
export class Graph {
  /** the shape of each variable (core/tape.ts: kept as shape numbers until a reader asks for `shapes`) */
  private vars = new ShapeStore();
  /** optional display label per variable (input names, gradient markers); shorter than nvars past the last label */
  readonly labels: (string | undefined)[] = [];
  /** derivative programs: v ↦ u when v holds the cotangent of u (printed as ∂f/∂%u) */
  readonly cotangentOf = new Map<number, number>();
  readonly inputs: number[] = [];
  readonly consts = new Map<number, Tensor>();
  /** the equations in order (core/tape.ts: kept as typed arrays until a reader asks for this list) */
  tape = new Tape();
  outputs: number[] = [];
  readonly guards: Guard[] = [];

  newVar(shape: Shape, label?: string): number {
    const v = this.vars.push(shape);
    if (label !== undefined) this.setLabel(v, label);
    return v;
  }

  setLabel(v: number, label: string): void {
    const labels = this.labels;
    while (labels.length < v) labels.push(undefined);   // kept dense: a sparse array with large gaps turns into a slow dictionary
    labels[v] = label;
  }
  /** room for n variables (a recording that repeats one of known size grows no arrays) */
  reserveVars(n: number): void { this.vars.reserve(n); }
  get nvars(): number { return this.vars.size; }
  get shapes(): Shape[] { return this.vars.array(); }
  set shapes(list: Shape[]) { this.vars = ShapeStore.of(list); }
  /** the shape of variable v (without materializing `shapes`) */
  shapeOf(v: number): Shape { return this.vars.get(v); }
  get eqns(): Eqn[] { return this.tape.list(); }
  set eqns(list: Eqn[]) { this.tape = Tape.of(list); }
  /** the number of equations (without materializing them) */
  get neqns(): number { return this.tape.size; }
}

/** Index of the equation producing each variable (-1 for inputs and constants). */
export function producers(g: Graph): Int32Array {
  const p = new Int32Array(g.nvars).fill(-1);
  g.eqns.forEach((e, i) => { p[e.out] = i; });
  return p;
}

/** The same program with other outputs (shares equations; the result must not be mutated). */
export function withOutputs(g: Graph, outputs: readonly number[]): Graph {
  const c = Object.create(Graph.prototype) as Graph;
  Object.assign(c, g);
  c.outputs = [...outputs];
  return c;
}
