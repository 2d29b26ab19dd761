// Common-subexpression elimination: an equation with the same op, operands and attributes as an
// earlier one reuses its variable. (Every op is a pure function of its operands; opaque functions
// are kept, since user code may count its calls.) Equations are hashed by (op, operands, attribute
// key) into numeric buckets; a bucket hit is confirmed by comparing the equations.
import { Graph, type Eqn } from '../core/graph.js';

const attrKeyOf = (e: Eqn): string | undefined =>
  e.attrs === undefined ? undefined : e.op.attrKey ? e.op.attrKey(e.attrs) : JSON.stringify(e.attrs);

export function cse(g: Graph): Graph {
  const buckets = new Map<number, { e: Eqn; key: string | undefined }[]>();
  const alias = new Int32Array(g.nvars);
  for (let v = 0; v < g.nvars; v++) alias[v] = v;
  const eqns: Eqn[] = [];
  let removed = 0;
  for (const e of g.eqns) {
    let changed = false;
    const ins = e.ins.map((i) => { const a = alias[i]; if (a !== i) changed = true; return a; });
    const cur = changed ? { ...e, ins } : e;
    if (e.op.name === 'opaque') { eqns.push(cur); continue; }
    const key = attrKeyOf(e);
    let h = Math.imul(e.op.id + 1, 0x9e3779b1);
    for (const i of ins) h = Math.imul(h ^ i, 0x01000193);
    if (key !== undefined) for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
    const bucket = buckets.get(h);
    const prev = bucket?.find((b) => b.e.op === e.op && b.key === key && b.e.ins.length === ins.length && b.e.ins.every((i, k) => i === ins[k]));
    if (prev) { alias[e.out] = prev.e.out; removed++; continue; }
    if (bucket) bucket.push({ e: cur, key }); else buckets.set(h, [{ e: cur, key }]);
    eqns.push(cur);
  }
  if (!removed) return g;
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  Object.assign(c, g, { eqns, outputs: g.outputs.map((v) => alias[v]), guards: g.guards.map((gd) => ({ ...gd, v: alias[gd.v] })) });
  return c;
}
