// Dead-code removal and renumbering: keeps the equations the outputs need, numbers variables
// inputs first, then constants, then equations in order.
import { Graph } from './graph.js';

export function compact(g: Graph): Graph {
  const live = new Uint8Array(g.nvars);
  for (const v of g.outputs) live[v] = 1;
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (live[e.out]) for (const i of e.ins) live[i] = 1;
  }
  for (const gd of g.guards) live[gd.v] = 1;
  const out = new Graph();
  const map = new Int32Array(g.nvars).fill(-1);
  const take = (v: number) => { map[v] = out.newVar(g.shapes[v], g.labels[v]); return map[v]; };
  for (const v of g.inputs) out.inputs.push(take(v));
  for (const [v, t] of g.consts) if (live[v]) out.consts.set(take(v), t);
  for (const e of g.eqns) {
    if (!live[e.out]) continue;
    const ins = e.ins.map((i) => map[i]);
    out.eqns.push({ op: e.op, ins, out: take(e.out), attrs: e.attrs });
  }
  out.outputs = g.outputs.map((v) => map[v]);
  for (const gd of g.guards) out.guards.push({ ...gd, v: map[gd.v] });
  // labels may name variables as %N (cotangent markers 'ct%5'): renumber them too
  out.labels.forEach((l, v) => { if (l?.includes('%')) out.labels[v] = l.replace(/%(\d+)/g, (_, n) => `%${map[+n] >= 0 ? map[+n] : '?'}`); });
  return out;
}
