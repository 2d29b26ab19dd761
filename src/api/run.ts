// Running a graph: on the backend when every input is concrete; otherwise (inside an outer
// transformation) by re-emitting its equations, which records them into the outer trace.
import type { Graph } from '../core/graph.js';
import { Tensor, liveData } from '../core/tensor.js';
import { evalGraph } from '../core/eval.js';
import { runOnBackend } from '../backends/index.js';

export function runGraph(g: Graph, inputs: readonly Tensor[]): Tensor[] {
  if (inputs.every((t) => liveData(t, 'run'))) {
    const outs = runOnBackend(g, inputs.map((t) => t._data!));
    return outs.map((d, k) => new Tensor(g.shapes[g.outputs[k]], d));
  }
  return evalGraph(g, inputs);
}
