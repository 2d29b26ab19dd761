// Planned form of a graph (backend-free): custom calls inlined, transposes folded into matmuls, repeated
// subexpressions shared, masks whose masked entries nobody reads dropped, elementwise chains fused (generated loops on the TS backend, tiles on the native one).
// (The unplanned graph stays the oracle: 'check' mode compares against interpret(g).)
import type { Graph } from '../core/graph.js';
import { fuse } from './fuse.js';
import { foldTransposes } from './transposes.js';
import { inlineCalls } from './inline.js';
import { lowerParts } from './parts.js';
import { cse } from './cse.js';
import { dropLowerMasks } from './triangles.js';
import { dce } from '../core/simplify.js';

const plans = new WeakMap<Graph, Graph>();
export function tsPlan(g: Graph): Graph {
  let p = plans.get(g);
  if (!p) plans.set(g, (p = fuse(dce(dropLowerMasks(cse(foldTransposes(lowerParts(inlineCalls(g)))))))));
  return p;
}
