// Planned form of a graph for the TS backend: elementwise chains fused into generated loops.
// (The unplanned graph stays the oracle: 'check' mode compares against interpret(g).)
import type { Graph } from '../core/graph.js';
import { fuse } from './fuse.js';

const plans = new WeakMap<Graph, Graph>();
export function tsPlan(g: Graph): Graph {
  let p = plans.get(g);
  if (!p) plans.set(g, (p = fuse(g)));
  return p;
}
