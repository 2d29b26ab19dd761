import { fail, describe } from './errors.js';
import { type Shape, SCALAR_SHAPE, sizeOf, fmtShape, checkShape } from './shape.js';
import type { Trace } from './trace.js';

const ARITH_HINT = 'JS operators (+ - * / **) and Math.* do not work on tensors; use the wengert op ' +
  '(w.add, w.sub, w.mul, w.div, w.pow, w.neg, w.sin, ... or x.mul(y)); to read a value use t.item() or t.data()';

/**
 * An immutable float64 array with a shape. A concrete tensor holds its data; a tracer stands for
 * variable `_v` of an active trace and has only a shape until a value is read.
 */
export class Tensor {
  readonly shape: Shape;
  /** @internal */ readonly _data: Float64Array | null;
  /** @internal */ readonly _trace: Trace | null;
  /** @internal */ readonly _v: number;

  /** @internal use w.tensor() */
  constructor(shape: Shape, data: Float64Array | null, trace: Trace | null = null, v = -1) {
    // one shared 0-d shape: recording compares shapes by identity first
    this.shape = shape.length === 0 ? SCALAR_SHAPE : Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this._data = data;
    this._trace = trace;
    this._v = v;
  }
  /** the number of elements (computed: a recording makes one tensor per equation, so each field costs 8 bytes × equations) */
  get size(): number { return sizeOf(this.shape); }
  get dtype(): 'float64' { return 'float64'; }
  get rank(): number { return this.shape.length; }

  /** @internal concrete values (computed by the trace, and guarded, for a tracer) */
  _values(how: 'item' | 'data' | 'toArray'): Float64Array {
    return liveData(this, how) ?? this._trace!.read(this, how);
  }
  item(): number {
    if (this.size !== 1) fail('ERR_SHAPE', 'item', `expected a tensor of size 1 but received ${fmtShape(this.shape)}`);
    return this._values('item')[0];
  }
  data(): Float64Array { return this._values('data').slice(); }
  /** nested arrays (a number for 0-d) */
  toArray(): number | NestedArray { return nest(this._values('toArray'), this.shape); }

  toString(): string {
    if (!this._data) return `Tracer ${fmtShape(this.shape)} (%${this._v})`;
    if (isReleased(this)) return `Tensor ${fmtShape(this.shape)} (released)`;
    return `Tensor ${fmtShape(this.shape)} ${formatNested(this._data, this.shape)}`;
  }
  [Symbol.toPrimitive](hint: string): string {
    if (hint === 'string') return this.toString();
    return fail('ERR_ARG', 'Tensor', `cannot convert a Tensor to a primitive: ${ARITH_HINT}`);
  }
  valueOf(): never { return fail('ERR_ARG', 'Tensor', `cannot convert a Tensor to a number: ${ARITH_HINT}`); }
  toJSON(): number | NestedArray { return this.toArray(); }
}

// console.log prints the text form (util.inspect.custom, without importing node:util: the types
// need no @types/node)
Object.defineProperty(Tensor.prototype, Symbol.for('nodejs.util.inspect.custom'), {
  value(this: Tensor) { return this.toString(); }, writable: true, configurable: true,
});

/** A nested array of numbers: one tensor leaf. */
export interface NestedNumbers extends ReadonlyArray<number | NestedNumbers> {}
/** What every op accepts where it takes a tensor. */
export type TensorLike = Tensor | number | NestedNumbers | Float64Array | Float32Array;

/** nested arrays of numbers, as toArray returns them */
export type NestedArray = (number | NestedArray)[];

export const isTensor = (x: unknown): x is Tensor => x instanceof Tensor;

/**
 * Buffers of async results their owner may give back (w.release; src/backends/results.ts adds
 * them). A buffer a recording keeps (a captured constant) leaves the set: it is never released.
 */
export const releasable = new WeakSet<ArrayBufferLike>();

/** whether t's memory was given back (w.release): its array is detached (length 0) though t has elements */
export const isReleased = (t: Tensor): boolean => t._data !== null && t._data.length === 0 && t.size !== 0;
/** ERR_ARG: a released tensor was used */
export function released(op: string): never {
  return fail('ERR_ARG', op, 'this tensor was released (w.release): its memory was given back and it has no values');
}
/** t's concrete values (null for a tracer); ERR_ARG, naming op, for a released tensor */
export function liveData(t: Tensor, op: string): Float64Array | null {
  if (isReleased(t)) released(op);
  return t._data;
}

/** w.tensor(data, shape?): copies its input once. */
export function tensor(data: unknown, shape?: readonly number[]): Tensor {
  if (data instanceof Tensor) return shape ? data.reshape([...shape]) : data;
  let vals: Float64Array, sh: number[];
  if (typeof data === 'number') { vals = Float64Array.of(data); sh = []; }
  else if (data instanceof Float64Array || data instanceof Float32Array) { vals = Float64Array.from(data); sh = [data.length]; }
  else if (Array.isArray(data)) { sh = nestedShape(data); vals = new Float64Array(sizeOf(sh)); flattenInto(data, sh, 0, vals, 0); }
  else return fail('ERR_ARG', 'tensor', `expected a number, nested number array, Float64Array, Float32Array or Tensor but received ${describe(data)}`);
  if (shape !== undefined) {
    const s = checkShape('tensor', shape);
    if (sizeOf(s) !== vals.length) fail('ERR_SHAPE', 'tensor', `data of size ${vals.length} does not fit shape [${s.join(',')}]`);
    sh = s;
  }
  return new Tensor(sh, vals);
}

/** Convert anything tensor-like to a Tensor (numbers become 0-d). */
export function asTensor(x: unknown, op = 'tensor'): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number') return scalarTensor(x);
  if (typeof x === 'number' || Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array) return tensor(x);
  const hint = x === undefined ? ' (a missing argument, or a key missing from a pytree argument?)' : '';
  return fail('ERR_ARG', op, `expected a Tensor, number, nested number array or Float64Array but received ${describe(x)}${hint}`);
}

// JS numbers become shared 0-d tensors (immutable, so sharing is safe): recording `w.mul(dt, u)`
// in a loop then finds the same constant instead of making a new one each time
const scalars = new Map<number, Tensor>();
function scalarTensor(x: number): Tensor {
  if (Object.is(x, -0)) return new Tensor([], Float64Array.of(-0));
  let t = scalars.get(x);
  if (!t) {
    if (scalars.size >= 4096) scalars.clear();
    scalars.set(x, (t = new Tensor([], Float64Array.of(x))));
  }
  return t;
}

function nestedShape(a: readonly unknown[]): number[] {
  const sh: number[] = [a.length];
  let cur: unknown = a[0];
  while (Array.isArray(cur)) { sh.push(cur.length); cur = cur[0]; }
  return sh;
}

function flattenInto(a: unknown, sh: number[], depth: number, out: Float64Array, pos: number): number {
  if (depth === sh.length) {
    if (typeof a !== 'number') fail('ERR_ARG', 'tensor', `expected numbers in nested array but received ${describe(a)}`);
    out[pos] = a as number;
    return pos + 1;
  }
  if (!Array.isArray(a) || a.length !== sh[depth]) {
    fail('ERR_ARG', 'tensor', `ragged nested array: expected ${sh[depth]} elements at depth ${depth} but received ${describe(a)}`);
  }
  for (const x of a as unknown[]) pos = flattenInto(x, sh, depth + 1, out, pos);
  return pos;
}

/** Nested JS arrays (a number for 0-d) from row-major data. */
export function nest(d: Float64Array, shape: Shape): any {
  if (shape.length === 0) return d[0];
  const rec = (off: number, k: number): any => {
    const n = shape[k];
    if (k === shape.length - 1) return Array.from(d.subarray(off, off + n));
    const step = sizeOf(shape.slice(k + 1));
    return Array.from({ length: n }, (_, i) => rec(off + i * step, k + 1));
  };
  return rec(0, 0);
}

const fmtNum = (x: number) => (Number.isInteger(x) && Math.abs(x) < 1e15 ? String(x) : x.toPrecision(6).replace(/\.?0+(e|$)/, '$1'));

function formatNested(d: Float64Array, shape: Shape): string {
  if (shape.length === 0) return fmtNum(d[0]);
  const max = 6;
  const rec = (off: number, k: number, indent: string): string => {
    const n = shape[k];
    const step = sizeOf(shape.slice(k + 1));
    const idx = n > max ? [0, 1, 2, -1, n - 2, n - 1] : Array.from({ length: n }, (_, i) => i);
    const parts = idx.map((i) => (i < 0 ? '…' : k === shape.length - 1 ? fmtNum(d[off + i]) : rec(off + i * step, k + 1, indent + ' ')));
    return k === shape.length - 1 ? `[${parts.join(', ')}]` : `[${parts.join(',\n' + indent + ' ')}]`;
  };
  return rec(0, 0, '');
}
