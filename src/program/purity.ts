// compile records f twice on the same inputs: a pure f gives the same program both times. A
// difference means f depends on something other than its arguments (Math.random(), a clock, state
// it changes), which a compiled program would silently freeze at its first value.
import type { Eqn, Graph } from '../core/graph.js';
import type { Repeat } from '../core/trace.js';
import { opNumber, type RawTape } from '../core/tape.js';
import type { Tensor } from '../core/tensor.js';
import { fmtShape, sameShape } from '../core/shape.js';
import { fmtNum } from '../core/format.js';

/** A description of the first difference between two recordings, or null when they are the same program. */
export function firstDifference(a: Graph, b: Graph): string | null {
  if (a.inputs.length !== b.inputs.length) return `the number of inputs changed from ${a.inputs.length} to ${b.inputs.length}`;
  const n = Math.min(a.eqns.length, b.eqns.length);
  for (let k = 0; k < n; k++) {
    const d = eqnDifference(a, k, b.tape.eqn(k), b);
    if (d) return d;
  }
  return endDifference(a, b, b.eqns.length);
}

/**
 * The purity check as a stream: `check` compares each equation of a second recording with the
 * first one's as it is recorded (throwing ERR_TRACE via `report`), `end` the rest once it finished.
 */
export function repeatOf(a: Graph, report: (diff: string) => never): Repeat & { end(b: Graph): void } {
  let count = 0;
  // constants of the second recording whose bits differ from the first's at the same variable: they
  // are compared once, when made, and an equation reading one takes the slow path (which names it)
  const changed = new Set<number>();
  const raw = a.tape.raw();
  return {
    graph: a,
    constant(v, t) { const c = a.consts.get(v); if (c !== t && constDifference(c, t)) changed.add(v); },
    check(k, op, ins, n, out, attrs, b) {
      count = k + 1;
      if (k >= a.neqns) report(`the number of equations changed from ${a.neqns} to more`);
      if (sameEqn(a, raw, k, op, ins, n, out, attrs, b, changed)) return;
      const d = eqnDifference(a, k, { op, ins: Array.from({ length: n }, (_, i) => ins[i]), out, attrs }, b);
      if (d) report(d);
    },
    end(b) {
      const d = a.inputs.length !== b.inputs.length ? `the number of inputs changed from ${a.inputs.length} to ${b.inputs.length}`
        : endDifference(a, b, count);
      if (d) report(d);
    },
  };
}

/**
 * the quick test: a's equation k is the same one, reading the same variables, none of them a changed
 * constant (the variables of both recordings are numbered alike up to k: a variable an equation made
 * in one was made by the same equation in the other, and constants were compared when made)
 */
function sameEqn(a: Graph, raw: RawTape | null, k: number, op: Eqn['op'], ins: ArrayLike<number>, n: number, out: number,
  attrs: unknown, b: Graph, changed: ReadonlySet<number>): boolean {
  if (raw === null) return sameListed(a, k, op, ins, n, out, attrs, b, changed);
  const at = raw.starts[k];
  if (raw.ops[k] !== opNumber(op) || raw.outs[k] !== out || raw.starts[k + 1] - at !== n) return false;
  if (attrs !== undefined || raw.attrs.size > 0) { if (!sameAttrs(op, raw.attrs.get(k), attrs)) return false; }
  for (let j = 0; j < n; j++) if (raw.operands[at + j] !== ins[j] || (changed.size > 0 && changed.has(ins[j]))) return false;
  const sa = a.shapeOf(out), sb = b.shapeOf(out);
  return sa === sb || sameShape(sa, sb);
}

/** sameEqn on a recording whose equations are listed as objects */
function sameListed(a: Graph, k: number, op: Eqn['op'], ins: ArrayLike<number>, n: number, out: number, attrs: unknown, b: Graph,
  changed: ReadonlySet<number>): boolean {
  const e = a.eqns[k];
  if (e.op !== op || e.out !== out || e.ins.length !== n || !sameAttrs(op, e.attrs, attrs)) return false;
  for (let j = 0; j < n; j++) if (e.ins[j] !== ins[j] || changed.has(ins[j])) return false;
  const sa = a.shapeOf(out), sb = b.shapeOf(out);
  return sa === sb || sameShape(sa, sb);
}

/** how equation y (number k of the second recording b) differs from a's k-th (null when equal) */
function eqnDifference(a: Graph, k: number, y: Eqn, b: Graph): string | null {
  const x = a.tape.eqn(k);
  const at = `equation ${k} (%${x.out} = ${x.op.name})`;   // built only once a difference is likely
  if (x.op !== y.op) return `${at} became ${y.op.name}`;
  let same = x.out === y.out && x.ins.length === y.ins.length;
  for (let j = 0; same && j < x.ins.length; j++) same = x.ins[j] === y.ins[j];
  if (!same) return `${at} reads other operands`;
  const sx = a.shapeOf(x.out), sy = b.shapeOf(y.out);
  if (sx !== sy && !sameShape(sx, sy)) return `${at} changed shape from ${fmtShape(sx)} to ${fmtShape(sy)}`;
  if (!sameAttrs(x.op, x.attrs, y.attrs)) return `${at} changed its attributes`;
  for (const v of x.ins) {
    const cx = a.consts.get(v), cy = b.consts.get(v);
    const d = cx === cy ? '' : constDifference(cx, cy);
    if (d) return `constant %${v} read by ${at} ${d}`;
  }
  return null;
}

/** differences after the equations: their number (b recorded `count`), the outputs, the values read */
function endDifference(a: Graph, b: Graph, count: number): string | null {
  if (a.neqns !== count) return `the number of equations changed from ${a.neqns} to ${count}`;
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

function sameAttrs(op: Eqn['op'], x: unknown, y: unknown): boolean {
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
  // numbers that print alike at 6 digits are shown in full
  const [p, q] = fmtNum(x._data![i]) === fmtNum(y._data![i]) ? [String(x._data![i]), String(y._data![i])] : [fmtNum(x._data![i]), fmtNum(y._data![i])];
  return x.size === 1 ? `was ${p} then ${q}` : `changed (element ${i}: ${p} then ${q})`;
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const wa = new Uint32Array(a.buffer, a.byteOffset, 2 * a.length), wb = new Uint32Array(b.buffer, b.byteOffset, 2 * b.length);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
}
