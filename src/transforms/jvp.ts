// Forward mode as a program transformation: re-emit each forward equation and, next to it, its
// JVP rule applied to the input tangents (written in wengert ops), giving one Graph with both.
import type { Graph } from '../core/graph.js';
import { Trace, apply } from '../core/trace.js';
import type { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { walk } from '../core/eval.js';
import { broadcastTo } from '../ops/broadcastTo.js';

/**
 * JVP graph of g. Inputs: g's inputs, then one tangent per input listed in `withTangent`.
 * Outputs: g's outputs, then one tangent per output (zeros where it does not depend on them).
 */
export function jvpGraph(g: Graph, withTangent: readonly number[]): Graph {
  const tr = new Trace();
  try {
    const tan: (Tensor | null)[] = new Array(g.nvars).fill(null);
    const inputs = g.inputs.map((v, k) => tr.input(g.shapes[v], null, g.labels[v] ?? `in${k}`));
    for (const k of withTangent) {
      const v = g.inputs[k];
      tan[v] = tr.input(g.shapes[v], null, `tan.${g.labels[v] ?? `in${k}`}`);
    }
    // each equation's value, and next to it its tangent (null: structurally zero)
    const env = walk(g, inputs, (t) => t, (e, ins) => {
      const ts = e.ins.map((i) => tan[i]);
      if (e.op.nondiff || ts.every((t) => !t)) return apply(e.op, ins, e.attrs);
      let out: Tensor, t: Tensor | null;
      if (e.op.jvpJoint) [out, t] = e.op.jvpJoint(ins, ts, e.attrs);
      else {
        const rule = e.op.jvp ?? fail('ERR_NO_RULE', e.op.name, `no forward-mode rule for op '${e.op.name}'; supply one with w.customJvp`);
        out = apply(e.op, ins, e.attrs);
        t = rule(ts, { ins, out, attrs: e.attrs });
      }
      if (t && !sameShape(t.shape, g.shapes[e.out])) {
        fail('ERR_RULE', e.op.name, `JVP rule returned a tangent of shape ${fmtShape(t.shape)}, expected ${fmtShape(g.shapes[e.out])}`);
      }
      tan[e.out] = t;
      return out;
    });
    const touts = g.outputs.map((v) => tan[v] ?? broadcastTo(0, [...g.shapes[v]]));
    return compact(tr.finish([...g.outputs.map((v) => env[v]), ...touts]));
  } finally {
    tr.close();
  }
}
