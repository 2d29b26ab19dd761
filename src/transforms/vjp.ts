// Reverse mode as a program transformation: the VJP graph re-emits the forward equations and then
// walks them backwards, emitting each op's VJP rule (written in wengert ops) as new equations.
import { Graph } from '../core/graph.js';
import { Trace } from '../core/trace.js';
import { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { walk } from '../core/eval.js';
import { add } from '../ops/add.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { partOp, type PartAttrs } from '../ops/part.js';

/** Seed per output: 'ones' (scalar loss), 'input' (a cotangent argument), or null (no cotangent). */
export type Seed = 'ones' | 'input' | null;

/**
 * VJP graph of g. Inputs: g's inputs, then one cotangent per output seeded 'input'.
 * Outputs: g's outputs, then the cotangent of each input listed in `wrt` (indices into g.inputs),
 * then the variables of g listed in `extra` (guarded values a compiled program checks).
 */
export function vjpGraph(g: Graph, wrt: readonly number[], seeds: readonly Seed[], extra: readonly number[] = [], labels = false): Graph {
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(g.nvars);
    g.inputs.forEach((v, k) => { env[v] = tr.input(g.shapes[v], null, g.labels[v] ?? `in${k}`); });
    const cts = g.outputs.map((v, k) => (seeds[k] === 'input' ? tr.input(g.shapes[v], null, `ct${k}`) : null));
    const wrtVars = wrt.map((k) => g.inputs[k]);
    const active = activeVars(g, wrtVars);
    const saved = forward(g, env, active);
    const grads = backward(g, env, wrtVars, seeds, cts, active, saved, undefined, labels).map((t, k) => t ?? broadcastTo(0, [...g.shapes[wrtVars[k]]]));
    if (labels) for (const [k, t] of grads.entries()) label(tr, t, `grad.${g.labels[g.inputs[wrt[k]]] ?? `in${wrt[k]}`}`);
    return compact(tr.finish([...g.outputs.map((v) => env[v]), ...grads, ...extra.map((v) => env[v])]));
  } finally {
    tr.close();
  }
}

/** active[v] = 1 when variable v depends differentiably on one of `wrtVars` (it needs a cotangent). */
export function activeVars(g: Graph, wrtVars: readonly number[]): Uint8Array {
  const active = new Uint8Array(g.nvars);
  for (const v of wrtVars) active[v] = 1;
  for (const e of g.eqns) if (!e.op.nondiff && e.ins.some((i) => active[i])) active[e.out] = 1;
  return active;
}

/**
 * The forward sweep as reverse mode emits it: g's equations re-applied to `env` (inputs already
 * set; constants are set here). An active equation whose op defines vjpForward (a loop that must
 * keep per-iteration values) is emitted that way; what it saves is returned by equation index.
 */
export function forward(g: Graph, env: Tensor[], active: Uint8Array): Map<number, unknown> {
  const saved = new Map<number, unknown>();
  walk(g, g.inputs.map((v) => env[v]), (t) => t, (e, ins, k) => {
    if (!e.op.vjpForward || !active[e.out]) return apply(e.op, ins, e.attrs);
    const r = e.op.vjpForward(ins, e.attrs, e.ins.map((i) => !!active[i]));
    saved.set(k, r.saved);
    return r.out;
  }, env);
  return saved;
}

/**
 * The backward sweep over g's equations, given forward values `env` (tensors or tracers): the
 * cotangent of each of `wrtVars`, or null where it is structurally zero. A multi-output op's
 * packed value collects one cotangent per part (from its part equations) for its vjpParts rule.
 */
export function backward(g: Graph, env: Tensor[], wrtVars: readonly number[], seeds: readonly Seed[],
  cts: readonly (Tensor | null)[], active = activeVars(g, wrtVars), saved = new Map<number, unknown>(),
  preset?: ReadonlyMap<number, Tensor>, labels = false): (Tensor | null)[] {
  const sums = new Sums(g.nvars), push = sums.push.bind(sums), total = sums.total.bind(sums);
  const parts = new Map<number, (Tensor | null)[]>();
  // preset contributions come first (a loop body continuing the sum of an outer sweep)
  for (const [v, t] of preset ?? []) push(v, t);
  g.outputs.forEach((v, k) => {
    if (!active[v]) return;
    if (seeds[k] === 'ones') push(v, broadcastTo(1, [...g.shapes[v]]));
    else if (seeds[k] === 'input') push(v, cts[k]!);
  });
  const producer = new Int32Array(g.nvars).fill(-1);
  g.eqns.forEach((e, k) => { producer[e.out] = k; });
  const multi = (v: number) => producer[v] >= 0 && g.eqns[producer[v]].op.vjpParts !== undefined;
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (!active[e.out]) continue;
    if (e.op === partOp && multi(e.ins[0])) {
      const ct = total(e.out);
      const { index } = e.attrs as PartAttrs;
      if (!ct) continue;
      const list = parts.get(e.ins[0]) ?? [];
      list[index] = list[index] ? add(list[index]!, ct) : ct;
      parts.set(e.ins[0], list);
      continue;
    }
    const ins = e.ins.map((i) => env[i]);
    const needs = e.ins.map((i) => !!active[i]);
    const ctx = { ins, out: env[e.out], attrs: e.attrs, saved: saved.get(k) };
    let res: (Tensor | null)[];
    let pending: (Tensor | null)[] = [];
    if (e.op.vjpParts) {
      const list = parts.get(e.out);
      if (sums.has(e.out)) fail('ERR_RULE', e.op.name, `the packed output of '${e.op.name}' may only be read through its parts (read by ${g.eqns.filter((u) => u.ins.includes(e.out)).map((u) => u.op.name + ' ' + JSON.stringify(u.attrs)).join(', ')})`);
      if (!list) continue;
      pending = e.ins.map((v, i) => (needs[i] ? total(v) : null));
      res = e.op.vjpParts(Array.from({ length: list.length }, (_, i) => list[i] ?? null), ctx, needs, pending);
    } else {
      const ct = total(e.out);
      if (!ct) continue; // structurally zero
      const rule = e.op.vjp;
      if (!rule) return fail('ERR_NO_RULE', e.op.name, `no reverse-mode rule for op '${e.op.name}'; supply one with w.customVjp`);
      if (labels) markCotangent(env[e.out], ct);   // for show: which value each cotangent belongs to
      res = rule(ct, ctx, needs);
    }
    e.ins.forEach((v, i) => {
      const r = res[i] ?? pending[i];   // a rule without a contribution keeps the sum pending
      if (!needs[i] || !r) return;
      if (!sameShape(r.shape, g.shapes[v])) {
        fail('ERR_RULE', e.op.name, `VJP rule returned a cotangent of shape ${fmtShape(r.shape)} for input ${i}, expected ${fmtShape(g.shapes[v])}`);
      }
      push(v, r);
    });
  }
  return wrtVars.map((v) => total(v));
}

/** the cotangent contributions of each variable, summed in the order they arrived */
class Sums {
  private readonly contrib: (Tensor[] | undefined)[];
  constructor(n: number) { this.contrib = new Array(n); }
  push(v: number, t: Tensor): void { (this.contrib[v] ??= []).push(t); }
  has(v: number): boolean { return this.contrib[v] !== undefined; }
  /** c₀ + c₁ + … (left to right), or null when nothing arrived; taken once */
  total(v: number): Tensor | null {
    const c = this.contrib[v];
    if (!c) return null;
    let s = c[0];
    for (let i = 1; i < c.length; i++) s = add(s, c[i]);
    this.contrib[v] = undefined;
    return s;
  }
}

function label(tr: Trace | null, t: Tensor, text: string) {
  if (tr && t._trace === tr && tr.graph.labels[t._v] === undefined && tr.produced(t)) tr.graph.setLabel(t._v, text);
}

/** record that ct holds the cotangent of the forward value x (both of one trace) */
function markCotangent(x: Tensor, ct: Tensor) {
  const tr = x._trace;
  if (tr && ct._trace === tr && !tr.graph.cotangentOf.has(ct._v) && tr.produced(ct)) tr.graph.cotangentOf.set(ct._v, x._v);
}
