// Dead-code removal and renumbering: keeps the equations the outputs need, numbers variables
// inputs first, then constants, then equations in order.
import { Graph } from './graph.js';

export function compact(g: Graph): Graph {
  const live = liveVars(g);
  if (canonical(g, live)) return g;
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
  for (const [v, u] of g.cotangentOf) if (map[v] >= 0 && map[u] >= 0) out.cotangentOf.set(map[v], map[u]);
  return out;
}

/** every equation live and variables already numbered inputs, constants, equations in order */
function canonical(g: Graph, live: Uint8Array): boolean {
  let next = 0;
  for (const v of g.inputs) if (v !== next++) return false;
  for (const [v] of g.consts) if (v !== next++ || !live[v]) return false;
  for (const e of g.eqns) if (e.out !== next++ || !live[e.out]) return false;
  return next === g.nvars;
}

/** Dead-code removal without renumbering when nothing is dead (g itself): for programs that run, not print. */
export function dce(g: Graph): Graph {
  const live = liveVars(g);
  for (const e of g.eqns) if (!live[e.out]) return compact(g);
  return g;
}

function liveVars(g: Graph): Uint8Array {
  const live = new Uint8Array(g.nvars);
  for (const v of g.outputs) live[v] = 1;
  for (const gd of g.guards) live[gd.v] = 1;
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (live[e.out]) for (const i of e.ins) live[i] = 1;
  }
  return live;
}
