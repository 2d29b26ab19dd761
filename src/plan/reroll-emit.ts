// Re-rolling, second half: the program rebuilt with each fitted run (see reroll.ts) replaced by one
// scan equation. The body is the run's first iteration with its operands read as the fit
// classified them; values the rest of the program reads after the run come out of the scan: the
// last iteration's as final carries, earlier iterations' as rows of ys.
import { Graph, type Eqn } from '../core/graph.js';
import { Tensor } from '../core/tensor.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { scanOp, scanOutputs } from '../ops/scan.js';
import { partOp, packedLayout } from '../ops/part.js';
import { concatOp } from '../ops/concat.js';
import { reshapeOp } from '../ops/reshape.js';
import { sliceOp } from '../ops/slice.js';
import { scanAttrs } from '../transforms/scan-kit.js';
import type { Fit, Src } from './reroll.js';

/** g with each run replaced by a scan equation and the parts that the rest of the program reads */
export function rebuild(g: Graph, runs: readonly Fit[]): Graph {
  const r = new Rebuild(g), tape = g.tape;
  let k = 0;
  for (const run of runs) {
    for (; k < run.start; k++) r.copy(tape.eqn(k));
    r.scan(run);
    k = run.start + run.iters * run.period;
  }
  for (const n = g.neqns; k < n; k++) r.copy(tape.eqn(k));
  return r.finish();
}

/** position of the last equation reading each variable (outputs and guards: past the end; -1 when unread) */
function lastUses(g: Graph): Int32Array {
  const lastUse = new Int32Array(g.nvars).fill(-1), tape = g.tape, n = g.neqns, raw = tape.raw();
  if (raw) for (let k = 0; k < n; k++) for (let o = raw.starts[k], e = raw.starts[k + 1]; o < e; o++) lastUse[raw.operands[o]] = k;
  else for (let k = 0; k < n; k++) for (let o = 0, m = tape.nIns(k); o < m; o++) lastUse[tape.in(k, o)] = k;
  for (const v of g.outputs) lastUse[v] = n;
  for (const gd of g.guards) lastUse[gd.v] = n;
  return lastUse;
}

/** The loop's body and how its values leave it. */
interface Body {
  graph: Graph;
  /** scan operands: loop constants (variables of g), carries (offset j and start value), xs (the value each iteration read) */
  consts: number[];
  carries: { j: number; init: number }[];
  xs: number[][];
  /** offsets whose last-iteration value is read later but is no carry (extra carries starting at 0) */
  lastOnly: number[];
  /** offsets with earlier iterations read later → those iterations (ys rows) */
  rows: Map<number, number[]>;
}

class Rebuild {
  readonly out: Graph;
  /** variable of g → 1 + the variable standing for it in `out` (0: none yet; no fill, so untouched pages stay untouched) */
  readonly alias: Int32Array;
  /** position of the last equation reading each variable of g (outputs and guards: past the end) */
  readonly lastUse: Int32Array;

  // `out` numbers its variables as they are first referenced (inputs and constants first, in g's
  // order), so nothing proportional to the unrolled recording is copied; compact() renumbers at the end
  constructor(readonly g: Graph) {
    this.out = new Graph();
    this.alias = new Int32Array(g.nvars);
    for (const v of g.inputs) this.out.inputs.push(this.ref(v));
    this.lastUse = lastUses(g);
  }

  newVar(s: Shape): number { return this.out.newVar(s); }
  /** the variable of `out` standing for variable v of g (a constant of g is one of `out` too) */
  ref(v: number): number {
    const a = this.alias[v];
    if (a > 0) return a - 1;
    const r = this.out.newVar(this.g.shapeOf(v), this.g.labels[v]), c = this.g.consts.get(v);
    this.alias[v] = r + 1;
    if (c) this.out.consts.set(r, c);
    return r;
  }
  emit(op: Eqn['op'], ins: number[], shape: Shape, attrs: unknown): number {
    const v = this.newVar(shape);
    this.out.eqns.push({ op, ins, out: v, attrs });
    return v;
  }
  /** an equation outside the runs, reading the aliases of its operands */
  copy(e: Eqn): void {
    const ins = e.ins.map((i) => this.ref(i));
    this.out.eqns.push({ op: e.op, ins, out: this.ref(e.out), attrs: e.attrs });
  }

  finish(): Graph {
    const { out, g, alias } = this;
    out.outputs = g.outputs.map((v) => this.ref(v));
    for (const gd of g.guards) out.guards.push({ ...gd, v: this.ref(gd.v) });
    for (const [v, u] of g.cotangentOf) if (alias[v] > 0 && alias[u] > 0) out.cotangentOf.set(alias[v] - 1, alias[u] - 1);
    return compact(out);
  }

  /** one run: the scan equation, then the parts standing for the run's values read later */
  scan(run: Fit): void {
    const { g, alias } = this;
    const outAt = (t: number, j: number) => g.tape.out(run.start + t * run.period + j);
    const b = body(g, run, this.lastUse);
    const xsVars = b.xs.map((vs) => this.stack(g.shapeOf(vs[0]), vs));
    const initVars = [...b.carries.map((c) => this.ref(c.init)), ...b.lastOnly.map((j) => this.zero(g.shapeOf(outAt(0, j))))];
    const nCarries = b.carries.length + b.lastOnly.length;
    const attrs = scanAttrs(b.graph, b.consts.length, nCarries, run.iters, false);
    const shapes = scanOutputs(attrs);
    const { offsets, total } = packedLayout(shapes);
    const packed = this.emit(scanOp, [...b.consts.map((v) => this.ref(v)), ...initVars, ...xsVars], [total], attrs);
    const part = (i: number) => this.emit(partOp, [packed], shapes[i], { index: i, offset: offsets[i], shape: [...shapes[i]] });
    // the final carries stand for the last iteration's values; ys rows for the earlier ones
    const last = run.iters - 1, end = run.start + run.iters * run.period;
    b.carries.forEach((c, i) => { const v = outAt(last, c.j); if (this.lastUse[v] >= end) alias[v] = part(i) + 1; });
    b.lastOnly.forEach((j, i) => { alias[outAt(last, j)] = part(b.carries.length + i) + 1; });
    [...b.rows.keys()].forEach((j, i) => {
      const ys = part(nCarries + i);
      const s = g.shapeOf(outAt(0, j));
      for (const t of b.rows.get(j)!) {
        const row = this.emit(sliceOp, [ys], [1, ...s], { begin: [t, ...s.map(() => 0)], end: [t + 1, ...s] });
        alias[outAt(t, j)] = this.emit(reshapeOp, [row], s, { shape: [...s] }) + 1;
      }
    });
  }

  /** one [m, ...shape] array of m values (variables of g): a constant when they all are, else reshape + concat */
  private stack(s: Shape, vs: readonly number[]): number {
    const consts = this.g.consts, size = sizeOf(s);
    if (vs.every((v) => consts.has(v))) {
      const data = new Float64Array(vs.length * size);
      vs.forEach((v, t) => data.set(consts.get(v)!._data!, t * size));
      const v = this.newVar([vs.length, ...s]);
      this.out.consts.set(v, new Tensor([vs.length, ...s], data));
      return v;
    }
    const rows = vs.map((v) => this.emit(reshapeOp, [this.ref(v)], [1, ...s], { shape: [1, ...s] }));
    return this.emit(concatOp, rows, [vs.length, ...s], { axis: 0 });
  }

  private zero(s: Shape): number {
    const v = this.newVar(s);
    this.out.consts.set(v, new Tensor(s, new Float64Array(sizeOf(s))));
    return v;
  }
}

/** the run's first iteration as a body graph: inputs are loop constants, carries, (extra carries,) xs slices */
function body(g: Graph, run: Fit, lastUse: Int32Array): Body {
  const { start, srcs } = run, P = run.period;
  const { lastOut, rows } = readLater(g, run, lastUse);
  const graph = new Graph();
  const bv = new Int32Array(P).fill(-1);   // body variable of each offset's output
  const b: Body = { graph, consts: [], carries: [], xs: [], lastOnly: [], rows };
  const constIn = new Map<number, number>(), carryKey = new Map<string, number>();
  const carryIns: number[] = [], xIns: number[] = [];
  const operand = (s: Src, shape: Shape): number => {
    switch (s.kind) {
      case 'internal': return bv[s.j];
      case 'const': {
        // a constant stays one in the body; any other loop-invariant value becomes a scan constant
        let v = constIn.get(s.v);
        if (v !== undefined) return v;
        constIn.set(s.v, (v = graph.newVar(shape)));
        const c = g.consts.get(s.v);
        if (c) graph.consts.set(v, c); else b.consts.push(s.v);
        return v;
      }
      case 'carry': {
        const key = `${s.j}:${s.init}`;
        let k = carryKey.get(key);
        if (k === undefined) { carryKey.set(key, (k = b.carries.length)); b.carries.push({ j: s.j, init: s.init }); carryIns.push(graph.newVar(shape)); }
        return carryIns[k];
      }
      case 'xs': { b.xs.push(s.vs); const v = graph.newVar(shape); xIns.push(v); return v; }
    }
  };
  for (let j = 0; j < P; j++) {
    const e = g.tape.eqn(start + j);
    const ins = e.ins.map((i, o) => operand(srcs[j][o], g.shapeOf(i)));
    bv[j] = graph.newVar(g.shapeOf(e.out));
    graph.eqns.push({ op: e.op, ins, out: bv[j], attrs: e.attrs });
  }
  b.lastOnly = lastOut.filter((j) => !b.carries.some((c) => c.j === j));
  const lastIns = b.lastOnly.map((j) => graph.newVar(g.shapeOf(g.tape.out(start + j))));
  graph.inputs.push(...b.consts.map((v) => constIn.get(v)!), ...carryIns, ...lastIns, ...xIns);
  graph.outputs = [...b.carries.map((c) => bv[c.j]), ...b.lastOnly.map((j) => bv[j]), ...[...rows.keys()].map((j) => bv[j])];
  b.graph = compact(graph);
  return b;
}

/** values of the run read after it: offsets of the last iteration's, and earlier iterations by offset */
function readLater(g: Graph, run: Fit, lastUse: Int32Array): { lastOut: number[]; rows: Map<number, number[]> } {
  const { start, period: P, iters } = run;
  const end = start + P * iters;
  const lastOut: number[] = [], rows = new Map<number, number[]>();
  for (let j = 0; j < P; j++) {
    for (let t = 0; t < iters; t++) {
      if (lastUse[g.tape.out(start + t * P + j)] < end) continue;
      if (t === iters - 1) lastOut.push(j);
      else (rows.get(j) ?? rows.set(j, []).get(j)!).push(t);
    }
  }
  return { lastOut, rows };
}
