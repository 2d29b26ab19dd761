// A standalone graph cut out of another: the given variables become its inputs (in that order),
// the equations the outputs need (in their order), renumbered. Used to split a graph into pieces
// (a loop body and its reverse sweep, the stretches between JS equations).
import { Graph } from './graph.js';
import { fail } from './errors.js';

export function extract(g: Graph, inputs: readonly number[], outputs: readonly number[]): Graph {
  const need = new Uint8Array(g.nvars);
  const isIn = new Uint8Array(g.nvars);
  for (const v of inputs) isIn[v] = 1;
  for (const v of outputs) need[v] = 1;
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (need[e.out] && !isIn[e.out]) for (const i of e.ins) need[i] = 1;
  }
  const out = new Graph();
  const map = new Int32Array(g.nvars).fill(-1);
  const take = (v: number) => (map[v] = out.newVar(g.shapes[v], g.labels[v]));
  for (const v of inputs) out.inputs.push(take(v));
  for (const [v, t] of g.consts) if (need[v] && !isIn[v]) out.consts.set(take(v), t);
  for (const e of g.eqns) {
    if (!need[e.out] || isIn[e.out]) continue;
    const ins = e.ins.map((i) => (map[i] >= 0 ? map[i] : fail('ERR_RULE', 'extract', `%${i} is needed but neither computed nor an input`)));
    out.eqns.push({ op: e.op, ins, out: take(e.out), attrs: e.attrs });
  }
  out.outputs = outputs.map((v) => (map[v] >= 0 ? map[v] : fail('ERR_RULE', 'extract', `output %${v} is neither computed nor an input`)));
  return out;
}
