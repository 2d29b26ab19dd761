// w.show / show.expression / show.dot: the forward program of f and, for a scalar output, the
// gradient program that w.grad runs (vjpGraph of the same trace), as text, inlined, or DOT.
import type { Graph } from '../core/graph.js';
import { compact } from '../core/simplify.js';
import { sizeOf } from '../core/shape.js';
import { WengertError } from '../core/errors.js';
import { flatten, type TreeDef } from '../core/pytree.js';
import { printGraph } from '../core/print.js';
import { inlineOutputs, formatInlined } from '../core/expression.js';
import { toDot } from '../core/dot.js';
import { traceFunction } from './trace-fn.js';
import { vjpGraph } from './vjp.js';

type Fn = (...args: any[]) => unknown;

/** The programs show prints, numbered compactly. */
export interface Shown {
  name: string;
  argNames: string[];
  forward: Graph;
  outputNames: string[];
  gradient?: Graph;
  gradientOutputNames?: string[];
  /** gradient-program equations that recompute forward values */
  recomputed?: Set<number>;
  /** why there is no gradient program */
  why?: string;
}

export function programs(f: Fn, args: readonly unknown[], api: string): Shown {
  const tr = traceFunction(f, args, api);
  const name = (typeof f === 'function' && f.name) || 'f';
  const argNames = args.map((x, a) => nameArgument(tr.graph, x, tr.argRanges[a][0], a));
  const forward = compact(tr.graph);
  const outPaths = leafPaths(tr.outDef);
  const outputNames = outPaths.map((p) => (outPaths.length === 1 ? name : `${name}${joinPath(p)}`));
  const shown: Shown = { name, argNames, forward, outputNames };
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
    shown.gradient = compact(vjpGraph(tr.graph, wrt, ['ones'], [], true));
  } catch (err) {
    if (!(err instanceof WengertError) || err.code !== 'ERR_NO_RULE') throw err;
    shown.why = `no gradient program: ${err.message}`;
    return shown;
  }
  shown.gradientOutputNames = [name, ...wrt.map((k) => `∂${name}/∂${tr.graph.labels[tr.graph.inputs[k]]}`)];
  shown.recomputed = recomputedEqns(forward, shown.gradient);
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

/**
 * Value numbering across the two programs: an equation of the gradient program whose op, attrs
 * and (recursively) operands equal a forward equation recomputes that forward value.
 */
function recomputedEqns(fwd: Graph, grad: Graph): Set<number> {
  const ids = new Map<string, number>();
  const number = (g: Graph) => {
    const vn = new Int32Array(g.nvars);
    g.inputs.forEach((v, k) => { vn[v] = intern(ids, `in${k}`); });
    for (const [v, t] of g.consts) vn[v] = intern(ids, t);
    return g.eqns.map((e) => (vn[e.out] = intern(ids, `${e.op.name}|${JSON.stringify(e.attrs) ?? ''}|${e.ins.map((i) => vn[i])}`)));
  };
  const known = new Set(number(fwd));
  const set = new Set<number>();
  number(grad).forEach((id, k) => { if (known.has(id)) set.add(k); });
  return set;
}

const constIds = new WeakMap<object, string>();
let constCounter = 0;
function intern(ids: Map<string, number>, key: string | object): number {
  let k = key as string;
  if (typeof key === 'object') {
    k = constIds.get(key) ?? `c${constCounter++}`;
    constIds.set(key, k);
  }
  let id = ids.get(k);
  if (id === undefined) ids.set(k, (id = ids.size));
  return id;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function showText(f: Fn, ...args: unknown[]): string {
  const s = programs(f, args, 'show');
  const sig = `${s.name}(${s.argNames.join(', ')})`;
  const count = (g: Graph) => `${plural(g.inputs.length, 'input')}, ${plural(g.eqns.length, 'equation')}, ${plural(g.outputs.length, 'output')}`;
  const parts = [printGraph(s.forward, {
    title: [`forward program of ${sig}: ${count(s.forward)}`],
    outputNames: s.outputNames,
  })];
  if (s.gradient) {
    const g = s.gradient;
    const usesCmul = g.eqns.some((e) => e.op.name === 'cmul');
    parts.push(printGraph(g, {
      title: [
        `gradient program of ${sig} (reverse mode): ${count(g)}`,
        `  ∂${s.name}/∂v, the cotangent of v: how much ${s.name} changes per unit change of v.`,
        `  The backward sweep starts at ∂${s.name}/∂${s.name} = 1 and applies the chain rule once per forward`,
        '  equation, last to first; a value used twice gets its two contributions added.',
        ...(usesCmul ? ['  cmul a b = a·b, except that a zero cotangent a gives exactly 0.'] : []),
      ],
      of: s.name,
      outputNames: s.gradientOutputNames,
      forward: s.recomputed,
    }));
  } else if (s.why) {
    parts.push(`# ${s.why}`);
  }
  return parts.join('\n\n');
}

function showExpression(f: Fn, ...args: unknown[]): string {
  const s = programs(f, args, 'show.expression');
  const lines = [
    `# ${s.name}(${s.argNames.join(', ')}) with every variable replaced by its definition: one expression`,
    '# tree per output, as symbolic differentiation writes it, beside the SSA program AD writes',
    '# (each value computed once and reused by name).',
  ];
  lines.push(formatInlined(inlineOutputs(s.forward, s.forward.outputs), s.outputNames).join('\n'));
  if (s.gradient) {
    const grads = s.gradient.outputs.slice(1);
    lines.push(formatInlined(inlineOutputs(s.gradient, grads), s.gradientOutputNames!.slice(1)).join('\n'));
  } else if (s.why) {
    lines.push(`# ${s.why}`);
  }
  return lines.join('\n');
}

function showDot(f: Fn, ...args: unknown[]): string {
  const s = programs(f, args, 'show.dot');
  const progs = [{ id: 'forward', title: `forward program of ${s.name}`, graph: s.forward, outputNames: s.outputNames }];
  if (s.gradient) {
    progs.push({ id: 'gradient', title: `gradient program of ${s.name} (reverse mode)`, graph: s.gradient, outputNames: s.gradientOutputNames!, of: s.name } as typeof progs[0]);
  }
  return toDot(progs);
}

export interface ShowFn {
  /** The forward program of f and, for a scalar output, its gradient program, as numbered SSA. */
  (f: Fn, ...args: unknown[]): string;
  /** Each output (and each gradient) inlined into one nested expression, with its size beside the SSA size. */
  expression(f: Fn, ...args: unknown[]): string;
  /** Graphviz DOT of the forward and gradient programs. */
  dot(f: Fn, ...args: unknown[]): string;
}

export const show: ShowFn = Object.assign(showText, { expression: showExpression, dot: showDot });
