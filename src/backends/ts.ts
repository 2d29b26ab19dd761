// The TS interpreter: runs a Graph equation by equation with each op's reference kernel.
// Simple and obviously correct — the oracle the native backend is checked against.
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape } from '../core/shape.js';

export function interpret(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  if (inputs.length !== g.inputs.length) fail('ERR_ARG', 'interpret', `expected ${g.inputs.length} inputs but received ${inputs.length}`);
  const env: (Float64Array | undefined)[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => {
    if (inputs[k].length !== sizeOf(g.shapes[v])) fail('ERR_SHAPE', 'interpret', `input ${k}: expected ${fmtShape(g.shapes[v])} but received ${inputs[k].length} values`);
    env[v] = inputs[k];
  });
  for (const [v, t] of g.consts) env[v] = t._data!;
  for (const e of g.eqns) {
    env[e.out] = e.op.kernel(e.ins.map((i) => env[i]!), e.ins.map((i) => g.shapes[i]), g.shapes[e.out], e.attrs);
  }
  // outputs never alias caller-owned inputs (views and reshapes share memory)
  const inBuffers = new Set(inputs.map((x) => x.buffer));
  return g.outputs.map((v) => (inBuffers.has(env[v]!.buffer) ? env[v]!.slice() : env[v]!));
}
