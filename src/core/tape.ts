// A graph's equations as a recording appends them: struct-of-arrays (typed arrays for ops,
// operands and outputs; attributes only where defined), so recording a 60 000-equation loop keeps
// no object per equation for the garbage collector to copy and stores no pointer per equation. `list()` materializes the Eqn objects once, on the
// first reader that wants them (after that the list is the store and appends go to it); re-rolling,
// the purity check and value reads walk the typed arrays directly (the `op`, `ins`, `out` accessors).
import type { Eqn } from './graph.js';
import type { OpDef } from './op.js';
import { SCALAR_SHAPE, type Shape } from './shape.js';

/** growth factor of the typed arrays (few reallocations: each large one is an ArrayBuffer the GC accounts for) */
const GROW = 4;

/** registered ops by id, and ops outside the registry (id −1) by their number −1 − index */
const byId: OpDef[] = [];
const unregistered: OpDef[] = [];

/** the number a tape stores for op: its registry id, or a negative number for an op outside the registry */
export function opNumber(op: OpDef): number {
  if (op.id >= 0) { byId[op.id] = op; return op.id; }
  let i = unregistered.indexOf(op);
  if (i < 0) i = unregistered.push(op) - 1;
  return -1 - i;
}
const opOfNumber = (n: number): OpDef => (n >= 0 ? byId[n] : unregistered[-1 - n]);

/** a tape's arrays (read-only): equation k is op number ops[k] reading operands[starts[k] .. starts[k + 1]) into outs[k] */
export interface RawTape {
  readonly n: number;
  readonly ops: Int32Array;
  readonly starts: Int32Array;
  readonly operands: Int32Array;
  readonly outs: Int32Array;
  /** attributes of the equations that have them, by equation index */
  readonly attrs: ReadonlyMap<number, unknown>;
  /** core/eqn-hash.ts's structural hash of each equation without attributes (as recorded) */
  readonly hashes: Int32Array;
  /** 1 + the index of the equation making each variable, 0 for inputs and constants (at least nvars long), when the recording handed it over */
  readonly made: Int32Array | null;
}

export class Tape {
  /** equations appended so far */
  n = 0;
  private ops: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** attributes of the equations that have them */
  private attrsOf = new Map<number, unknown>();
  private outs: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** operands of equation k: operands[starts[k] .. starts[k + 1]) */
  private starts: Int32Array<ArrayBuffer> = new Int32Array(65);
  private operands: Int32Array<ArrayBuffer> = new Int32Array(128);
  private hashes: Int32Array<ArrayBuffer> = new Int32Array(64);
  private made: Int32Array | null = null;
  /** the materialized equations (then the only store) */
  private eqns: Eqn[] | null = null;

  /** a tape holding an existing list (the list is the store) */
  static of(eqns: Eqn[]): Tape {
    const t = new Tape();
    t.eqns = eqns;
    return t;
  }

  get size(): number { return this.eqns === null ? this.n : this.eqns.length; }

  /** appends `out = op(ins[0..nIns))`; `hash`: its structural hash (core/eqn-hash.ts; any number when attrs are given) */
  push(op: OpDef, ins: ArrayLike<number>, nIns: number, out: number, attrs: unknown, hash: number): void {
    if (this.eqns !== null) { this.eqns.push({ op, ins: Array.from({ length: nIns }, (_, i) => ins[i]), out, attrs }); return; }
    const k = this.n, at = this.starts[k];
    if (k + 1 >= this.outs.length || at + nIns > this.operands.length) this.grow(k + 1, at + nIns);
    const id = op.id >= 0 && byId[op.id] === op ? op.id : opNumber(op);
    for (let i = 0; i < nIns; i++) this.operands[at + i] = ins[i];
    this.starts[k + 1] = at + nIns;
    this.outs[k] = out;
    this.ops[k] = id;
    this.hashes[k] = hash;
    if (attrs !== undefined) this.attrsOf.set(k, attrs);
    this.n = k + 1;
  }

  /** room for `eqns` equations (starts: one more) and `operands` operands, each array grown GROW× when short */
  private grow(eqns: number, operands: number): void {
    if (eqns >= this.outs.length) {
      this.outs = widen(this.outs, GROW * eqns);
      this.ops = widen(this.ops, this.outs.length);
      this.starts = widen(this.starts, this.outs.length + 1);
      this.hashes = widen(this.hashes, this.outs.length);
    }
    if (operands > this.operands.length) this.operands = widen(this.operands, GROW * operands);
  }

  op(k: number): OpDef { return this.eqns === null ? opOfNumber(this.ops[k]) : this.eqns[k].op; }
  attrs(k: number): unknown { return this.eqns === null ? (this.attrsOf.size === 0 ? undefined : this.attrsOf.get(k)) : this.eqns[k].attrs; }
  out(k: number): number { return this.eqns === null ? this.outs[k] : this.eqns[k].out; }
  nIns(k: number): number { return this.eqns === null ? this.starts[k + 1] - this.starts[k] : this.eqns[k].ins.length; }
  /** operand o of equation k */
  in(k: number, o: number): number { return this.eqns === null ? this.operands[this.starts[k] + o] : this.eqns[k].ins[o]; }

  /** equation k as an object (the stored one once materialized, else a fresh copy) */
  eqn(k: number): Eqn {
    if (this.eqns !== null) return this.eqns[k];
    const s = this.starts[k], e = this.starts[k + 1];
    return { op: opOfNumber(this.ops[k]), ins: Array.from(this.operands.subarray(s, e)), out: this.outs[k], attrs: this.attrs(k) };
  }

  /** the arrays while the tape is not materialized (passes over a long recording read them directly), else null */
  raw(): RawTape | null {
    if (this.eqns !== null) return null;
    return { n: this.n, ops: this.ops, starts: this.starts, operands: this.operands, outs: this.outs, attrs: this.attrsOf, hashes: this.hashes, made: this.made };
  }

  /** the recording's map of variables to the equations making them (see RawTape.made), kept while the tape is not materialized */
  setMade(made: Int32Array): void { if (this.eqns === null) this.made = made; }

  /** the equations as objects (materialized on the first call; the list is the store from then on) */
  list(): Eqn[] {
    if (this.eqns === null) {
      const eqns = new Array<Eqn>(this.n);
      for (let k = 0; k < this.n; k++) eqns[k] = this.eqn(k);
      this.eqns = eqns;
      this.attrsOf = new Map();
      this.ops = this.outs = this.starts = this.operands = this.hashes = new Int32Array(0);
      this.made = null;
    }
    return this.eqns;
  }
}

/** a copy of a, n long */
export function widen(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/**
 * The shapes of a graph's variables as a recording numbers them: a shape number per variable
 * (typed) and each distinct shape object once; `array()` materializes the list like Tape.list().
 */
export class ShapeStore {
  private n = 0;
  private ids: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** seeded with the shared 0-d shape: the array holds objects from the start (an empty one would change its kind at the first push) */
  private distinct: Shape[] = [SCALAR_SHAPE];
  private numbers = new Map<Shape, number>([[SCALAR_SHAPE, 0]]);
  private arr: Shape[] | null = null;

  static of(arr: Shape[]): ShapeStore {
    const s = new ShapeStore();
    s.arr = arr;
    return s;
  }

  get size(): number { return this.arr === null ? this.n : this.arr.length; }
  get(v: number): Shape { return this.arr === null ? this.distinct[this.ids[v]] : this.arr[v]; }

  /** room for n variables without growing (a recording that repeats one of known size) */
  reserve(n: number): void { if (this.arr === null && n > this.ids.length) this.ids = widen(this.ids, n); }

  /** appends a variable of shape s; returns its number */
  push(s: Shape): number {
    if (this.arr !== null) return this.arr.push(s) - 1;
    const v = this.n;
    if (v === this.ids.length) this.ids = widen(this.ids, GROW * v);
    const last = this.distinct.length - 1;
    let id = last >= 0 && this.distinct[last] === s ? last : this.numbers.get(s);
    if (id === undefined) { this.numbers.set(s, (id = this.distinct.length)); this.distinct.push(s); }
    this.ids[v] = id;
    this.n = v + 1;
    return v;
  }

  array(): Shape[] {
    if (this.arr === null) {
      const arr = new Array<Shape>(this.n);
      for (let v = 0; v < this.n; v++) arr[v] = this.distinct[this.ids[v]];
      this.arr = arr;
      this.distinct = []; this.numbers = new Map(); this.ids = new Int32Array(0);
    }
    return this.arr;
  }
}
