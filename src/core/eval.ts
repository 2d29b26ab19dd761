// The one evaluator: walks a graph's equations in order with one environment of values, one per
// variable (inputs first, then constants, then each equation's output from its operands).
// `evalGraph` steps by applying each op: on concrete tensors that computes (the op's TS kernel),
// on tracers it records into their trace — so the same walk evaluates a graph or re-traces it
// under an outer transformation (JAX's eval_jaxpr). Transformations walk with their own step
// (reverse mode's forward sweep, forward mode, batching); the TS interpreter walks with kernels.
import type { Graph, Eqn } from './graph.js';
import type { Tensor } from './tensor.js';
import { apply } from './trace.js';

/**
 * The environment after walking g: env[v] for every variable reached. `constant` turns a graph
 * constant into a value; `step` gives an equation's output from its operands' values (k is the
 * equation's index).
 */
export function walk<V>(g: Graph, inputs: readonly V[], constant: (t: Tensor) => V,
  step: (e: Eqn, ins: V[], k: number) => V, env: V[] = new Array<V>(g.nvars)): V[] {
  g.inputs.forEach((v, k) => { env[v] = inputs[k]; });
  for (const [v, t] of g.consts) env[v] = constant(t);
  const eqns = g.eqns;
  for (let k = 0; k < eqns.length; k++) {
    const e = eqns[k], ins = new Array<V>(e.ins.length);
    for (let i = 0; i < ins.length; i++) ins[i] = env[e.ins[i]];
    env[e.out] = step(e, ins, k);
  }
  return env;
}

const applyEqn = (e: Eqn, ins: Tensor[]): Tensor => apply(e.op, ins, e.attrs);
const same = (t: Tensor) => t;

/** g's outputs on the given input tensors: computed when they are concrete, recorded when they are tracers. */
export function evalGraph(g: Graph, inputs: readonly Tensor[]): Tensor[] {
  const env = walk(g, inputs, same, applyEqn);
  return g.outputs.map((v) => env[v]);
}

/**
 * g's outputs computed with each op's TS kernel on arrays (the reference semantics; no trace is
 * involved). `onError` may translate a kernel's error (e.g. a failed allocation) for an equation.
 */
export function evalKernels(g: Graph, inputs: readonly Float64Array[], onError?: (err: unknown, e: Eqn) => unknown): Float64Array[] {
  const env = walk<Float64Array>(g, inputs, (t) => t._data!, (e, ins) => {
    try { return e.op.kernel(ins, e.ins.map((i) => g.shapes[i]), g.shapes[e.out], e.attrs); } catch (err) { throw onError ? onError(err, e) : err; }
  });
  return g.outputs.map((v) => env[v]);
}
