// The TS interpreter: runs a Graph equation by equation with each op's reference kernel.
// Simple and obviously correct — the oracle the native backend is checked against.
import type { Eqn, Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape } from '../core/shape.js';

/** RangeErrors V8 throws for a typed array (or array) it cannot make: too long, or no memory */
const NO_ARRAY = /^(Invalid typed array length|Array buffer allocation failed|Invalid array length)/;

/** 34359738392 → "32 GiB" (3 significant digits) */
function fmtBytes(b: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let u = 0;
  while (b >= 1024 && u < units.length - 1) { b /= 1024; u++; }
  return `${Number(b.toPrecision(3))} ${units[u]}`;
}

/**
 * A kernel's allocation that failed becomes ERR_SHAPE naming the equation and what its output
 * needs (never a bare RangeError); any other error passes through unchanged.
 */
export function allocationError(err: unknown, g: Graph, e: Eqn): unknown {
  if (!(err instanceof RangeError) || !NO_ARRAY.test(err.message)) return err;
  const shape = g.shapes[e.out], n = sizeOf(shape);
  const why = /allocation failed/.test(err.message) ? 'and allocating it failed' : 'more than a Float64Array can hold';
  const eqn = `%${e.out} = ${e.op.name} ${e.ins.map((v) => `%${v}:${fmtShape(g.shapes[v])}`).join(' ')}`;
  try { fail('ERR_SHAPE', e.op.name, `${fmtShape(shape)} needs ${fmtBytes(8 * n)}, ${why} (${eqn})`); } catch (wrapped) { return wrapped; }
  return err;
}

export function interpret(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  if (inputs.length !== g.inputs.length) fail('ERR_ARG', 'interpret', `expected ${g.inputs.length} inputs but received ${inputs.length}`);
  const env: (Float64Array | undefined)[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => {
    if (inputs[k].length !== sizeOf(g.shapes[v])) fail('ERR_SHAPE', 'interpret', `input ${k}: expected ${fmtShape(g.shapes[v])} but received ${inputs[k].length} values`);
    env[v] = inputs[k];
  });
  for (const [v, t] of g.consts) env[v] = t._data!;
  for (const e of g.eqns) {
    try {
      env[e.out] = e.op.kernel(e.ins.map((i) => env[i]!), e.ins.map((i) => g.shapes[i]), g.shapes[e.out], e.attrs);
    } catch (err) { throw allocationError(err, g, e); }
  }
  // outputs never alias caller-owned inputs (views and reshapes share memory)
  const inBuffers = new Set(inputs.map((x) => x.buffer));
  return g.outputs.map((v) => (inBuffers.has(env[v]!.buffer) ? env[v]!.slice() : env[v]!));
}
