// Printed form of a graph (DESIGN §3): numbered SSA, one equation per line,
// `%7 = mul %3 %6 : f64[1000]`; inputs, constants, equations, outputs, guards.
import type { Graph, Eqn } from './graph.js';
import type { Tensor } from './tensor.js';
import { fmtShape } from './shape.js';

export interface PrintOptions {
  /** first comment line(s) */
  title?: string[];
  /** name of the differentiated value, used for cotangent comments: ∂f/∂%3 */
  of?: string;
  /** per output, a comment (its path or meaning) */
  outputNames?: readonly (string | undefined)[];
  /** equations (indices into g.eqns) that recompute forward values: printed under a "forward sweep" heading */
  forward?: ReadonlySet<number>;
}

const CODE_WIDTH = 40;

export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const rows: [string, string?][] = [];
  const comment = (text: string) => rows.push([`# ${text}`]);
  for (const t of opts.title ?? []) comment(t);
  for (const v of g.inputs) rows.push([`in %${v} : ${fmtShape(g.shapes[v])}`, inputNote(g.labels[v])]);
  for (const [v, t] of g.consts) {
    const c = fmtConst(t);
    rows.push([`const %${v}${c === undefined ? '' : ` = ${c}`} : ${fmtShape(g.shapes[v])}`]);
  }
  let sweep: 'none' | 'forward' | 'backward' = 'none';
  g.eqns.forEach((e, k) => {
    if (opts.forward) {
      const now = opts.forward.has(k) && sweep !== 'backward' ? 'forward' : 'backward';
      if (now !== sweep) comment(now === 'forward'
        ? '-- forward sweep: the values the derivative rules need'
        : `-- backward sweep: cotangents${opts.of ? ` ∂${opts.of}/∂v` : ''}, from the output back to the inputs`);
      sweep = now;
    }
    rows.push([fmtEqn(e, g), eqnNote(g, e.out, opts.of)]);
  });
  g.outputs.forEach((v, k) => rows.push([`out %${v} : ${fmtShape(g.shapes[v])}`, opts.outputNames?.[k] ?? eqnNote(g, v, opts.of)]));
  for (const gd of g.guards) {
    rows.push([`guard %${gd.v} == ${fmtValues(gd.value, g.shapes[gd.v].length === 0)}`,
      `a value read while recording${gd.site ? ` at ${gd.site}` : ''}: the program holds while this does`]);
  }
  const width = Math.min(CODE_WIDTH, rows.reduce((m, r) => (r[1] ? Math.max(m, r[0].length) : m), 0));
  return rows.map(([code, note]) => (note ? `${code.padEnd(width)}   # ${note}` : code)).join('\n');
}

/** `%7 = mul %3 %6 axes=[0] : f64[1000]` */
export function fmtEqn(e: Eqn, g: Graph): string {
  const attrs = fmtAttrs(e);
  return `%${e.out} = ${e.op.name}${e.ins.map((i) => ` %${i}`).join('')}${attrs ? ' ' + attrs : ''} : ${fmtShape(g.shapes[e.out])}`;
}

export function fmtAttrs(e: Eqn): string {
  if (e.attrs === undefined || e.attrs === null) return '';
  if (e.op.fmtAttrs) return e.op.fmtAttrs(e.attrs);
  if (typeof e.attrs !== 'object') return String(e.attrs);
  return Object.entries(e.attrs as Record<string, unknown>)
    .filter(([, x]) => x !== false && x !== undefined)
    .map(([k, x]) => (x === true ? k : `${k}=${fmtAttrValue(x)}`)).join(' ');
}

const fmtAttrValue = (x: unknown): string =>
  Array.isArray(x) ? `[${x.map(fmtAttrValue).join(',')}]` : typeof x === 'number' ? fmtNum(x) : String(x);

/** What a label means, in words a reader without AD background can follow. */
function inputNote(label: string | undefined): string | undefined {
  if (label === undefined || label === '') return undefined;
  if (label === 'captured') return 'captured from an enclosing transformation';
  const ct = /^ct(\d+)$/.exec(label);
  if (ct) return `cotangent seed for output ${ct[1]}`;
  return label;
}

export function eqnNote(g: Graph, v: number, of: string | undefined): string | undefined {
  const u = g.cotangentOf.get(v);
  if (u !== undefined) return of ? `∂${of}/∂%${u}` : `cotangent of %${u}`;
  const label = g.labels[v];
  if (label === undefined || label === '') return undefined;
  const gr = /^grad\.(.*)$/.exec(label);
  if (gr) return of ? `∂${of}/∂${gr[1]}` : `gradient for ${gr[1]}`;
  return label;
}

/** Small constants print their value, uniform ones `full(c)`, big ones nothing (only their shape). */
export function fmtConst(t: Tensor, max = 8): string | undefined {
  const d = t._data!;
  if (d.length === 0) return '[]';
  if (d.length === 1) return fmtNum(d[0]);
  if (d.every((x) => Object.is(x, d[0]))) return `full(${fmtNum(d[0])})`;
  return d.length <= max ? fmtValues(d, false) : undefined;
}

function fmtValues(d: Float64Array, scalar: boolean): string {
  if (scalar || d.length === 1) return fmtNum(d[0]);
  const shown = Array.from(d.subarray(0, 8), fmtNum);
  return `[${shown.join(', ')}${d.length > 8 ? ', …' : ''}]`;
}

export function fmtNum(x: number): string {
  const s = Object.is(x, -0) ? '-0' : String(x);
  return s.length <= 10 ? s : x.toPrecision(6).replace(/\.?0+(e|$)/, '$1');
}
