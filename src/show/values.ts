// Values for show.values and show.html, computed by the active backend: every variable of the
// forward program, its cotangent ∂f/∂v, the chain-rule term each use of a variable contributes to
// that cotangent, and every variable of the gradient program.
//
// Cotangents of intermediate variables: the forward program with a perturbation input added to
// each variable (v' = v + εᵥ) and to each use of one (operand j of equation k reads v + ε_kj); then
// ∂f/∂εᵥ = ∂f/∂v, the whole cotangent, and ∂f/∂ε_kj = ∂f/∂out_k · ∂out_k/∂v, one term of the sum.
// The ε are −0 (x + −0 = x for every x, −0 included), so the values are those of f; a cotangent
// passes an `add` unchanged, so each is the same sum, in the same order, as the gradient program's.
import { Graph, withOutputs } from '../core/graph.js';
import { sizeOf } from '../core/shape.js';
import { WengertError } from '../core/errors.js';
import { addOp } from '../ops/add.js';
import { vjpGraph } from '../transforms/vjp.js';
import { runOnBackend } from '../backends/index.js';
import type { Shown } from './programs.js';

export type Values = (Float64Array | undefined)[];

export interface Computed {
  /** per forward-program variable (sub-program variables have none: they change per iteration) */
  fwd: Values;
  /** per forward-program variable, ∂f/∂v (undefined: constants, packed loop outputs, or no gradient) */
  ct?: Values;
  /** per forward equation and operand, the term that use adds to the operand's cotangent */
  terms?: Values[];
  /** per gradient-program variable */
  grad?: Values;
  /** why cotangents are missing although there is a gradient program */
  why?: string;
}

/** values of every top-level variable of g (one run with every equation's output as an output) */
export function runAll(g: Graph, inputs: readonly Float64Array[]): Values {
  const vals: Values = new Array(g.nvars);
  g.inputs.forEach((v, k) => { vals[v] = inputs[k]; });
  for (const [v, t] of g.consts) vals[v] = t._data!;
  const outs = g.eqns.map((e) => e.out);
  if (outs.length) runOnBackend(withOutputs(g, outs), inputs).forEach((d, k) => { vals[outs[k]] = d; });
  return vals;
}

export function compute(s: Shown): Computed {
  const inputs = s.inputs.map((t) => t._data!);
  const c: Computed = { fwd: runAll(s.forward, inputs) };
  if (!s.gradient) return c;
  c.grad = runAll(s.gradient, inputs);
  try {
    Object.assign(c, cotangents(s.forward, inputs));
  } catch (err) {
    if (!(err instanceof WengertError) || err.code !== 'ERR_NO_RULE') throw err;
    c.why = err.message;
  }
  return c;
}

/** a packed multi-output value (a loop's): read only through its parts, so it takes no ε */
const packedVars = (g: Graph) => new Set(g.eqns.filter((e) => e.op.vjpParts).map((e) => e.out));

function cotangents(g: Graph, inputs: readonly Float64Array[]): { ct: Values; terms: Values[] } {
  const packed = packedVars(g);
  const P = new Graph();
  for (let v = 0; v < g.nvars; v++) P.newVar(g.shapes[v], g.labels[v]);
  P.inputs.push(...g.inputs);
  for (const [v, t] of g.consts) P.consts.set(v, t);
  const nodeEps = new Map<number, number>();   // variable → its ε input (index into P.inputs)
  const edgeEps = new Map<string, number>();   // `${k},${j}` → ε input
  const cur = Int32Array.from({ length: g.nvars }, (_, v) => v);
  const perturb = (v: number): number => {
    const eps = P.newVar(g.shapes[v]);
    P.inputs.push(eps);
    const out = P.newVar(g.shapes[v]);
    P.eqns.push({ op: addOp, ins: [cur[v], eps], out, attrs: undefined });
    return out;
  };
  for (const v of g.inputs) { nodeEps.set(v, P.inputs.length); cur[v] = perturb(v); }
  g.eqns.forEach((e, k) => {
    const ins = e.ins.map((i, j) => {
      if (g.consts.has(i) || packed.has(i)) return i;
      edgeEps.set(`${k},${j}`, P.inputs.length);
      return perturb(i);
    });
    P.eqns.push({ op: e.op, ins, out: e.out, attrs: e.attrs });
    if (!packed.has(e.out)) { nodeEps.set(e.out, P.inputs.length); cur[e.out] = perturb(e.out); }
  });
  P.outputs = g.outputs.map((v) => cur[v]);
  const nIn = g.inputs.length;
  const wrt = Array.from({ length: P.inputs.length - nIn }, (_, i) => nIn + i);
  const d = vjpGraph(P, wrt, g.outputs.map((_, k) => (k === 0 ? 'ones' : null)));
  const eps = wrt.map((i) => new Float64Array(sizeOf(P.shapes[P.inputs[i]])).fill(-0));
  const outs = runOnBackend(d, [...inputs, ...eps]);
  const at = (i: number) => outs[g.outputs.length + i - nIn];
  const ct: Values = new Array(g.nvars);
  for (const [v, i] of nodeEps) ct[v] = at(i);
  const terms: Values[] = g.eqns.map((e) => new Array(e.ins.length));
  for (const [key, i] of edgeEps) {
    const [k, j] = key.split(',').map(Number);
    terms[k][j] = at(i);
  }
  return { ct, terms };
}
