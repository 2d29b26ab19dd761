// compile records f twice on the same inputs: a pure f gives the same program both times. A
// difference means f depends on something other than its arguments (Math.random(), a clock, state
// it changes), which a compiled program would silently freeze at its first value.
import type { Graph } from '../core/graph.js';
import type { Tensor } from '../core/tensor.js';
import { fmtShape, sameShape } from '../core/shape.js';
import { fmtNum } from '../core/format.js';

/** A description of the first difference between two recordings, or null when they are the same program. */
export function firstDifference(a: Graph, b: Graph): string | null {
  if (a.inputs.length !== b.inputs.length) return `the number of inputs changed from ${a.inputs.length} to ${b.inputs.length}`;
  const n = Math.min(a.eqns.length, b.eqns.length);
  for (let k = 0; k < n; k++) {
    const x = a.eqns[k], y = b.eqns[k];
    const at = `equation ${k} (%${x.out} = ${x.op.name})`;
    if (x.op !== y.op) return `${at} became ${y.op.name}`;
    if (x.out !== y.out || x.ins.length !== y.ins.length || x.ins.some((i, j) => i !== y.ins[j])) return `${at} reads other operands`;
    if (!sameShape(a.shapes[x.out], b.shapes[y.out])) return `${at} changed shape from ${fmtShape(a.shapes[x.out])} to ${fmtShape(b.shapes[y.out])}`;
    if (!sameAttrs(x.op, x.attrs, y.attrs)) return `${at} changed its attributes`;
    for (const v of x.ins) {
      const d = constDifference(a.consts.get(v), b.consts.get(v));
      if (d) return `constant %${v} read by ${at} ${d}`;
    }
  }
  if (a.eqns.length !== b.eqns.length) return `the number of equations changed from ${a.eqns.length} to ${b.eqns.length}`;
  if (a.outputs.length !== b.outputs.length || a.outputs.some((v, k) => v !== b.outputs[k])) return 'the outputs changed';
  for (const v of a.outputs) {
    const d = constDifference(a.consts.get(v), b.consts.get(v));
    if (d) return `the constant output %${v} ${d}`;
  }
  if (a.guards.length !== b.guards.length) return `the number of values read changed from ${a.guards.length} to ${b.guards.length}`;
  for (let k = 0; k < a.guards.length; k++) {
    const x = a.guards[k], y = b.guards[k];
    if (x.v !== y.v || !sameBits(x.value, y.value)) return `value read ${k}${x.site ? ` at ${x.site}` : ''} changed`;
  }
  return null;
}

function sameAttrs(op: Graph['eqns'][number]['op'], x: unknown, y: unknown): boolean {
  if (x === y) return true;
  if (op.attrKey) return op.attrKey(x) === op.attrKey(y);
  return JSON.stringify(x) === JSON.stringify(y);
}

/** how a constant changed between the recordings ('' when it did not) */
function constDifference(x: Tensor | undefined, y: Tensor | undefined): string {
  if (x === y) return '';
  if (!x || !y) return 'appeared or disappeared';
  if (!sameShape(x.shape, y.shape)) return `changed shape from ${fmtShape(x.shape)} to ${fmtShape(y.shape)}`;
  if (sameBits(x._data!, y._data!)) return '';
  const i = x._data!.findIndex((v, j) => !Object.is(v, y._data![j]));
  return x.size === 1 ? `was ${fmtNum(x._data![0])} then ${fmtNum(y._data![0])}`
    : `changed (element ${i}: ${fmtNum(x._data![i])} then ${fmtNum(y._data![i])})`;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const wa = new Uint32Array(a.buffer, a.byteOffset, 2 * a.length), wb = new Uint32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
}
