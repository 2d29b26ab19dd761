// Recording a user function: every numeric leaf of every argument becomes a graph input.
import type { Graph } from '../core/graph.js';
import { Trace, type Repeat } from '../core/trace.js';
import { Tensor } from '../core/tensor.js';
import { flatten, unflatten, checkDifferentiable, type TreeDef } from '../core/pytree.js';
import { fail, describe, WengertError } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';

export interface Traced {
  graph: Graph;
  /** values bound to the graph inputs: argument leaves, then captured outer tracers */
  inputs: Tensor[];
  argDefs: TreeDef[];
  /** graph-input index range of each argument's leaves */
  argRanges: [number, number][];
  outDef: TreeDef;
}

export interface TraceOptions {
  /** arguments that will be differentiated: checked to be numeric before f runs */
  diff?: readonly number[];
  /** picks the outputs from what f returned (grad with hasAux) */
  pick?: (out: unknown) => unknown;
  /** which outputs must depend on `diff` when f read a value that does (checkDependence): grad's first, or all */
  depend?: 'first' | 'all';
  /** reading a value while recording is ERR_TRACE (loop bodies run once per iteration: no single value to guard) */
  noReads?: boolean;
  /** an earlier recording this one must repeat (compared equation by equation; the result graph has no equations) */
  repeat?: Repeat;
}

export function traceFunction(f: (...a: any[]) => unknown, args: readonly unknown[], name: string, opts: TraceOptions = {}): Traced {
  if (typeof f !== 'function') fail('ERR_ARG', name, `expected a function but received ${describe(f)}`);
  const params = paramNames(f);
  const flat = args.map((a, i) => flatten(a, params[i] || `arg${i}`));
  for (const a of opts.diff ?? []) checkDifferentiable(flat[a].def, name);
  const tr = new Trace(opts.repeat);
  if (opts.noReads) tr.readsForbiddenIn = name;
  try {
    const argRanges: [number, number][] = [];
    const traced = flat.map(({ leaves, def }) => {
      const start = tr.graph.inputs.length;
      const tracers = leaves.map((leaf, j) => tr.input(leaf.shape, leaf, leafPath(def, j)));
      argRanges.push([start, tr.graph.inputs.length]);
      return unflatten(def, tracers, false);
    });
    let out: unknown;
    try { out = f(...traced); } catch (e) { throw flat.reduce((err, { def, leaves }) => withFlatArrayHint(err, def, leaves.map((l) => l.shape)), e); }
    checkReturned(name, out);
    if (opts.pick) out = opts.pick(out);
    const { leaves: outLeaves, def: outDef } = flatten(out, 'output');
    if (!outLeaves.length) fail('ERR_ARG', name, `f returned ${describe(out)} with no numbers in it; expected a Tensor, a number, or an array or object of them`);
    const graph = tr.finish(outLeaves);
    const inputs = [...flat.flatMap((x) => x.leaves), ...tr.captures];
    if (opts.depend && opts.diff) {
      const wrt = opts.diff.flatMap((a) => Array.from({ length: argRanges[a][1] - argRanges[a][0] }, (_, j) => argRanges[a][0] + j));
      checkDependence(graph, wrt, opts.depend === 'first' ? graph.outputs.slice(0, 1) : graph.outputs, name);
    }
    return { graph, inputs, argDefs: flat.map((x) => x.def), argRanges, outDef };
  } finally {
    tr.close();
  }
}

function leafPath(def: TreeDef, j: number): string | undefined {
  if (def.t === 'leaf') return def.i === j ? def.path : undefined;
  if (def.t === 'static') return undefined;
  for (const d of def.items) { const p = leafPath(d, j); if (p !== undefined) return p; }
  return undefined;
}

/** Parameter names of f, for readable input labels (best effort). */
function paramNames(f: Function): string[] {
  const src = Function.prototype.toString.call(f);
  const m = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) return [];
  return m[1].split(',').map((p) => p.trim()).map((p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? p : ''));
}

/** What f returned must be something wengert can trace: not a Promise, not nothing, not text. */
function checkReturned(name: string, out: unknown): void {
  if (out !== null && (typeof out === 'object' || typeof out === 'function') && typeof (out as { then?: unknown }).then === 'function') {
    fail('ERR_ARG', name, 'f returned a Promise; wengert needs a synchronous f (an async function cannot be traced: compute with wengert ops and return the result)');
  }
  if (out === undefined) fail('ERR_ARG', name, 'f returned undefined; expected a Tensor, a number, or an array or object of them (is a `return` missing?)');
  if (typeof out === 'string' || typeof out === 'boolean' || typeof out === 'bigint' || typeof out === 'symbol' || out === null) {
    fail('ERR_ARG', name, `f returned ${describe(out)}; expected a Tensor, a number, or an array or object of them`);
  }
}

/**
 * ERR_TRACE when none of `outputs` depends on the differentiated inputs `wrt` (indices into
 * g.inputs) although f read the value of a variable that does: the derivative was lost where that
 * number re-entered the program as a constant (`w.tensor(Math.sin(x.item()))`, `x.item() * 2`).
 * An honestly constant f (`x => w.stopGradient(x)`, `x => 3`) reads nothing and passes.
 */
export function checkDependence(g: Graph, wrt: readonly number[], outputs: readonly number[], name: string): void {
  if (!g.guards.length) return;
  const active = activity(g, wrt);
  if (outputs.some((v) => active[v])) return;
  const read = g.guards.find((gd) => active[gd.v]);
  if (!read) return;
  const eqn = g.eqns.find((e) => e.out === read.v);
  const what = eqn ? `%${read.v} = ${eqn.op.name} ${eqn.ins.map((i) => `%${i}`).join(' ')} : ${fmtShape(g.shapes[read.v])}`
    : `the input ${g.labels[read.v] ?? `%${read.v}`} : ${fmtShape(g.shapes[read.v])}`;
  fail('ERR_TRACE', name, `f's result does not depend on the differentiated argument, although f read the value of ` +
    `${what}${read.site ? ` at ${read.site}` : ''}, which does: the derivative is lost where that number re-enters the ` +
    'computation as a constant. Compute with wengert ops on the tensor instead of reading its value (item, data, toArray) — ' +
    'or use w.stopGradient(x) if a zero derivative is intended');
}

/** active[v] = 1 when variable v depends differentiably on the inputs `wrt` (indices into g.inputs) */
export function activity(g: Graph, wrt: readonly number[]): Uint8Array {
  const active = new Uint8Array(g.nvars);
  for (const k of wrt) active[g.inputs[k]] = 1;
  for (const e of g.eqns) if (!e.op.nondiff && e.ins.some((i) => active[i])) active[e.out] = 1;
  return active;
}

/**
 * A shape error while f ran, involving a flat typed-array argument (always 1-D): say so, since
 * the usual intent was a matrix (`minimize(loss, { W: new Float64Array(4) })` with a matmul inside).
 */
export function withFlatArrayHint(e: unknown, def: TreeDef, shapes: readonly (readonly number[])[]): unknown {
  if (!(e instanceof WengertError) || e.code !== 'ERR_SHAPE' || e.message.includes('Float64Array argument is 1-D')) return e;
  const typed: string[] = [];
  const rec = (d: TreeDef) => {
    if (d.t === 'leaf') { if ((d.kind === 'f64' || d.kind === 'f32') && e.message.includes(fmtShape(shapes[d.i]))) typed.push(`${d.path || 'the argument'} is ${fmtShape(shapes[d.i])}`); }
    else if (d.t !== 'static') d.items.forEach(rec);
  };
  rec(def);
  if (typed.length) e.message += ` — a Float64Array argument is 1-D (${typed.join(', ')}); pass w.tensor(data, shape) or a nested array for a matrix`;
  return e;
}
