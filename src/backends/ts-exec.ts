// The planned TS executor: runs a planned graph with size-1 values in one register file, so a
// scalar-heavy program (W3: ~10⁵ 0-d equations) costs one scalar call per equation instead of a
// kernel call with buffers. Arrays go through the ops' kernels as in the interpreter; loops run
// their planned body in place (ts-step.ts, ts-loop.ts).
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape } from '../core/shape.js';
import { machineOf, type Env } from './ts-step.js';

type Run = (inputs: readonly Float64Array[]) => Float64Array[];

export function executor(g: Graph): Run {
  const m = machineOf(g), isScalar = m.isScalar;
  const inSizes = g.inputs.map((v) => sizeOf(g.shapes[v]));
  return (inputs) => {
    if (inputs.length !== g.inputs.length) fail('ERR_ARG', 'run', `expected ${g.inputs.length} inputs but received ${inputs.length}`);
    const R = new Float64Array(g.nvars);
    const E: Env = new Array(g.nvars);
    g.inputs.forEach((v, k) => {
      const x = inputs[k];
      if (x.length !== inSizes[k]) fail('ERR_SHAPE', 'run', `input ${k}: expected ${fmtShape(g.shapes[v])} but received ${x.length} values`);
      if (isScalar[v]) R[v] = x[0]; else E[v] = x;
    });
    m.load(R, E);
    m.step(R, E);
    // outputs never alias caller-owned inputs (views and reshapes share memory)
    const inBuffers = new Set(inputs.map((x) => x.buffer));
    return g.outputs.map((v) => (isScalar[v] ? Float64Array.of(R[v]) : inBuffers.has(E[v]!.buffer) ? E[v]!.slice() : E[v]!));
  };
}
