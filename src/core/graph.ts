import type { OpDef } from './op.js';
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';

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
  readonly shapes: Shape[] = [];
  /** optional display label per variable (input names, gradient markers) */
  readonly labels: (string | undefined)[] = [];
  /** derivative programs: v ↦ u when v holds the cotangent of u (printed as ∂f/∂%u) */
  readonly cotangentOf = new Map<number, number>();
  readonly inputs: number[] = [];
  readonly consts = new Map<number, Tensor>();
  readonly eqns: Eqn[] = [];
  outputs: number[] = [];
  readonly guards: Guard[] = [];

  newVar(shape: Shape, label?: string): number {
    this.shapes.push(shape);
    this.labels.push(label);   // kept dense: a sparse array with large gaps turns into a slow dictionary
    return this.shapes.length - 1;
  }
  get nvars(): number { return this.shapes.length; }
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
