// The simplification show applies, the planner's own (src/plan/cse.ts, dead-code removal):
// repeated subexpressions computed once, unused equations dropped, variables renumbered. Constant
// folding already happened while recording (an op on constants runs at once). Labels and cotangent
// marks move to the variable that survives. Fusion is not applied: p.show({ planned: true }) shows it.
import { Graph, withOutputs } from '../core/graph.js';
import { compact } from '../core/simplify.js';
import { cse } from '../plan/cse.js';

export function simplify(g: Graph): Graph {
  const all = Array.from({ length: g.nvars }, (_, v) => v);
  const c = cse(withOutputs(g, [...g.outputs, ...all]));
  const alias = c.outputs.slice(g.outputs.length);
  const s = Object.assign(Object.create(Graph.prototype) as Graph, c, {
    outputs: c.outputs.slice(0, g.outputs.length),
    labels: [...g.labels],
    cotangentOf: new Map<number, number>(),
  });
  for (let v = 0; v < g.nvars; v++) if (alias[v] !== v && s.labels[alias[v]] === undefined) s.labels[alias[v]] = g.labels[v];
  for (const [v, u] of g.cotangentOf) if (!s.cotangentOf.has(alias[v])) s.cotangentOf.set(alias[v], alias[u]);
  return compact(s);
}

/**
 * For each variable of `grad`, the variable of `fwd` computing the same value (the same op and
 * attributes on the same operands, recursively; inputs by position), or −1.
 */
export function forwardTwins(fwd: Graph, grad: Graph): Int32Array {
  const ids = new Map<string, number>();
  const constIds = new Map<object, number>();
  const intern = (k: string) => { let id = ids.get(k); if (id === undefined) ids.set(k, (id = ids.size)); return id; };
  const number = (g: Graph) => {
    const vn = new Int32Array(g.nvars).fill(-1);
    g.inputs.forEach((v, k) => { vn[v] = intern(`in${k}`); });
    for (const [v, t] of g.consts) {
      let c = constIds.get(t);
      if (c === undefined) constIds.set(t, (c = constIds.size));
      vn[v] = intern(`c${c}`);
    }
    for (const e of g.eqns) {
      const attrs = e.op.attrKey ? e.op.attrKey(e.attrs) : JSON.stringify(e.attrs) ?? '';
      vn[e.out] = intern(`${e.op.name}|${attrs}|${e.ins.map((i) => vn[i])}`);
    }
    return vn;
  };
  const f = number(fwd), gr = number(grad);
  const byId = new Map<number, number>();
  for (let v = fwd.nvars - 1; v >= 0; v--) if (f[v] >= 0) byId.set(f[v], v);
  return gr.map((id) => byId.get(id) ?? -1);
}
