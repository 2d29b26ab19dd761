// Fusion planning: chains of elementwise equations over one shape become one `fused` equation, so
// a chain of k ops is one pass over memory instead of k (numexpr's idea). Only the chain's values
// used elsewhere are materialized. A group runs where it is flushed: when a non-member needs one
// of its values, or at the end. An operand of a smaller shape broadcast to the chain's is read in
// place (never materialized); a `sum` over all axes of a member becomes the chain's epilogue.
import type { Graph, Eqn } from '../core/graph.js';
import { frameOf } from './frame.js';
import { sameShape, sizeOf, type Shape } from '../core/shape.js';
import { fusedOp, type FusedInstr } from '../ops/fused.js';
import { sliceOp } from '../ops/slice.js';
import { reshapeOp } from '../ops/reshape.js';
import { sumOp } from '../ops/sum.js';

/** equations per fused loop at most: longer chains run as several loops (bounded generated code and tile scratch) */
const MAX_MEMBERS = 1024;

/** sums per chain at most (the native executor keeps their lanes on its stack) */
export const MAX_SUMS = 16;

interface Group { shape: Shape; key: string; members: Eqn[]; vars: Set<number>; waiting: Eqn[]; sums: Eqn[]; sumOuts: Set<number> }

/** operand shape `a` broadcasts to `s` (NumPy: right-aligned, each axis equal or 1) */
const broadcasts = (a: Shape, s: Shape) => a.length <= s.length && a.every((d, k) => d === 1 || d === s[s.length - a.length + k]);

const fusable = (g: Graph, e: Eqn) => {
  if (!e.op.scalar || e.op.family === 'none') return false;
  const s = g.shapes[e.out];
  return sizeOf(s) > 1 && e.ins.every((i) => sizeOf(g.shapes[i]) === 1 || broadcasts(g.shapes[i], s));
};

/** e sums all of a member's elements: it can be G's epilogue */
const epilogue = (g: Graph, e: Eqn, G: Group | undefined) => !!G && e.op === sumOp && G.vars.has(e.ins[0]) &&
  G.sums.length < MAX_SUMS && (e.attrs as { axes: readonly number[] }).axes.length === g.shapes[e.ins[0]].length;

export function fuse(g: Graph): Graph {
  if (!g.eqns.some((e) => fusable(g, e))) return g;
  const users: number[][] = Array.from({ length: g.nvars }, () => []);
  g.eqns.forEach((e, k) => e.ins.forEach((i) => users[i].push(k)));
  const index = new Map(g.eqns.map((e, k) => [e, k]));
  const isOutput = new Set(g.outputs);
  for (const gd of g.guards) isOutput.add(gd.v);

  const out = frameOf(g);
  const open = new Map<string, Group>();
  const groupOf = new Map<number, Group>();
  // non-members that need a group's values wait until the group runs (so the chain can keep growing)
  const deferredOn = new Map<number, Group>();
  const flush = (G: Group) => {
    if (!open.has(G.key) || open.get(G.key) !== G) return;
    open.delete(G.key);
    for (const v of [...G.vars, ...G.sumOuts]) groupOf.delete(v);
    if (G.members.length === 1 && !G.sums.length) out.eqns.push(G.members[0]);
    else emitGroup(out, G, users, index, isOutput);
    for (const e of G.waiting) { deferredOn.delete(e.out); out.eqns.push(e); }
  };
  /** the open groups an equation depends on, directly or through waiting equations */
  const dependsOn = (e: Eqn) => {
    const gs = new Set<Group>();
    for (const i of e.ins) { const G = groupOf.get(i) ?? deferredOn.get(i); if (G) gs.add(G); }
    return gs;
  };

  for (const e of g.eqns) {
    const deps = dependsOn(e);
    if (!fusable(g, e)) {
      const [D] = deps;
      if (deps.size === 1 && epilogue(g, e, D) && groupOf.get(e.ins[0]) === D) {
        D.sums.push(e);
        D.sumOuts.add(e.out);
        groupOf.set(e.out, D);
      } else if (deps.size === 1) {
        const [G] = deps;
        G.waiting.push(e);
        deferredOn.set(e.out, G);
      } else {
        for (const G of deps) flush(G);
        out.eqns.push(e);
      }
      continue;
    }
    const s = g.shapes[e.out], key = s.join(',');
    let G = open.get(key);
    // a member may not depend on a waiting equation of its own group (that would be a cycle)
    if (G && (G.members.length >= MAX_MEMBERS || e.ins.some((i) => deferredOn.get(i) === G || G!.sumOuts.has(i)))) { flush(G); G = undefined; }
    for (const D of dependsOn(e)) if (D !== G) flush(D);
    if (!G) { G = { shape: s, key, members: [], vars: new Set<number>(), waiting: [], sums: [], sumOuts: new Set<number>() }; open.set(key, G); }
    G.members.push(e);
    G.vars.add(e.out);
    groupOf.set(e.out, G);
  }
  for (const G of [...open.values()]) flush(G);
  return out;
}

function emitGroup(out: Graph, G: Group, users: number[][], index: Map<Eqn, number>, isOutput: Set<number>) {
  const memberIdx = new Set([...G.members, ...G.sums].map((e) => index.get(e)!));
  const ext: number[] = [];
  const reg = new Map<number, number>();
  for (const e of G.members) for (const i of e.ins) if (!G.vars.has(i) && !reg.has(i)) { reg.set(i, ext.length); ext.push(i); }
  const code: FusedInstr[] = G.members.map((e, k) => {
    const instr = { op: e.op, args: e.ins.map((i) => reg.get(i)!) };
    reg.set(e.out, ext.length + k);
    return instr;
  });
  const results = G.members.map((e) => e.out).filter((v) => isOutput.has(v) || users[v].some((k) => !memberIdx.has(k)));
  const scalarIn = ext.map((v) => sizeOf(out.shapes[v]) === 1);
  const broadcastIn = ext.map((v, k) => !scalarIn[k] && !sameShape(out.shapes[v], G.shape));
  const sums = G.sums.map((e) => reg.get(e.ins[0])!);
  const attrs = { shape: G.shape, scalarIn, code, outs: results.map((v) => reg.get(v)!),
    ...(broadcastIn.some((b) => b) ? { broadcastIn } : {}), ...(sums.length ? { sums } : {}) };
  if (results.length === 1 && !sums.length) { out.eqns.push({ op: fusedOp, ins: ext, out: results[0], attrs }); return; }
  const all = out.newVar(fusedOp.shape([], attrs));
  out.eqns.push({ op: fusedOp, ins: ext, out: all, attrs });
  if (!sums.length) {
    // several results: one [k, ...shape] buffer, each row a contiguous view (slice + reshape)
    results.forEach((v, j) => view(out, all, [j, ...G.shape.map(() => 0)], [j + 1, ...G.shape], [1, ...G.shape], v));
    return;
  }
  // with sums: a flat buffer, the rows then the sums
  const n = sizeOf(G.shape);
  results.forEach((v, j) => view(out, all, [j * n], [(j + 1) * n], [n], v));
  G.sums.forEach((e, j) => view(out, all, [results.length * n + j], [results.length * n + j + 1], [1], e.out));
}

/** v = reshape(all[begin:end]) (a view: no copy) */
function view(out: Graph, all: number, begin: number[], end: number[], rowShape: Shape, v: number) {
  const row = out.newVar(rowShape);
  out.eqns.push({ op: sliceOp, ins: [all], out: row, attrs: { begin, end } });
  out.eqns.push({ op: reshapeOp, ins: [row], out: v, attrs: { shape: out.shapes[v] } });
}
