// Compiled programs reused across optimizer calls. Each call records f once (shapes only) and
// compares that recording with the one a cached Program was compiled from: equal equations,
// shapes, constants (by value) and values read mean the cached Program is exactly what compiling
// anew would give, so a refit with new data passed through `args` (or the same closure called
// again) costs one recording instead of a compilation. A changed closure (another constant, a
// JS number that changed) records differently and compiles anew — never a stale program.
import type { Graph } from '../core/graph.js';
import type { TreeDef } from '../core/pytree.js';
import { traceFunction } from '../transforms/trace-fn.js';
import { firstDifference } from '../program/purity.js';
import { hasUserRules } from '../api/cache.js';

interface Entry { key: string; graph: Graph; value: unknown }

const table = new WeakMap<object, Entry[]>();
const PER_FUNCTION = 4;

/**
 * build() — the compiled programs of `record` on `example` — or the value built for an earlier
 * call of the same user function `owner` whose recording equals this one. `key` names what the
 * graph does not show (the tree structures results are mapped back onto, the kind of program).
 */
export function reuseCompiled<T>(owner: object, key: string, record: (...a: any[]) => unknown, example: readonly unknown[], name: string, build: () => T): T {
  const tr = traceFunction(record, example, name), g = tr.graph;
  // the graph's equations need not show every input's shape (an unused input) or the output tree
  key = `${key}|${g.inputs.map((v) => g.shapes[v].join('x')).join(',')}|${defKey(tr.outDef)}`;
  // user rules (customVjp/customJvp/opaque) may close over JS state the recording does not show
  if (hasUserRules(g)) return build();
  const list = table.get(owner) ?? [];
  const i = list.findIndex((e) => e.key === key && firstDifference(e.graph, g) === null);
  if (i >= 0) {
    const [hit] = list.splice(i, 1);
    list.unshift(hit);
    return hit.value as T;
  }
  const value = build();
  list.unshift({ key, graph: g, value });
  if (list.length > PER_FUNCTION) list.pop();
  table.set(owner, list);
  return value;
}

/** A string naming a tree's structure and leaf kinds (part of a reuse key). */
export function defKey(d: TreeDef): string {
  switch (d.t) {
    case 'leaf': return d.kind;
    case 'array': return `[${d.items.map(defKey).join(',')}]`;
    case 'object': return `{${d.keys.map((k, i) => `${JSON.stringify(k)}:${defKey(d.items[i])}`).join(',')}}`;
    case 'static': return `s:${typeof d.value}`;
  }
}
