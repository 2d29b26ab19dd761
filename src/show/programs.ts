// The programs show prints for f at some arguments: the forward program (the recording, repeated
// blocks rolled into loops as w.grad does) and, for a scalar output, the gradient program w.grad
// runs (the VJP of that recording) — simplified as the planner simplifies them, or raw.
import type { Graph } from '../core/graph.js';
import type { Tensor } from '../core/tensor.js';
import { compact } from '../core/simplify.js';
import { sizeOf } from '../core/shape.js';
import { WengertError } from '../core/errors.js';
import { flatten, type TreeDef } from '../core/pytree.js';
import { traceFunction } from '../transforms/trace-fn.js';
import { vjpGraph } from '../transforms/vjp.js';
import { reroll } from '../plan/reroll.js';
import { simplify, forwardTwins } from './simplify.js';

export type Fn = (...args: any[]) => unknown;

export interface Shown {
  name: string;
  argNames: string[];
  forward: Graph;
  outputNames: string[];
  /** the argument leaves, in input order (concrete tensors: show runs outside transformations) */
  inputs: Tensor[];
  gradient?: Graph;
  gradientOutputNames?: string[];
  /** per gradient-program variable, the forward variable holding the same value, or −1 */
  twins?: Int32Array;
  /** gradient-program equations (indices) that compute forward values again */
  recomputed?: Set<number>;
  /** why there is no gradient program */
  why?: string;
  /** simplified (the default) or raw */
  raw: boolean;
}

export function programs(f: Fn, args: readonly unknown[], api: string, raw = false): Shown {
  const tr = traceFunction(f, args, api);
  const name = (typeof f === 'function' && f.name) || 'f';
  const argNames = args.map((x, a) => nameArgument(tr.graph, x, tr.argRanges[a][0], a));
  const recorded = raw ? tr.graph : reroll(tr.graph).graph;
  const forward = raw ? compact(recorded) : simplify(recorded);
  const outPaths = leafPaths(tr.outDef);
  const outputNames = outPaths.map((p) => (outPaths.length === 1 ? name : `${name}${joinPath(p)}`));
  const shown: Shown = { name, argNames, forward, outputNames, inputs: tr.inputs, raw };
  const outs = tr.graph.outputs;
  if (outs.length !== 1 || sizeOf(tr.graph.shapes[outs[0]]) !== 1) {
    shown.why = outs.length === 1
      ? `${name} returns f64[${tr.graph.shapes[outs[0]].join(',')}], not a scalar: no gradient program (show a w.vjp or w.jacobian closure to see one)`
      : `${name} returns ${outs.length} values, not one scalar: no gradient program`;
    return shown;
  }
  const wrt = tr.argRanges.flatMap(([s, e]) => Array.from({ length: e - s }, (_, i) => s + i));
  if (wrt.length === 0) { shown.why = `${name} has no numeric argument to differentiate`; return shown; }
  try {
    const g = vjpGraph(recorded, wrt, ['ones'], [], true);
    shown.gradient = raw ? compact(g) : simplify(g);
  } catch (err) {
    if (!(err instanceof WengertError) || err.code !== 'ERR_NO_RULE') throw err;
    shown.why = `no gradient program: ${err.message}`;
    return shown;
  }
  shown.gradientOutputNames = [name, ...wrt.map((k) => `∂${name}/∂${tr.graph.labels[tr.graph.inputs[k]]}`)];
  shown.twins = forwardTwins(forward, shown.gradient);
  const twins = shown.twins;
  shown.recomputed = new Set(shown.gradient.eqns.flatMap((e, k) => (twins[e.out] >= 0 ? [k] : [])));
  return shown;
}

/** Root name of argument a (its parameter name); unnamed parameters (`...args`) become arg0, arg1... */
function nameArgument(g: Graph, arg: unknown, first: number, a: number): string {
  const rel = leafPaths(flatten(arg).def);
  if (rel.length === 0) return `arg${a}`;
  const label = g.labels[g.inputs[first]] ?? '';
  const p = rel[0];
  const root = !p ? label : p.startsWith('[') ? label.slice(0, label.length - p.length) : label === p ? '' : label.slice(0, label.length - p.length - 1);
  if (root) return root;
  rel.forEach((q, j) => { g.labels[g.inputs[first + j]] = `arg${a}${joinPath(q)}`; });
  return `arg${a}`;
}

const joinPath = (p: string) => (!p ? '' : p.startsWith('[') ? p : `.${p}`);

/** Paths of the numeric leaves of a tree, in leaf order. */
function leafPaths(def: TreeDef): string[] {
  const out: string[] = [];
  const rec = (d: TreeDef) => {
    if (d.t === 'leaf') out[d.i] = d.path;
    else if (d.t !== 'static') d.items.forEach(rec);
  };
  rec(def);
  return out;
}

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
export const countLine = (g: Graph): string =>
  `${plural(g.inputs.length, 'input')}, ${plural(g.eqns.length, 'equation')}, ${plural(g.outputs.length, 'output')}`;
