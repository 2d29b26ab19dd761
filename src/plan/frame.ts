// A planning pass builds a new graph over the same variables: frameOf copies everything but the
// equations (variables with shapes and labels, inputs, constants, outputs, guards).
import { Graph } from '../core/graph.js';

export function frameOf(g: Graph): Graph {
  const out = new Graph();
  for (let v = 0; v < g.nvars; v++) out.newVar(g.shapes[v], g.labels[v]);
  for (const v of g.inputs) out.inputs.push(v);
  for (const [v, t] of g.consts) out.consts.set(v, t);
  out.outputs = [...g.outputs];
  for (const gd of g.guards) out.guards.push(gd);
  return out;
}
