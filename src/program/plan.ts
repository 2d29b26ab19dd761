// Planned form of a graph for the TS backend: transposes folded into matmuls, elementwise chains
// fused into generated loops.
// (The unplanned graph stays the oracle: 'check' mode compares against interpret(g).)
import type { Graph } from '../core/graph.js';
import { fuse } from './fuse.js';
import { foldTransposes } from './transposes.js';
import { compact } from '../core/simplify.js';

const plans = new WeakMap<Graph, Graph>();
export function tsPlan(g: Graph): Graph {
  let p = plans.get(g);
  if (!p) plans.set(g, (p = fuse(compact(foldTransposes(g)))));
  return p;
}
