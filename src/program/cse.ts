// Common-subexpression elimination: an equation with the same op, operands and attributes as an
// earlier one reuses its variable. (Every op is a pure function of its operands; opaque functions
// are kept, since user code may count its calls.)
import { Graph } from '../core/graph.js';

export function cse(g: Graph): Graph {
  const seen = new Map<string, number>();
  const alias = new Int32Array(g.nvars).map((_, i) => i);
  const eqns = [];
  let removed = 0;
  for (const e of g.eqns) {
    const ins = e.ins.map((i) => alias[i]);
    if (e.op.name === 'opaque') { eqns.push({ ...e, ins }); continue; }
    const key = `${e.op.id}|${ins.join(',')}|${e.attrs === undefined ? '' : e.op.attrKey ? e.op.attrKey(e.attrs) : JSON.stringify(e.attrs)}`;
    const prev = seen.get(key);
    if (prev !== undefined) { alias[e.out] = prev; removed++; continue; }
    seen.set(key, e.out);
    eqns.push(ins.every((v, k) => v === e.ins[k]) ? e : { ...e, ins });
  }
  if (!removed) return g;
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  Object.assign(c, g, { eqns, outputs: g.outputs.map((v) => alias[v]), guards: g.guards.map((gd) => ({ ...gd, v: alias[gd.v] })) });
  return c;
}
