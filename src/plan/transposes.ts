// Planning: matmul(transpose(A), B) and matmul(A, transpose(B)) (the shapes reverse mode emits)
// read the transposed operand in place instead of materializing it.
import type { Graph, Eqn } from '../core/graph.js';
import { matmulTOp } from '../ops/matmulT.js';
import { matmulOp } from '../ops/matmul.js';
import { transposeOp } from '../ops/transpose.js';

const swapsLastTwo = (e: Eqn | undefined) => {
  if (!e || e.op !== transposeOp) return false;
  const p: readonly number[] = e.attrs.perm, r = p.length;
  return r >= 2 && p[r - 1] === r - 2 && p[r - 2] === r - 1 && p.slice(0, r - 2).every((x, i) => x === i);
};

export function foldTransposes(g: Graph): Graph {
  if (!g.eqns.some((e) => e.op === matmulOp)) return g;
  const producer = new Map<number, Eqn>();
  for (const e of g.eqns) producer.set(e.out, e);
  let changed = false;
  const eqns = g.eqns.map((e) => {
    if (e.op !== matmulOp) return e;
    const [pa, pb] = e.ins.map((i) => producer.get(i));
    const transA = swapsLastTwo(pa), transB = swapsLastTwo(pb);
    if (!transA && !transB) return e;
    changed = true;
    return { op: matmulTOp, ins: [transA ? pa!.ins[0] : e.ins[0], transB ? pb!.ins[0] : e.ins[1]], out: e.out, attrs: { transA, transB } };
  });
  if (!changed) return g;
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  Object.assign(c, g, { eqns });
  return c;
}
