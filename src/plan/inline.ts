// Planning: customCall equations are replaced by their bodies (plain equations), so planned
// programs fuse across them and the native backend can run them. Their rules only matter to the
// transformations, which ran before planning.
import type { Graph } from '../core/graph.js';
import { frameOf } from './frame.js';
import { reshapeOp } from '../ops/reshape.js';
import { customCallOp } from '../ops/customCall.js';

export function inlineCalls(g: Graph): Graph {
  if (!g.eqns.some((e) => e.op === customCallOp)) return g;
  const out = frameOf(g);
  for (const e of g.eqns) {
    if (e.op !== customCallOp) { out.eqns.push(e); continue; }
    const body: Graph = inlineCalls(e.attrs.body);
    const map = new Int32Array(body.nvars).fill(-1);
    body.inputs.forEach((v, k) => { map[v] = e.ins[k]; });
    for (const [v, t] of body.consts) { map[v] = out.newVar(body.shapes[v]); out.consts.set(map[v], t); }
    const result = body.outputs[0];
    for (const be of body.eqns) {
      map[be.out] = be.out === result ? e.out : out.newVar(body.shapes[be.out], body.labels[be.out]);
      out.eqns.push({ op: be.op, ins: be.ins.map((i) => map[i]), out: map[be.out], attrs: be.attrs });
    }
    // a body that returns an input or a constant: the call's value is that variable's
    if (map[result] !== e.out) out.eqns.push({ op: identityOp(), ins: [map[result]], out: e.out, attrs: { shape: [...g.shapes[e.out]] } });
  }
  return out;
}

// reshape to the same shape is the identity (and a view on both backends)
const identityOp = () => reshapeOp;
