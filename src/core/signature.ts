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

export interface Signature { readonly hash: number; readonly key: Float64Array }

export function signature(g: Graph, extra: readonly number[] = []): Signature {
  // a key must not mix attribute ids from before and after a clear of the table
  for (;;) {
    const before = epoch;
    const sig = build(g, extra);
    if (epoch === before) return sig;
  }
}

/** a growable Float64Array (a recording's key has a few numbers per equation: tens of thousands) */
class Key {
  a = new Float64Array(1024);
  n = 0;
  push(...xs: number[]): void { for (let i = 0; i < xs.length; i++) this.one(xs[i]); }
  one(x: number): void {
    if (this.n === this.a.length) this.room(1);
    this.a[this.n++] = x;
  }
  /** capacity for m more numbers */
  room(m: number): void {
    if (this.n + m <= this.a.length) return;
    const b = new Float64Array(Math.max(2 * this.a.length, this.n + m));
    b.set(this.a);
    this.a = b;
  }
  done(): Float64Array { return this.a.slice(0, this.n); }
}

function build(g: Graph, extra: readonly number[]): Signature {
  const k = new Key();
  k.push(epoch, g.nvars, g.inputs.length);
  for (const v of g.inputs) { const s = g.shapeOf(v); k.push(v, s.length); for (const d of s) k.push(d); }
  k.push(g.consts.size);
  for (const [v, t] of g.consts) {
    k.one(v); k.one(t.rank);
    for (let i = 0; i < t.rank; i++) k.one(t.shape[i]);
    const d = t._data!;
    if (t.size <= SMALL_CONST) for (let i = 0; i < d.length; i++) k.one(d[i]);
    else { k.one(-1); k.one(idOf(t)); }
  }
  equations(k, g);
  k.push(g.outputs.length);
  for (const v of g.outputs) k.push(v);
  for (const x of extra) k.push(x);
  const key = k.done();
  return { hash: hashOf(key), key };
}

/**
 * The equations as [n, op numbers (n), operand starts (n + 1), operands, outputs (n), attributed
 * equations and their attribute ids]: copied array by array from a recording's tape (no pass per
 * equation in JS), built equation by equation from a list in the same layout.
 */
function equations(k: Key, g: Graph): void {
  const raw = g.tape.raw(), n = g.neqns;
  k.one(n);
  if (raw) {
    const m = raw.starts[n];
    k.room(3 * n + 1 + m);
    k.a.set(raw.ops.subarray(0, n), k.n);
    k.a.set(raw.starts.subarray(0, n + 1), k.n + n);
    k.a.set(raw.operands.subarray(0, m), k.n + 2 * n + 1);
    k.a.set(raw.outs.subarray(0, n), k.n + 2 * n + 1 + m);
    k.n += 3 * n + 1 + m;
  } else {
    const eqns = g.eqns;
    for (const e of eqns) k.one(opNumber(e.op));
    let at = 0;
    k.one(0);
    for (const e of eqns) k.one((at += e.ins.length));
    for (const e of eqns) for (const i of e.ins) k.one(i);
    for (const e of eqns) k.one(e.out);
  }
  const attrs = raw ? raw.attrs : new Map(g.eqns.flatMap((e, j) => (e.attrs === undefined ? [] : [[j, e.attrs] as const])));
  k.one(attrs.size);
  for (const [j, a] of attrs) { const op = g.tape.op(j); k.one(j); k.one(attrId(op.attrKey ? op.attrKey(a) : a)); }
}

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

/** keys longer than this are hashed on an even sample of their words (equal hashes are compared in full) */
const HASHED_WORDS = 8192;

function hashOf(key: Float64Array): number {
  const words = new Uint32Array(key.buffer, key.byteOffset, key.length * 2);
  const step = Math.max(1, Math.floor(words.length / HASHED_WORDS));
  let h = Math.imul(0x811c9dc5 ^ words.length, 0x01000193);
  for (let i = 0; i < words.length; i += step) h = Math.imul(h ^ words[i], 0x01000193);
  return h >>> 0;
}

/** Bitwise equality of two keys (NaN constants compare equal to themselves). */
export function sameKey(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  const wa = new Uint32Array(a.buffer, a.byteOffset, a.length * 2), wb = new Uint32Array(b.buffer, b.byteOffset, b.length * 2);
  for (let i = 0; i < wa.length; i++) if (wa[i] !== wb[i]) return false;
  return true;
}
