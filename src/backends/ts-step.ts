// A planned graph's equations as one step over a register file R (its size-1 values, by variable
// number) and an environment E (every other value's array), built once per graph and run on the
// caller's R and E: the top-level executor gives each call fresh ones, a loop gives each run of
// the loop one pair and steps its body in them every iteration (nothing allocated per iteration).
// Size-1 equations with a scalar function run as `R[o] = f(R[a], R[b])`; a graph of at most
// GENERATED_MAX equations gets these as straight-line JS (new Function over the ops' own scalar
// functions, variable numbers as the only text written), so V8 compiles a loop body to direct
// calls; a larger one is walked by a switch. Both call the same functions in the same order: the
// same bits. Other equations call their op's kernel (a scan's runs its planned body: ts-loop.ts).
import type { Eqn, Graph } from '../core/graph.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { eqnAllocationError } from './ts.js';

export type Env = (Float64Array | undefined)[];
/** one equation that is not a scalar instruction: reads its operands in R/E, writes its output there */
export type Call = (R: Float64Array, E: Env) => void;
type Scalar = (...x: number[]) => number;

export interface Machine {
  readonly g: Graph;
  /** 1 where a variable has one element (it lives in R), else 0 (in E) */
  readonly isScalar: Uint8Array;
  /** puts the constants in R and E (once per pair: equations never write them) */
  load(R: Float64Array, E: Env): void;
  /** runs every equation once, in order */
  step(R: Float64Array, E: Env): void;
}

const GENERATED_MAX = 2000;
const machines = new WeakMap<Graph, Machine>();

/** g's machine (g planned): built once per graph. */
export function machineOf(g: Graph): Machine {
  let m = machines.get(g);
  if (!m) machines.set(g, (m = build(g)));
  return m;
}

function build(g: Graph): Machine {
  const shapes = g.shapes;
  const isScalar = Uint8Array.from(shapes, (s) => (sizeOf(s) === 1 ? 1 : 0));
  const eqns = g.eqns;
  const fns: (Scalar | null)[] = eqns.map((e) =>
    (e.op.scalar && isScalar[e.out] && e.ins.length <= 3 && e.ins.every((i) => isScalar[i]) ? e.op.scalar : null));
  const calls: (Call | null)[] = eqns.map((e, k) => (fns[k] ? null : callOf(g, e, shapes, isScalar)));
  const consts = [...g.consts].map(([v, t]) => [v, t._data!] as const);
  const load = (R: Float64Array, E: Env) => { for (const [v, x] of consts) { if (isScalar[v]) R[v] = x[0]; else E[v] = x; } };
  const step = eqns.length <= GENERATED_MAX ? generated(eqns, fns, calls) : walked(eqns, fns, calls);
  return { g, isScalar, load, step };
}

/** the array of variable v (a size-1 value copied out of R) */
const valueOf = (R: Float64Array, E: Env, isScalar: Uint8Array, v: number): Float64Array => (isScalar[v] ? Float64Array.of(R[v]) : E[v]!);

/** an equation run by its op's kernel (a loop's runs its planned body: ts-loop.ts); a failed allocation names it */
function callOf(g: Graph, e: Eqn, shapes: readonly Shape[], isScalar: Uint8Array): Call {
  const run = kernelCall(e, shapes, isScalar);
  return (R, E) => { try { run(R, E); } catch (err) { throw eqnAllocationError(err, g, e); } };
}

function kernelCall(e: Eqn, shapes: readonly Shape[], isScalar: Uint8Array): Call {
  const inShapes = e.ins.map((i) => shapes[i]), outShape = shapes[e.out], o = e.out;
  return (R, E) => {
    const y = e.op.kernel(e.ins.map((i) => valueOf(R, E, isScalar, i)), inShapes, outShape, e.attrs);
    if (isScalar[o]) R[o] = y[0]; else E[o] = y;
  };
}

/** the switch walk (large graphs): R[o] = f(R[a], …) or the equation's call */
function walked(eqns: readonly Eqn[], fns: readonly (Scalar | null)[], calls: readonly (Call | null)[]): Machine['step'] {
  const n = eqns.length, arity = Int8Array.from(eqns, (e, k) => (fns[k] ? e.ins.length : -1));
  const outs = Int32Array.from(eqns, (e) => e.out), args = new Int32Array(3 * n);
  eqns.forEach((e, k) => e.ins.forEach((v, j) => { if (j < 3) args[3 * k + j] = v; }));
  return (R, E) => {
    for (let k = 0; k < n; k++) {
      switch (arity[k]) {
        case 1: R[outs[k]] = fns[k]!(R[args[3 * k]]); break;
        case 2: R[outs[k]] = fns[k]!(R[args[3 * k]], R[args[3 * k + 1]]); break;
        case 3: R[outs[k]] = fns[k]!(R[args[3 * k]], R[args[3 * k + 1]], R[args[3 * k + 2]]); break;
        case 0: R[outs[k]] = fns[k]!(); break;
        default: calls[k]!(R, E);
      }
    }
  };
}

const fnIds = new WeakMap<Scalar, number>();
type Maker = (C: readonly (Call | null)[], ...f: Scalar[]) => Machine['step'];
const makers = new Map<string, Maker>();
const CACHE_CHARS = 1 << 21;
let cached = 0;
let nextFn = 0;

/** straight-line JS: `R[o] = fI(R[a], …);` per scalar equation, `C[k](R, E);` per other one */
function generated(eqns: readonly Eqn[], fns: readonly (Scalar | null)[], calls: readonly (Call | null)[]): Machine['step'] {
  const used: Scalar[] = [], slot = new Map<Scalar, number>();
  const lines = eqns.map((e, k) => {
    const f = fns[k];
    if (!f) return `C[${k}](R, E);`;
    let s = slot.get(f);
    if (s === undefined) { slot.set(f, (s = used.length)); used.push(f); }
    return `R[${e.out}] = f${s}(${e.ins.map((v) => `R[${v}]`).join(', ')});`;
  });
  const source = `'use strict'; return function step(R, E) {\n${lines.join('\n')}\n};`;
  // graphs of the same structure share their compiled step (a Program per call of the same f)
  const key = `${used.map(uid).join(',')}|${source}`;
  let make = makers.get(key);
  if (!make) {
    make = new Function('C', ...used.map((_, s) => `f${s}`), source) as Maker;
    if ((cached += key.length) > CACHE_CHARS) { makers.clear(); cached = key.length; } // bounded: a dropped step is only generated again
    makers.set(key, make);
  }
  return make(calls, ...used);
}

/** a number per scalar function (the cache key of a generated step names the functions it calls) */
function uid(f: Scalar): number {
  let i = fnIds.get(f);
  if (i === undefined) fnIds.set(f, (i = nextFn++));
  return i;
}
