// Reverse mode as a program transformation: the VJP graph re-emits the forward equations and then
// walks them backwards, emitting each op's VJP rule (written in wengert ops) as new equations.
import { Graph } from '../core/graph.js';
import { Trace } from '../core/trace.js';
import { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { add } from '../ops/add.js';
import { broadcastTo } from '../ops/broadcastTo.js';

/** Seed per output: 'ones' (scalar loss), 'input' (a cotangent argument), or null (no cotangent). */
export type Seed = 'ones' | 'input' | null;

/**
 * VJP graph of g. Inputs: g's inputs, then one cotangent per output seeded 'input'.
 * Outputs: g's outputs, then the cotangent of each input listed in `wrt` (indices into g.inputs),
 * then the variables of g listed in `extra` (guarded values a compiled program checks).
 */
export function vjpGraph(g: Graph, wrt: readonly number[], seeds: readonly Seed[], extra: readonly number[] = []): Graph {
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(g.nvars);
    g.inputs.forEach((v, k) => { env[v] = tr.input(g.shapes[v], null, g.labels[v] ?? `in${k}`); });
    for (const [v, t] of g.consts) env[v] = t;
    const cts = g.outputs.map((v, k) => (seeds[k] === 'input' ? tr.input(g.shapes[v], null, `ct${k}`) : null));
    for (const e of g.eqns) env[e.out] = apply(e.op, e.ins.map((i) => env[i]), e.attrs);
    const grads = backward(g, env, wrt.map((k) => g.inputs[k]), seeds, cts);
    for (const [k, t] of grads.entries()) label(tr, t, `grad.${g.labels[g.inputs[wrt[k]]] ?? `in${wrt[k]}`}`);
    return compact(tr.finish([...g.outputs.map((v) => env[v]), ...grads, ...extra.map((v) => env[v])]));
  } finally {
    tr.close();
  }
}

/** The backward sweep over g's equations, given forward values `env` (tensors or tracers). */
export function backward(g: Graph, env: Tensor[], wrtVars: readonly number[], seeds: readonly Seed[],
  cts: readonly (Tensor | null)[]): Tensor[] {
  // activity: a variable needs a cotangent if it depends on a differentiated input
  const active = new Uint8Array(g.nvars);
  for (const v of wrtVars) active[v] = 1;
  for (const e of g.eqns) if (!e.op.nondiff && e.ins.some((i) => active[i])) active[e.out] = 1;

  const contrib: (Tensor[] | undefined)[] = new Array(g.nvars);
  const push = (v: number, t: Tensor) => { (contrib[v] ??= []).push(t); };
  g.outputs.forEach((v, k) => {
    if (!active[v]) return;
    if (seeds[k] === 'ones') push(v, broadcastTo(1, [...g.shapes[v]]));
    else if (seeds[k] === 'input') push(v, cts[k]!);
  });
  const total = (v: number): Tensor | null => {
    const c = contrib[v];
    if (!c) return null;
    let s = c[0];
    for (let i = 1; i < c.length; i++) s = add(s, c[i]);
    contrib[v] = undefined;
    return s;
  };

  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (!active[e.out]) continue;
    const ct = total(e.out);
    if (!ct) continue; // structurally zero
    const rule = e.op.vjp;
    if (!rule) return fail('ERR_NO_RULE', e.op.name, `no reverse-mode rule for op '${e.op.name}'; supply one with w.customVjp`);
    const needs = e.ins.map((i) => !!active[i]);
    markCotangent(env[e.out], ct);
    const ins = e.ins.map((i) => env[i]);
    const res = rule(ct, { ins, out: env[e.out], attrs: e.attrs }, needs);
    e.ins.forEach((v, i) => {
      const r = res[i];
      if (!needs[i] || !r) return;
      if (!sameShape(r.shape, g.shapes[v])) {
        fail('ERR_RULE', e.op.name, `VJP rule returned a cotangent of shape ${fmtShape(r.shape)} for input ${i}, expected ${fmtShape(g.shapes[v])}`);
      }
      push(v, r);
    });
  }
  return wrtVars.map((v) => total(v) ?? broadcastTo(0, [...g.shapes[v]]));
}

function label(tr: Trace | null, t: Tensor, text: string) {
  if (tr && t._trace === tr && tr.graph.labels[t._v] === undefined && tr.produced(t)) tr.graph.labels[t._v] = text;
}

/** record that ct holds the cotangent of the forward value x (both of one trace) */
function markCotangent(x: Tensor, ct: Tensor) {
  const tr = x._trace;
  if (tr && ct._trace === tr && !tr.graph.cotangentOf.has(ct._v) && tr.produced(ct)) tr.graph.cotangentOf.set(ct._v, x._v);
}
