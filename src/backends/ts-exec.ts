// The planned TS executor: runs a planned graph with size-1 values in one register file, so a
// scalar-heavy program (W3: ~10⁵ 0-d equations) costs one table call per equation instead of a
// kernel call with buffers. Arrays go through the ops' kernels as in the interpreter.
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape } from '../core/shape.js';
import { eqnAllocationError } from './ts.js';

type Run = (inputs: readonly Float64Array[]) => Float64Array[];
const SCALAR1 = 1, SCALAR2 = 2, SCALAR3 = 3, KERNEL = 0;

export function executor(g: Graph): Run {
  const n = g.eqns.length;
  const isScalar = g.shapes.map((s) => sizeOf(s) === 1);
  const kind = new Uint8Array(n);
  const args = new Int32Array(n * 3);
  const fns: ((...x: number[]) => number)[] = new Array(n);
  g.eqns.forEach((e, k) => {
    const scalarEqn = e.op.scalar && isScalar[e.out] && e.ins.every((i) => isScalar[i]) && e.ins.length <= 3;
    if (scalarEqn) {
      kind[k] = e.ins.length;
      fns[k] = e.op.scalar!;
      e.ins.forEach((i, j) => { args[3 * k + j] = i; });
    } else kind[k] = KERNEL;
  });
  const inShapes = g.eqns.map((e) => e.ins.map((i) => g.shapes[i]));
  const constData = [...g.consts];

  return (inputs) => {
    if (inputs.length !== g.inputs.length) fail('ERR_ARG', 'run', `expected ${g.inputs.length} inputs but received ${inputs.length}`);
    const R = new Float64Array(g.nvars);
    const env: (Float64Array | undefined)[] = new Array(g.nvars);
    g.inputs.forEach((v, k) => {
      const x = inputs[k];
      if (x.length !== sizeOf(g.shapes[v])) fail('ERR_SHAPE', 'run', `input ${k}: expected ${fmtShape(g.shapes[v])} but received ${x.length} values`);
      if (isScalar[v]) R[v] = x[0]; else env[v] = x;
    });
    for (const [v, t] of constData) { if (isScalar[v]) R[v] = t._data![0]; else env[v] = t._data!; }
    const arr = (i: number) => (isScalar[i] ? Float64Array.of(R[i]) : env[i]!);
    let k = 0;
    try {
      for (; k < n; k++) {
        const o = g.eqns[k].out;
        switch (kind[k]) {
          case SCALAR1: R[o] = fns[k](R[args[3 * k]]); break;
          case SCALAR2: R[o] = fns[k](R[args[3 * k]], R[args[3 * k + 1]]); break;
          case SCALAR3: R[o] = fns[k](R[args[3 * k]], R[args[3 * k + 1]], R[args[3 * k + 2]]); break;
          default: {
            const e = g.eqns[k];
            const y = e.op.kernel(e.ins.map(arr), inShapes[k], g.shapes[o], e.attrs);
            if (isScalar[o]) R[o] = y[0]; else env[o] = y;
          }
        }
      }
    } catch (err) { throw eqnAllocationError(err, g, g.eqns[k]); }
    // outputs never alias caller-owned inputs (views and reshapes share memory)
    const inBuffers = new Set(inputs.map((x) => x.buffer));
    return g.outputs.map((v) => (isScalar[v] ? Float64Array.of(R[v]) : inBuffers.has(env[v]!.buffer) ? env[v]!.slice() : env[v]!));
  };
}
