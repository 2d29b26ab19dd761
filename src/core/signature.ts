// A graph's structural signature: ops, attributes, wiring, input shapes and constants. Two traces
// with equal signatures denote the same program, so derivative graphs (and native programs) can be
// reused. Small constants count by value; large ones by identity (tensors are immutable).
import type { Graph } from './graph.js';
import type { Tensor } from './tensor.js';
import { opNumber } from './tape.js';

const SMALL_CONST = 64;
const tensorIds = new WeakMap<Tensor, number>();
let nextTensorId = 1;
const attrIds = new Map<string, number>();
/** characters held by attrIds' keys: the table is cleared past attrBudget (custom-call keys hold whole body signatures) */
let attrChars = 0;
let attrBudget = 8_000_000;
/** @internal tests shrink the budget to see it enforced */
export const _setAttrBudget = (chars: number): void => { attrBudget = chars; };
/** bumped when attrIds is cleared (bounded), so keys made before can never equal keys made after */
let epoch = 0;

/** bytes the attribute-key table holds (bounded: tests check it) */
export const attrTableChars = (): number => attrChars;

/**
 * `key`: inputs, constants, attributes, outputs and the caller's extra numbers; `eqns`: the
 * equations' op numbers, operand starts, operands and outputs (for a recording, views of its tape:
 * nothing proportional to the recording is copied).
 */
export interface Signature { readonly hash: number; readonly key: Float64Array; readonly eqns: readonly Int32Array[] }

export function signature(g: Graph, extra: readonly number[] = []): Signature {
  // a key must not mix attribute ids from before and after a clear of the table
  for (;;) {
    const before = epoch;
    const sig = build(g, extra);
    if (epoch === before) return sig;
  }
}

/** a growable Float64Array (sized up front by build: fresh memory is slow to touch, copies of it more so) */
class Key {
  private a: Float64Array;
  private n = 0;
  constructor(capacity: number) { this.a = new Float64Array(Math.max(capacity, 16)); }
  push(...xs: number[]): void { for (let i = 0; i < xs.length; i++) this.one(xs[i]); }
  one(x: number): void {
    if (this.n === this.a.length) { const b = new Float64Array(2 * this.n); b.set(this.a); this.a = b; }
    this.a[this.n++] = x;
  }
  done(): Float64Array { return this.n === this.a.length ? this.a : this.a.slice(0, this.n); }
}

/** words the constants add to a key (what build pushes for each) */
function constWords(g: Graph): number {
  let n = 0;
  g.consts.forEach((t) => { n += 2 + t.rank + (t.size <= SMALL_CONST ? t.size : 2); });
  return n;
}

function build(g: Graph, extra: readonly number[]): Signature {
  const k = new Key(8 + 6 * g.inputs.length + constWords(g) + g.outputs.length + extra.length + 2 * (g.tape.raw()?.attrs.size ?? 0));
  k.push(epoch, g.nvars, g.inputs.length);
  for (const v of g.inputs) { const s = g.shapeOf(v); k.push(v, s.length); for (const d of s) k.push(d); }
  k.push(g.consts.size);
  // forEach: no entry pair per constant (a loop reading a new constant each step makes thousands)
  g.consts.forEach((t, v) => {
    k.one(v); k.one(t.rank);
    for (let i = 0; i < t.rank; i++) k.one(t.shape[i]);
    const d = t._data!;
    if (t.size <= SMALL_CONST) for (let i = 0; i < d.length; i++) k.one(d[i]);
    else { k.one(-1); k.one(idOf(t)); }
  });
  const eqns = equations(g);
  const attrs = g.tape.raw()?.attrs ?? new Map(g.eqns.flatMap((e, j) => (e.attrs === undefined ? [] : [[j, e.attrs] as const])));
  k.one(attrs.size);
  for (const [j, a] of attrs) { const op = g.tape.op(j); k.one(j); k.one(attrId(op.attrKey ? op.attrKey(a) : a)); }
  k.push(g.outputs.length);
  for (const v of g.outputs) k.push(v);
  for (const x of extra) k.push(x);
  const key = k.done();
  return { hash: hashOf(key, eqns), key, eqns };
}

/** [op numbers (n), operand starts (n + 1), operands, outputs (n)]: views of a recording's tape, else built from the list */
function equations(g: Graph): Int32Array[] {
  const raw = g.tape.raw(), n = g.neqns;
  if (raw) {
    return [raw.ops.subarray(0, n), raw.starts.subarray(0, n + 1), raw.operands.subarray(0, raw.starts[n]), raw.outs.subarray(0, n)];
  }
  const eqns = g.eqns, ops = new Int32Array(n), starts = new Int32Array(n + 1), outs = new Int32Array(n);
  for (let j = 0; j < n; j++) { ops[j] = opNumber(eqns[j].op); starts[j + 1] = starts[j] + eqns[j].ins.length; outs[j] = eqns[j].out; }
  const operands = new Int32Array(starts[n]);
  for (let j = 0; j < n; j++) operands.set(eqns[j].ins, starts[j]);
  return [ops, starts, operands, outs];
}

/** the signature as text (loop and custom-call attributes identify their bodies by it) */
export const keyText = (sig: Signature): string => `${sig.key.join(',')}|${sig.eqns.map((a) => a.join(',')).join('|')}`;

function idOf(t: Tensor): number {
  let id = tensorIds.get(t);
  if (id === undefined) tensorIds.set(t, (id = nextTensorId++));
  return id;
}

function attrId(a: unknown): number {
  if (a === undefined) return -1;
  const s = typeof a === 'string' ? a : JSON.stringify(a);
  let id = attrIds.get(s);
  if (id === undefined) {
    if (attrIds.size >= 100_000 || attrChars + s.length > attrBudget) { attrIds.clear(); attrChars = 0; epoch++; }
    attrIds.set(s, (id = attrIds.size));
    attrChars += s.length;
  }
  return id;
}

/** long equation arrays are hashed on an even sample of their words (equal hashes are compared in full) */
const HASHED_WORDS = 4096;

function hashOf(key: Float64Array, eqns: readonly Int32Array[]): number {
  const words = new Uint32Array(key.buffer, key.byteOffset, key.length * 2);
  let h = 0x811c9dc5;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i], 0x01000193);
  for (const a of eqns) {
    const step = Math.max(1, Math.floor(a.length / HASHED_WORDS));
    h = Math.imul(h ^ a.length, 0x01000193);
    for (let i = 0; i < a.length; i += step) h = Math.imul(h ^ a[i], 0x01000193);
  }
  return h >>> 0;
}

/** Bitwise equality of two signatures (NaN constants compare equal to themselves). */
export function sameSignature(a: Signature, b: Signature): boolean {
  if (a.key.length !== b.key.length || a.eqns.length !== b.eqns.length) return false;
  const wa = new Uint32Array(a.key.buffer, a.key.byteOffset, a.key.length * 2), wb = new Uint32Array(b.key.buffer, b.key.byteOffset, b.key.length * 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  for (let j = 0; j < a.eqns.length; j++) {
    const x = a.eqns[j], y = b.eqns[j];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}
