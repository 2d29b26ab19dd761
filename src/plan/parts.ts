// Planning: `part` equations (outputs of a packed multi-output op) become a contiguous slice and a
// reshape, which both backends run as views of the packed buffer (no copy).
import type { Graph, Eqn } from '../core/graph.js';
import { sizeOf } from '../core/shape.js';
import { partOp, type PartAttrs } from '../ops/part.js';
import { sliceOp } from '../ops/slice.js';
import { reshapeOp } from '../ops/reshape.js';

export function lowerParts(g: Graph): Graph {
  if (!g.eqns.some((e) => e.op === partOp)) return g;
  const c = Object.assign(Object.create(Object.getPrototypeOf(g)) as Graph, g, { shapes: [...g.shapes], eqns: [] as Eqn[] });
  for (const e of g.eqns) {
    if (e.op !== partOp) { c.eqns.push(e); continue; }
    const { offset, shape } = e.attrs as PartAttrs;
    const flat = c.shapes.length;
    c.shapes.push([sizeOf(shape)]);
    c.eqns.push({ op: sliceOp, ins: e.ins, out: flat, attrs: { begin: [offset], end: [offset + sizeOf(shape)] } });
    c.eqns.push({ op: reshapeOp, ins: [flat], out: e.out, attrs: { shape: [...shape] } });
  }
  return c;
}
