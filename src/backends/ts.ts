// The TS interpreter: runs a Graph equation by equation with each op's reference kernel.
// Simple and obviously correct — the oracle the native backend is checked against.
import type { Eqn, Graph } from '../core/graph.js';
import { fail, allocationError } from '../core/errors.js';
import { evalKernels } from '../core/eval.js';
import { sizeOf, fmtShape } from '../core/shape.js';

/** A kernel's failed allocation as ERR_SHAPE naming the equation (never a bare RangeError). */
export function eqnAllocationError(err: unknown, g: Graph, e: Eqn): unknown {
  const shape = g.shapes[e.out];
  const eqn = `%${e.out} = ${e.op.name} ${e.ins.map((v) => `%${v}:${fmtShape(g.shapes[v])}`).join(' ')}`;
  return allocationError(err, e.op.name, fmtShape(shape), sizeOf(shape), ` (${eqn})`);
}

export function interpret(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  if (inputs.length !== g.inputs.length) fail('ERR_ARG', 'interpret', `expected ${g.inputs.length} inputs but received ${inputs.length}`);
  g.inputs.forEach((v, k) => {
    if (inputs[k].length !== sizeOf(g.shapes[v])) fail('ERR_SHAPE', 'interpret', `input ${k}: expected ${fmtShape(g.shapes[v])} but received ${inputs[k].length} values`);
  });
  const outs = evalKernels(g, inputs, (err, e) => eqnAllocationError(err, g, e));
  // outputs never alias caller-owned inputs (views and reshapes share memory)
  const inBuffers = new Set(inputs.map((x) => x.buffer));
  return outs.map((o) => (inBuffers.has(o.buffer) ? o.slice() : o));
}
