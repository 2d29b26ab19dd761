// Common-subexpression elimination: an equation with the same op, operands and attributes as an
// earlier one reuses its variable. (Every op is a pure function of its operands; opaque functions
// are kept, since user code may count its calls.) Equations are hashed by (op, operands,
// attributes) into numeric buckets; a bucket hit is confirmed by comparing the equations.
import { Graph, type Eqn } from '../core/graph.js';
import { opaqueOp } from '../ops/opaque.js';

/** a structural hash of attribute values (numbers, strings, booleans, arrays, plain objects) */
function attrHash(a: unknown, h: number): number {
  switch (typeof a) {
    case 'number': return Math.imul(h ^ (a | 0) ^ Math.round((a % 1) * 1e9), 0x01000193);
    case 'boolean': return Math.imul(h ^ (a ? 3 : 5), 0x01000193);
    case 'string': { for (let c = 0; c < a.length; c++) h = Math.imul(h ^ a.charCodeAt(c), 0x01000193); return h; }
    case 'undefined': return Math.imul(h ^ 7, 0x01000193);
    case 'object': {
      if (a === null) return Math.imul(h ^ 11, 0x01000193);
      if (Array.isArray(a)) { for (const x of a) h = attrHash(x, h); return Math.imul(h ^ a.length, 0x01000193); }
      for (const k in a as object) { h = attrHash(k, h); h = attrHash((a as Record<string, unknown>)[k], h); }
      return h;
    }
    default: return h;
  }
}

/** deep equality of attribute values (NaN equals NaN, −0 differs from +0) */
function sameAttrs(a: unknown, b: unknown): boolean {
  if (a === b) return typeof a !== 'number' || a !== 0 || Object.is(a, b);
  if (typeof a === 'number' && typeof b === 'number') return Object.is(a, b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameAttrs(x, b[i]));
  const ka = Object.keys(a), kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => sameAttrs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const sameEqn = (x: Eqn, e: Eqn, ins: readonly number[]) =>
  x.op === e.op && x.ins.length === ins.length && x.ins.every((i, k) => i === ins[k]) &&
  (e.op.attrKey ? x.attrs === e.attrs || e.op.attrKey(x.attrs) === e.op.attrKey(e.attrs) : sameAttrs(x.attrs, e.attrs));

export function cse(g: Graph): Graph {
  const buckets = new Map<number, Eqn | Eqn[]>();
  const alias = new Int32Array(g.nvars);
  for (let v = 0; v < g.nvars; v++) alias[v] = v;
  const eqns: Eqn[] = [];
  let removed = 0;
  for (const e of g.eqns) {
    let ins = e.ins;
    for (let k = 0; k < ins.length; k++) if (alias[ins[k]] !== ins[k]) { ins = e.ins.map((i) => alias[i]); break; }
    const cur = ins === e.ins ? e : { ...e, ins };
    if (e.op === opaqueOp) { eqns.push(cur); continue; }
    let h = Math.imul(e.op.id + 1, 0x9e3779b1);
    for (const i of ins) h = Math.imul(h ^ i, 0x01000193);
    if (e.attrs !== undefined) h = e.op.attrKey ? attrHash(e.op.attrKey(e.attrs), h) : attrHash(e.attrs, h);
    const b = buckets.get(h);
    const prev = b === undefined ? undefined : Array.isArray(b) ? b.find((x) => sameEqn(x, e, ins)) : sameEqn(b, e, ins) ? b : undefined;
    if (prev) { alias[e.out] = prev.out; removed++; continue; }
    if (b === undefined) buckets.set(h, cur); else if (Array.isArray(b)) b.push(cur); else buckets.set(h, [b, cur]);
    eqns.push(cur);
  }
  if (!removed) return g;
  const c = Object.create(Object.getPrototypeOf(g)) as Graph;
  Object.assign(c, g, { eqns, outputs: g.outputs.map((v) => alias[v]), guards: g.guards.map((gd) => ({ ...gd, v: alias[gd.v] })) });
  return c;
}
