// Masks nobody needs: `where(M, x, 0)` with M a constant whose lower triangle (diagonal included)
// is all nonzero equals x on the lower triangle, so where only the lower triangle of its result is
// ever read it is x itself (one pass over the matrix fewer, and a mask not read). A value's lower
// triangle alone is read when every use is choleskyGrad's cotangent (which reads only the lower
// triangles of its operands) or an elementwise operand of the value's own shape whose result is
// itself read in its lower triangle alone; never a program output or guard. Exact: every entry any
// later equation reads keeps its bits.
import { Graph } from '../core/graph.js';
import { sameShape, sizeOf } from '../core/shape.js';
import type { Tensor } from '../core/tensor.js';
import { choleskyGradOp } from '../ops/linalg/choleskyGrad.js';
import { whereOp } from '../ops/where.js';

const lowerFull = new WeakMap<Tensor, boolean>();
/** t is [..., n, n] and nonzero at every i ≥ j of each matrix */
function coversLower(t: Tensor): boolean {
  let ok = lowerFull.get(t);
  if (ok !== undefined) return ok;
  const n = t.shape[t.rank - 1], d = t._data;
  ok = t.rank >= 2 && t.shape[t.rank - 2] === n && !!d;
  for (let b = 0; ok && b < d!.length; b += n * n)
    for (let i = 0; ok && i < n; i++) for (let j = 0; ok && j <= i; j++) ok = d![b + i * n + j] !== 0;
  lowerFull.set(t, ok);
  return ok;
}

export function dropLowerMasks(g: Graph): Graph {
  if (!g.eqns.some((e) => e.op === choleskyGradOp)) return g;
  const users: [number, number][][] = Array.from({ length: g.nvars }, () => []);
  g.eqns.forEach((e, k) => e.ins.forEach((i, j) => users[i].push([k, j])));   // eqn k, operand j
  const pinned = new Set([...g.outputs, ...g.guards.map((gd) => gd.v), ...g.inputs]);
  const lowerOnly = new Array<boolean>(g.nvars).fill(false);
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const v = g.eqns[k].out;
    lowerOnly[v] = !pinned.has(v) && users[v].length > 0 && users[v].every(([u, j]) => {
      const e = g.eqns[u];
      if (e.op === choleskyGradOp) return j === 1;
      return !!e.op.scalar && e.op.family !== 'none' && lowerOnly[e.out] && sameShape(g.shapes[e.out], g.shapes[v]);
    });
  }
  const alias = new Map<number, number>();
  const isZero = (v: number) => { const t = g.consts.get(v); return !!t && sizeOf(t.shape) === 1 && t._data?.[0] === 0; };
  for (const e of g.eqns) {
    if (e.op !== whereOp || !lowerOnly[e.out]) continue;
    const [m, x, z] = e.ins, mt = g.consts.get(m);
    if (mt && isZero(z) && sameShape(g.shapes[x], g.shapes[e.out]) && coversLower(mt)) alias.set(e.out, alias.get(x) ?? x);
  }
  if (!alias.size) return g;
  const out = Object.assign(Object.create(Graph.prototype) as Graph, g, {
    eqns: g.eqns.filter((e) => !alias.has(e.out)).map((e) => (e.ins.some((i) => alias.has(i)) ? { ...e, ins: e.ins.map((i) => alias.get(i) ?? i) } : e)),
  });
  return out;   // the masks' variables stay numbered, unused: dce drops them
}
