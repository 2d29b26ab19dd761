// Batching (vmap over a leading direction axis) as a program transformation: inputs marked
// batched get shape [N, ...]; each equation with a batched operand is re-emitted through its op's
// batching rule, so N directions (Jacobian columns or rows) run as ONE program.
import type { Graph } from '../core/graph.js';
import { Trace, apply } from '../core/trace.js';
import type { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { broadcastTo } from '../ops/broadcastTo.js';

/** Batched version of g: input k has shape [n, ...] when batched[k]; every output gets [n, ...]. */
export function batchGraph(g: Graph, batched: readonly boolean[], n: number): Graph {
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(g.nvars);
    const isB = new Uint8Array(g.nvars);
    g.inputs.forEach((v, k) => {
      const s = g.shapes[v];
      env[v] = tr.input(batched[k] ? [n, ...s] : s, null, g.labels[v] ?? `in${k}`);
      isB[v] = batched[k] ? 1 : 0;
    });
    for (const [v, t] of g.consts) env[v] = t;
    for (const e of g.eqns) {
      const ins = e.ins.map((i) => env[i]);
      const flags = e.ins.map((i) => !!isB[i]);
      if (!flags.some((f) => f)) { env[e.out] = apply(e.op, ins, e.attrs); continue; }
      const rule = e.op.batch;
      if (!rule) return fail('ERR_NO_RULE', e.op.name, `no batching rule for op '${e.op.name}' (needed by jacobian/hessian)`);
      const out = rule(ins, flags, e.attrs);
      const want = [n, ...g.shapes[e.out]];
      if (!sameShape(out.shape, want)) fail('ERR_RULE', e.op.name, `batching rule returned ${fmtShape(out.shape)}, expected ${fmtShape(want)}`);
      env[e.out] = out;
      isB[e.out] = 1;
    }
    const outs = g.outputs.map((v) => (isB[v] ? env[v] : broadcastTo(env[v], [n, ...g.shapes[v]])));
    return compact(tr.finish(outs));
  } finally {
    tr.close();
  }
}
