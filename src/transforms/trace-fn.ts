// Recording a user function: every numeric leaf of every argument becomes a graph input.
import type { Graph } from '../core/graph.js';
import { Trace } from '../core/trace.js';
import { Tensor } from '../core/tensor.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { fail } from '../core/errors.js';

export interface Traced {
  graph: Graph;
  /** values bound to the graph inputs: argument leaves, then captured outer tracers */
  inputs: Tensor[];
  argDefs: TreeDef[];
  /** graph-input index range of each argument's leaves */
  argRanges: [number, number][];
  outDef: TreeDef;
}

export function traceFunction(f: (...a: any[]) => unknown, args: readonly unknown[], name: string,
  pickOutputs?: (out: unknown) => unknown): Traced {
  if (typeof f !== 'function') fail('ERR_ARG', name, `expected a function but received ${typeof f}`);
  const params = paramNames(f);
  const flat = args.map((a, i) => flatten(a, params[i] || `arg${i}`));
  const tr = new Trace();
  try {
    const argRanges: [number, number][] = [];
    const traced = flat.map(({ leaves, def }) => {
      const start = tr.graph.inputs.length;
      const tracers = leaves.map((leaf, j) => tr.input(leaf.shape, leaf, leafPath(def, j)));
      argRanges.push([start, tr.graph.inputs.length]);
      return unflatten(def, tracers, false);
    });
    let out = f(...traced);
    if (pickOutputs) out = pickOutputs(out);
    const { leaves: outLeaves, def: outDef } = flatten(out);
    const graph = tr.finish(outLeaves);
    const inputs = [...flat.flatMap((x) => x.leaves), ...tr.captures];
    return { graph, inputs, argDefs: flat.map((x) => x.def), argRanges, outDef };
  } finally {
    tr.close();
  }
}

function leafPath(def: TreeDef, j: number): string | undefined {
  if (def.t === 'leaf') return def.i === j ? def.path : undefined;
  if (def.t === 'static') return undefined;
  for (const d of def.items) { const p = leafPath(d, j); if (p !== undefined) return p; }
  return undefined;
}

/** Parameter names of f, for readable input labels (best effort). */
function paramNames(f: Function): string[] {
  const src = Function.prototype.toString.call(f);
  const m = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) return [];
  return m[1].split(',').map((p) => p.trim()).map((p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? p : ''));
}
