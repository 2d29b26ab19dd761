// Running a graph that holds equations only JS can run (opaque functions) on the native backend:
// the graph is cut at those equations; each stretch between them is its own native program and
// each opaque equation runs in JS in between. Values cross by reference; only an opaque op's own
// inputs are copied (its kernel hands fn copies).
import { Graph, type Eqn } from '../core/graph.js';

export type Segment =
  | { kind: 'native'; graph: Graph; ins: number[]; outs: number[] }
  | { kind: 'js'; eqn: Eqn };

/** Split g at the equations `isJs` selects; native stretches read and write g's variables by index. */
export function segment(g: Graph, isJs: (e: Eqn) => boolean): Segment[] {
  const lastUse = new Int32Array(g.nvars).fill(-1);
  g.eqns.forEach((e, k) => e.ins.forEach((i) => { lastUse[i] = k; }));
  for (const v of g.outputs) lastUse[v] = g.eqns.length;
  for (const gd of g.guards) lastUse[gd.v] = g.eqns.length;
  const segs: Segment[] = [];
  let start = 0;
  const flush = (end: number) => {
    if (end > start) segs.push(stretch(g, g.eqns.slice(start, end), end, lastUse));
  };
  g.eqns.forEach((e, k) => {
    if (!isJs(e)) return;
    flush(k);
    segs.push({ kind: 'js', eqn: e });
    start = k + 1;
  });
  flush(g.eqns.length);
  return segs;
}

function stretch(g: Graph, eqns: Eqn[], end: number, lastUse: Int32Array): Segment {
  const sub = new Graph();
  const map = new Map<number, number>();
  const ins: number[] = [];
  const local = (v: number) => {
    let m = map.get(v);
    if (m !== undefined) return m;
    m = sub.newVar(g.shapes[v], g.labels[v]);
    map.set(v, m);
    const c = g.consts.get(v);
    if (c) sub.consts.set(m, c);
    else { sub.inputs.push(m); ins.push(v); }
    return m;
  };
  for (const e of eqns) {
    const args = e.ins.map(local);
    const o = sub.newVar(g.shapes[e.out], g.labels[e.out]);
    map.set(e.out, o);
    sub.eqns.push({ op: e.op, ins: args, out: o, attrs: e.attrs });
  }
  const outs = eqns.map((e) => e.out).filter((v) => lastUse[v] >= end);
  sub.outputs = outs.map((v) => map.get(v)!);
  return { kind: 'native', graph: sub, ins, outs };
}

/** Run the segments of g: `runNative` runs a stretch's graph; JS equations run their kernels. */
export function runSegments(g: Graph, segs: readonly Segment[], inputs: readonly Float64Array[],
  runNative: (sub: Graph, ins: Float64Array[]) => Float64Array[]): Float64Array[] {
  const env: (Float64Array | undefined)[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => { env[v] = inputs[k]; });
  for (const [v, t] of g.consts) env[v] = t._data!;
  for (const s of segs) {
    if (s.kind === 'js') {
      const e = s.eqn;
      env[e.out] = e.op.kernel(e.ins.map((i) => env[i]!), e.ins.map((i) => g.shapes[i]), g.shapes[e.out], e.attrs);
      continue;
    }
    const outs = runNative(s.graph, s.ins.map((v) => env[v]!));
    s.outs.forEach((v, k) => { env[v] = outs[k]; });
  }
  return g.outputs.map((v) => env[v]!);
}
