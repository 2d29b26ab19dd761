// The TS backend's fast path: a graph planned once (src/plan/plan.ts) and run by the planned
// executor (fused loops, a register file for size-1 values), both built once per graph.
import type { Graph } from '../core/graph.js';
import { tsPlan } from '../plan/plan.js';
import { executor } from './ts-exec.js';

const runs = new WeakMap<Graph, ReturnType<typeof executor>>();
/** Run g on the TS backend: planned and built once per graph. */
export function tsRun(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  let r = runs.get(g);
  if (!r) runs.set(g, (r = executor(tsPlan(g))));
  return r(inputs);
}
