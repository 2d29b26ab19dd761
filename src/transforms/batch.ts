// Batching (vmap over a leading direction axis) as a program transformation: inputs marked
// batched get shape [N, ...]; each equation with a batched operand is re-emitted through its op's
// batching rule, so N directions (Jacobian columns or rows) run as ONE program.
import type { Graph } from '../core/graph.js';
import { Trace, apply } from '../core/trace.js';
import type { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { walk } from '../core/eval.js';
import { broadcastTo } from '../ops/broadcastTo.js';

/** Batched version of g: input k has shape [n, ...] when batched[k]; every output gets [n, ...]. */
export function batchGraph(g: Graph, batched: readonly boolean[], n: number): Graph {
  const tr = new Trace();
  try {
    const isB = new Uint8Array(g.nvars);
    g.inputs.forEach((v, k) => { isB[v] = batched[k] ? 1 : 0; });
    const inputs = g.inputs.map((v, k) => tr.input(batched[k] ? [n, ...g.shapes[v]] : g.shapes[v], null, g.labels[v] ?? `in${k}`));
    const env = walk(g, inputs, (t) => t, (e, ins) => {
      const flags = e.ins.map((i) => !!isB[i]);
      if (!flags.some((f) => f)) return apply(e.op, ins, e.attrs);
      const rule = e.op.batch ?? fail('ERR_NO_RULE', e.op.name, `no batching rule for op '${e.op.name}' (needed by jacobian/hessian, vmap)`);
      const out = rule(ins, flags, e.attrs);
      const want = [n, ...g.shapes[e.out]];
      if (!sameShape(out.shape, want)) fail('ERR_RULE', e.op.name, `batching rule returned ${fmtShape(out.shape)}, expected ${fmtShape(want)}`);
      isB[e.out] = 1;
      return out;
    });
    const outs = g.outputs.map((v) => (isB[v] ? env[v] : broadcastTo(env[v], [n, ...g.shapes[v]])));
    return compact(tr.finish(outs));
  } finally {
    tr.close();
  }
}
