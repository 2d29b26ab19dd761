// Running a graph: on the backend when every input is concrete; otherwise (inside an outer
// transformation) by re-emitting its equations, which records them into the outer trace.
import type { Graph } from '../core/graph.js';
import { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { runOnBackend } from '../backends/index.js';

export function runGraph(g: Graph, inputs: readonly Tensor[]): Tensor[] {
  if (inputs.every((t) => t._data)) {
    const outs = runOnBackend(g, inputs.map((t) => t._data!));
    return outs.map((d, k) => new Tensor(g.shapes[g.outputs[k]], d));
  }
  const env: Tensor[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => { env[v] = inputs[k]; });
  for (const [v, t] of g.consts) env[v] = t;
  for (const e of g.eqns) env[e.out] = apply(e.op, e.ins.map((i) => env[i]), e.attrs);
  return g.outputs.map((v) => env[v]);
}
