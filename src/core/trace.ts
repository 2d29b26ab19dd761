import { Graph, type Guard, type Eqn } from './graph.js';
import { fail, allocationError } from './errors.js';
import { Tensor, liveData, releasable } from './tensor.js';
import { broadcastShapes, sameShape, fmtShape, sizeOf, type Shape } from './shape.js';
import type { OpDef } from './op.js';
import { widen, type Tape } from './tape.js';
import { opBase, opaqueHash, shapeHash, operandHash } from './eqn-hash.js';

let traceCounter = 0;
/** traces being recorded, innermost last */
const open: Trace[] = [];
export const currentTrace = (): Trace | undefined => open[open.length - 1];

/**
 * A recording that must repeat an earlier one (compile's purity check): each new equation is
 * handed to `check` (which throws on a difference) and not kept, so the second recording builds no
 * second list of equations; values read go through the earlier recording's (equal) equations.
 */
export interface Repeat {
  readonly graph: Graph;
  /** equation k of the new recording g (op, operand variables ins[0..n), output `out`, attributes) */
  check(k: number, op: OpDef, ins: ArrayLike<number>, n: number, out: number, attrs: unknown, g: Graph): void;
  /** the new recording made variable v a constant holding t (compared once, not at every reader) */
  constant(v: number, t: Tensor): void;
}

/**
 * Records the equations of one transformation into a Graph. Traces nest strictly (an inner
 * transformation finishes before the outer one goes on), so a later trace has a higher level.
 * An op records into the highest-level trace among its inputs; concrete tensors enter as
 * constants (by reference), tracers of an outer trace as captured inputs.
 */
export class Trace {
  readonly graph = new Graph();
  readonly level = ++traceCounter;
  /** false once closed (set twice in the constructor: see there) */
  active = false;
  /** set for loop bodies: the function that may not read values (ERR_TRACE) */
  readsForbiddenIn: string | undefined;
  /** value of each graph input: a concrete tensor, an outer tracer, or null when unknown */
  readonly bindings: (Tensor | null)[] = [];
  /** outer tracers captured as extra inputs (after the explicit ones), in order */
  readonly captures: Tensor[] = [];
  private readonly constIds = new Map<Tensor, number>();
  /** 0-d constants are shared by value (a Map keys numbers by SameValueZero: −0 gets its own slot, NaNs share one) */
  private readonly scalarIds = new Map<number, number>();
  private negZeroId = -1;
  private readonly captureIds = new Map<Tensor, number>();
  private memo: (Float64Array | undefined)[] = [];
  private evaluated = 0;
  /** 1 + the index of the equation producing each variable (0 for inputs and constants) */
  private producer: Int32Array<ArrayBuffer> = new Int32Array(64);
  /** equations recorded so far when repeating an earlier recording */
  private repeated = 0;
  /** operand variables of the equation being recorded (reused: the tape copies them) */
  private scratch = new Int32Array(8);
  /** equations whose output broadcasts a size-1 constant (only then can liftScalars change anything) */
  private broadcasts = 0;

  constructor(private readonly repeat?: Repeat) {
    this.active = true;   // written twice: V8 embeds a field written once as a constant, and close() would deopt the recording code
    open.push(this);
    if (repeat) {   // as many variables as the recording it repeats: no array grows
      const n = repeat.graph.nvars;
      this.graph.reserveVars(n);
      this.producer = new Int32Array(n + 1);
    }
  }
  /** no equation so far broadcasts a size-1 constant (so liftScalars has nothing to do) */
  get plain(): boolean { return this.broadcasts === 0; }

  /** End recording (idempotent); tracers of this trace can no longer be used. */
  close(): void {
    this.active = false;
    const i = open.lastIndexOf(this);
    if (i >= 0) open.splice(i, 1);
  }

  /** Whether tracer t of this trace is the output of an equation (not an input or a constant). */
  produced(t: Tensor): boolean { return t._trace === this && this.producerIndex(t._v) >= 0; }

  /** index of the equation producing variable v (-1 for inputs and constants) */
  private producerIndex(v: number): number { return v < this.producer.length ? this.producer[v] - 1 : -1; }

  /** the equations this trace's variables come from (an earlier recording's when repeating it) */
  private get store(): Tape { return this.repeat ? this.repeat.graph.tape : this.graph.tape; }

  /** A tracer for variable v of this trace (an equation's output). */
  tensorOf(v: number): Tensor { return new Tensor(this.graph.shapeOf(v), null, this, v); }

  /** The equation of this trace that produced tracer t (undefined for inputs, constants, other traces). */
  producerOf(t: Tensor): Eqn | undefined {
    const k = t._trace === this ? this.producerIndex(t._v) : -1;
    return k < 0 ? undefined : this.store.eqn(k);
  }

  /** The size-1 constant that tracer t broadcasts, if t is such a broadcast. */
  scalarBehind(t: Tensor): Tensor | undefined {
    const k = t._trace === this ? this.producerIndex(t._v) : -1;
    if (k < 0 || !this.store.op(k).recordConst) return undefined;
    const c = this.graph.consts.get(this.store.in(k, 0));
    return c && c.size === 1 ? c : undefined;
  }

  /**
   * Operands that are broadcasts of a 0-d constant are replaced by the constant itself when that
   * leaves the elementwise result's shape unchanged (so x·broadcast(1) simplifies to x and no
   * full-size constant is ever materialized).
   */
  liftScalars(op: string, ins: readonly Tensor[]): readonly Tensor[] | null {
    if (this.broadcasts === 0 || !ins.some((t) => this.scalarBehind(t))) return ins;
    let out: Tensor[] | null = null;
    const shape = broadcastShapes(op, ins.map((t) => t.shape));
    if (ins.every((t) => this.scalarBehind(t) || (t._data && t.size === 1)) && ins.some((t) => this.scalarBehind(t))) return null;
    for (let i = 0; i < ins.length; i++) {
      const c = this.scalarBehind(ins[i]);
      if (!c) continue;
      const trial: Tensor[] = (out ?? [...ins]).map((x, k) => (k === i ? c : x));
      if (sameShape(broadcastShapes(op, trial.map((x: Tensor) => x.shape)), shape)) out = trial;
    }
    return out ?? ins;
  }

  input(shape: Shape, binding: Tensor | null, label?: string): Tensor {
    const v = this.graph.newVar(shape, label);
    this.graph.inputs.push(v);
    this.bindings.push(binding);
    return new Tensor(shape, null, this, v);
  }

  /** varOf(t) for an op's operand: one function for every position, so its type feedback sees tracers and constants alike */
  private operand(t: Tensor): number { return t._trace === this ? t._v : this.varOf(t); }

  /** The variable standing for `t` in this trace. */
  varOf(t: Tensor): number {
    if (t._trace === this) return t._v;
    const d = liveData(t, 'record');
    if (d) {
      // a 0-d constant is found by its number alone (one lookup: a loop reading a new one each step makes thousands)
      const x = t.rank === 0 ? d[0] : undefined, negZero = Object.is(x, -0);
      let v = x === undefined ? this.constIds.get(t) : negZero ? (this.negZeroId < 0 ? undefined : this.negZeroId) : this.scalarIds.get(x);
      if (v !== undefined) return v;
      v = this.graph.newVar(t.shape);
      releasable.delete(d.buffer);  // the recording keeps it
      this.graph.consts.set(v, t);
      if (this.repeat) this.repeat.constant(v, t);
      if (x === undefined) this.constIds.set(t, v); else if (negZero) this.negZeroId = v; else this.scalarIds.set(x, v);
      return v;
    }
    let v = this.captureIds.get(t);
    if (v === undefined) {
      v = this.graph.newVar(t.shape, 'captured');
      this.graph.inputs.push(v);
      this.bindings.push(t);
      this.captures.push(t);
      this.captureIds.set(t, v);
    }
    return v;
  }

  record(op: OpDef, ins: readonly Tensor[], attrs: unknown, shape: Shape): Tensor {
    const n = ins.length;
    if (n > this.scratch.length) this.scratch = new Int32Array(2 * n);
    const ids = this.scratch;
    // the structural hash (core/eqn-hash.ts) of an equation without attributes; with them, re-rolling hashes it
    let h = attrs === undefined ? opBase(op) : 0, hashing = attrs === undefined && this.repeat === undefined;
    if (h !== h) { h = opaqueHash(this.graph.tape.size); hashing = false; } else if (hashing) h = shapeHash(shape, h, 0);
    for (let i = 0; i < n; i++) {
      const t = ins[i], v = (ids[i] = this.operand(t));
      if (hashing) h = operandHash(h, this.producerIndex(v) >= 0, t.shape);
    }
    return this.append(op, n, attrs, shape, h);
  }

  /** record(op, [a] or [a, b], undefined, shape) for an op without attributes (no operand array) */
  recordOperands(op: OpDef, a: Tensor, b: Tensor | null, shape: Shape): Tensor {
    const ids = this.scratch, base = opBase(op);
    if (base !== base) return this.record(op, b === null ? [a] : [a, b], undefined, shape);   // an opaque call
    const va = (ids[0] = this.operand(a)), vb = b === null ? -1 : (ids[1] = this.operand(b)), n = b === null ? 1 : 2;
    if (this.repeat !== undefined) return this.append(op, n, undefined, shape, 0);   // compared, not stored: no hash
    const h = operandHash(shapeHash(shape, base, 0), this.producerIndex(va) >= 0, a.shape);
    return this.append(op, n, undefined, shape, b === null ? h : operandHash(h, this.producerIndex(vb) >= 0, b.shape));
  }

  /** the equation `op(scratch[0..n))` with structural hash h (core/eqn-hash.ts), its output a new tracer */
  private append(op: OpDef, n: number, attrs: unknown, shape: Shape, h: number): Tensor {
    const g = this.graph, rep = this.repeat, ids = this.scratch, out = g.newVar(shape);
    let k: number;
    if (rep) { rep.check(k = this.repeated++, op, ids, n, out, attrs, g); } else { k = g.tape.size; g.tape.push(op, ids, n, out, attrs, h); }
    if (out >= this.producer.length) this.producer = widen(this.producer, Math.max(4 * out, 64));
    this.producer[out] = k + 1;
    if (op.recordConst !== undefined) this.broadcasts++;
    return new Tensor(shape, null, this, out);
  }

  /** Value of a tracer of this trace, read by user code: computed now and recorded as a guard. */
  read(t: Tensor, how: string): Float64Array {
    if (!this.active) fail('ERR_ARG', how, 'a tracer was used after its transformation ended (was it stored outside f?)');
    if (this.readsForbiddenIn) {
      fail('ERR_TRACE', how, `a ${this.readsForbiddenIn} body cannot read a value (${how}()): it is recorded once and runs for every ` +
        'iteration, so no single value exists. Use w.where(...) for data-dependent choices, or w.whileLoop for a data-dependent trip count');
    }
    const value = this.valueOf(t._v);
    const guard: Guard = { v: t._v, value: value.slice(), site: callSite() };
    this.graph.guards.push(guard);
    return value;
  }

  /** Evaluate the recorded prefix with the TS kernels (memoized) up to variable v. */
  valueOf(v: number): Float64Array {
    const g = this.graph;
    const have = this.memo[v];
    if (have) return have;
    const idx = g.inputs.indexOf(v);
    if (idx >= 0) {
      const b = this.bindings[idx];
      if (!b) return fail('ERR_ARG', 'read', 'the value of this input is not known while recording');
      return (this.memo[v] = liveData(b, 'read') ?? b._trace!.read(b, 'read'));
    }
    const c = g.consts.get(v);
    if (c) return (this.memo[v] = c._data!);
    const tape = this.store, n = this.repeat ? this.repeated : tape.size;
    while (!this.memo[v] && this.evaluated < n) {
      const e = tape.eqn(this.evaluated++);
      const vals = e.ins.map((i) => this.valueOf(i));
      this.memo[e.out] = e.op.kernel(vals, e.ins.map((i) => g.shapeOf(i)), g.shapeOf(e.out), e.attrs);
    }
    return this.memo[v] ?? fail('ERR_ARG', 'read', `variable %${v} is not part of this recording`);
  }

  finish(outputs: readonly Tensor[]): Graph {
    this.graph.outputs = outputs.map((t) => this.operand(t));
    // re-rolling reads which equation made each variable from the recording (no pass of its own)
    if (!this.repeat) this.graph.tape.setMade(this.producer.length >= this.graph.nvars ? this.producer : widen(this.producer, this.graph.nvars));
    this.close();
    this.memo = [];
    return this.graph;
  }
}

/** the broadcastTo primitive, set by the op registry (the core does not import ops) */
let broadcastOp: OpDef | undefined;
export const setBroadcastOp = (op: OpDef) => { broadcastOp = op; };

function sameShapes(ins: readonly Tensor[]): boolean {
  const s = ins[0].shape;
  for (let i = 1; i < ins.length; i++) if (ins[i].shape !== s && !sameShape(ins[i].shape, s)) return false;
  return true;
}

/** Run `body` with a fresh trace; the trace is closed even when body throws. */
export function withTrace<T>(body: (tr: Trace) => T): T {
  const tr = new Trace();
  try { return body(tr); } finally { tr.close(); }
}

/** Apply a primitive: eager when every input is concrete, else recorded in the innermost trace. */
export function apply(op: OpDef, ins: readonly Tensor[], attrs: unknown = undefined): Tensor {
  let trace: Trace | null = null;
  for (let i = 0; i < ins.length; i++) {
    const tr = ins[i]._trace;
    if (tr) {
      if (!tr.active) fail('ERR_ARG', op.name, 'a tracer was used after its transformation ended (was it stored outside f?)');
      if (!trace || tr.level > trace.level) trace = tr;
    }
  }
  if (trace && op.scalar) {
    const lifted = trace.liftScalars(op.name, ins);
    if (lifted === null) {
      // every operand is a broadcast constant: fold on the scalars, broadcast the result
      const scalars = ins.map((t) => trace!.scalarBehind(t) ?? t);
      const shape = broadcastShapes(op.name, ins.map((t) => t.shape));
      return apply(broadcastOp!, [apply(op, scalars, attrs)], { shape });
    }
    ins = lifted;
  }
  if (op.simplify) { const s = op.simplify(ins, attrs); if (s) return s; }
  // recording an elementwise op on operands of one shape (the common case) needs no shape rule
  if (trace && op.scalar && sameShapes(ins)) return trace.record(op, ins, attrs, ins[0].shape);
  const shapes = ins.map((t) => t.shape);
  const shape = op.shape(shapes, attrs);
  if (!trace) {
    // inside a recording, enlarging a constant stays symbolic (no full-size constant is materialized)
    const cur = op.recordConst ? currentTrace() : undefined;
    if (cur && op.recordConst!(ins[0].size, sizeOf(shape))) return cur.record(op, ins, attrs, shape);
    try {
      return new Tensor(shape, op.kernel(ins.map((t) => liveData(t, op.name)!), shapes, shape, attrs));
    } catch (err) { throw allocationError(err, op.name, fmtShape(shape), sizeOf(shape)); }
  }
  return trace.record(op, ins, attrs, shape);
}

const ROOT = new URL('../..', import.meta.url).pathname;
const INTERNAL = (l: string) => l.includes(ROOT + 'dist/') || l.includes(ROOT + 'src/') || l.includes('node_modules') || l.includes('node:internal');
/** First stack frame outside wengert: where user code read a value. */
export function callSite(): string | undefined {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const user = lines.find((l) => !INTERNAL(l) && l.includes('at '));
  return user?.trim().replace(/^at /, '');
}
