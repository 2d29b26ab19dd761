// Printed form of a graph (DESIGN §3): numbered SSA, one equation per line,
// `%7 = mul %3 %6 : f64[1000]`; inputs, constants, equations, outputs, guards. Loop equations
// print their sub-programs (OpDef.subgraphs) indented under them. The header explains each
// annotation the program uses, the first time one show output uses it (legend.ts).
import type { Graph, Eqn } from '../core/graph.js';
import { fmtShape } from '../core/shape.js';
import { fmtAttrs, fmtConst, fmtValues } from '../core/format.js';
import { Legend, type Mark } from './legend.js';

export interface PrintOptions {
  /** first comment line(s) */
  title?: string[];
  /** name of the differentiated value, used for cotangent comments: ∂f/∂%3 */
  of?: string;
  /** per output, a comment (its path or meaning) */
  outputNames?: readonly (string | undefined)[];
  /** equations (indices into g.eqns) that recompute forward values: printed under a "forward sweep" heading */
  forward?: ReadonlySet<number>;
  /** annotations explained so far in this show output (default: a fresh one) */
  legend?: Legend;
  /** a value column: the text of variable v's value, or undefined */
  value?: (v: number) => string | undefined;
  /** a sub-program as printed (show simplifies loop bodies as the planner does) */
  sub?: (g: Graph) => Graph;
  /** extra comment per equation (planned programs: buffers) */
  extra?: (e: Eqn) => string | undefined;
  /** more annotations this program uses (explained in its header) */
  marks?: Iterable<Mark>;
}

type Row = [code: string, value?: string, note?: string];

const CODE_WIDTH = 44;
const BAR = '│   ';

export function printGraph(g: Graph, opts: PrintOptions = {}): string {
  const legend = opts.legend ?? new Legend();
  const marks = new Set<Mark>(opts.marks ?? []);
  const rows: Row[] = [];
  emit(g, opts, marks, rows, '', true);
  const header = (opts.title ?? []).map((t) => `# ${t}`);
  for (const l of legend.take(marks, opts.of)) header.push(`#   ${l}`);
  return [...header, ...align(rows)].join('\n');
}

/** rows of g (and its sub-programs, indented) */
function emit(g: Graph, opts: PrintOptions, marks: Set<Mark>, rows: Row[], pad: string, top: boolean): void {
  const of = top ? opts.of : undefined;
  const value = top ? opts.value : undefined;
  const comment = (text: string) => rows.push([`${pad}# ${text}`]);
  for (const v of g.inputs) rows.push([`${pad}in %${v} : ${fmtShape(g.shapes[v])}`, value?.(v), top ? inputNote(g.labels[v], marks) : undefined]);
  for (const [v, t] of g.consts) {
    const c = fmtConst(t);
    if (c === undefined) marks.add('bigConst');
    rows.push([`${pad}const %${v}${c === undefined ? '' : ` = ${c}`} : ${fmtShape(g.shapes[v])}`]);
  }
  let sweep: 'none' | 'forward' | 'backward' = 'none';
  const zeros = zeroGuards(g);
  g.eqns.forEach((e, k) => {
    if (top && opts.forward) {
      const now = opts.forward.has(k) && sweep !== 'backward' ? 'forward' : 'backward';
      if (now !== sweep) {
        marks.add('sweeps');
        comment(now === 'forward' ? '-- forward sweep' : `-- backward sweep${opts.of ? `: cotangents ∂${opts.of}/∂v` : ''}`);
      }
      sweep = now;
    }
    opMarks(e, marks);
    const notes = [eqnNote(g, e.out, of, marks), zeros.has(k) ? `0 where %${zeros.get(k)} = 0` : undefined, opts.extra?.(e)];
    if (zeros.has(k)) marks.add('zeroGuard');
    rows.push([`${pad}${fmtEqn(e, g)}`, value?.(e.out), notes.filter(Boolean).join('; ') || undefined]);
    for (const s of e.op.subgraphs?.(e.attrs) ?? []) {
      marks.add('body');
      const sg = opts.sub ? opts.sub(s.graph) : s.graph;
      const roles = subRoles(e, s.name, sg);
      rows.push([`${pad}${BAR}# ${s.name}${roles ? `: ${roles}` : ':'}`]);
      emit(sg, opts, marks, rows, pad + BAR, false);
    }
  });
  g.outputs.forEach((v, k) => {
    const named = top ? opts.outputNames?.[k] : undefined;
    rows.push([`${pad}out %${v} : ${fmtShape(g.shapes[v])}`, undefined, named ?? eqnNote(g, v, of, marks)]);
  });
  for (const gd of g.guards) {
    marks.add('guard');
    rows.push([`${pad}guard %${gd.v} == ${fmtValues(gd.value, g.shapes[gd.v].length === 0)}`, undefined, gd.site ? `read at ${gd.site}` : undefined]);
  }
}

/** the roles of a loop's sub-program inputs and outputs: `%0 constant, %1 %2 carries → %4 %6 carries` */
export function subRoles(e: Eqn, name: string, g: Graph): string | undefined {
  const a = e.attrs as { nConst?: number; nCarry?: number };
  if (typeof a?.nConst !== 'number') return undefined;
  const vars = (vs: readonly number[]) => vs.map((v) => `%${v}`).join(' ');
  const group = (vs: readonly number[], one: string, many: string) => (vs.length ? [`${vars(vs)} ${vs.length === 1 ? one : many}`] : []);
  const ins = g.inputs, nc = a.nConst;
  if (e.op.name === 'scan') {
    const nk = a.nCarry!;
    const left = [...group(ins.slice(0, nc), 'loop constant', 'loop constants'), ...group(ins.slice(nc, nc + nk), 'carry', 'carries'),
      ...group(ins.slice(nc + nk), 'slice of xs', 'slices of xs')];
    const right = [...group(g.outputs.slice(0, nk), 'next carry', 'next carries'), ...group(g.outputs.slice(nk), 'row of ys', 'rows of ys')];
    return `${left.join(', ') || 'no inputs'} → ${right.join(', ')}`;
  }
  if (name === 'cond') return `${[...group(ins.slice(0, nc), 'loop constant', 'loop constants'), ...group(ins.slice(nc), 'carry', 'carries')].join(', ')} → go on when ≠ 0`;
  if (name === 'reverse sweep') {
    const nk = (e.attrs.body as Graph).inputs.length - nc, ns = ins.length - nc - 2 * nk;
    const left = [...group(ins.slice(0, nc), 'loop constant', 'loop constants'), ...group(ins.slice(nc, nc + nk), 'carry the iteration started from', 'carries the iteration started from'),
      ...group(ins.slice(nc + nk, nc + 2 * nk), 'cotangent after it', 'cotangents after it'), ...group(ins.slice(nc + 2 * nk), 'running sum', 'running sums')];
    const right = [...group(g.outputs.slice(0, nk), 'cotangent before it', 'cotangents before it'), ...group(g.outputs.slice(nk, nk + ns), 'running sum', 'running sums')];
    return `${left.join(', ')} → ${right.join(', ')}`;
  }
  if (name === 'body') return `${[...group(ins.slice(0, nc), 'loop constant', 'loop constants'), ...group(ins.slice(nc), 'carry', 'carries')].join(', ')} → next carries`;
  return undefined;
}

/** code, value and note columns, aligned (long code lines push their notes right) */
function align(rows: readonly Row[]): string[] {
  const codeW = Math.min(CODE_WIDTH, rows.reduce((m, r) => (r[1] !== undefined || r[2] ? Math.max(m, r[0].length) : m), 0));
  const valueW = rows.reduce((m, r) => (r[1] !== undefined && r[2] ? Math.max(m, r[1].length + 2) : m), 0);
  return rows.map(([code, value, note]) => {
    let s = code;
    if (value !== undefined || note) s = s.padEnd(codeW);
    if (value !== undefined) s += `   = ${note ? value.padEnd(valueW - 2) : value}`;
    else if (note && valueW) s += ' '.repeat(valueW + 3);
    if (note) s += `   # ${note}`;
    return s.trimEnd();
  });
}

/** `%7 = mul %3 %6 axes=[0] : f64[1000]` */
export function fmtEqn(e: Eqn, g: Graph): string {
  const attrs = fmtAttrs(e);
  return `%${e.out} = ${e.op.name}${e.ins.map((i) => ` %${i}`).join('')}${attrs ? ' ' + attrs : ''} : ${fmtShape(g.shapes[e.out])}`;
}

const OP_MARKS: Record<string, Mark> = {
  cmul: 'cmul', part: 'part', scan: 'scan', whileLoop: 'whileLoop', whileVjp: 'whileVjp',
  customCall: 'customCall', opaque: 'opaque', fused: 'fused', matmulT: 'matmulT',
};
function opMarks(e: Eqn, marks: Set<Mark>): void {
  const m = OP_MARKS[e.op.name];
  if (m) marks.add(m);
  if (e.op.name === 'fused') for (const c of e.attrs.code) if (OP_MARKS[c.op.name]) marks.add(OP_MARKS[c.op.name]);
}

/** What an input label means, in words a reader without AD background can follow. */
function inputNote(label: string | undefined, marks: Set<Mark>): string | undefined {
  if (label === undefined || label === '') return undefined;
  if (label === 'captured') { marks.add('captured'); return 'captured'; }
  const ct = /^ct(\d+)$/.exec(label);
  if (ct) { marks.add('seed'); return `cotangent seed for output ${ct[1]}`; }
  return label;
}

/** `∂f/∂%3` for a cotangent, `∂f/∂x` for a gradient output, else the variable's label */
export function eqnNote(g: Graph, v: number, of: string | undefined, marks?: Set<Mark>): string | undefined {
  const u = g.cotangentOf.get(v);
  if (u !== undefined) { marks?.add('cotangent'); return of ? `∂${of}/∂%${u}` : `cotangent of %${u}`; }
  const label = g.labels[v];
  if (label === undefined || label === '') return undefined;
  const gr = /^grad\.(.*)$/.exec(label);
  if (gr) { marks?.add('gradient'); return of ? `∂${of}/∂${gr[1]}` : `gradient for ${gr[1]}`; }
  return label;
}

/**
 * equations `where c 0 p` with c = `equal b 0` (the zero-guarded product of two (co)tangents),
 * by index, with b
 */
export function zeroGuards(g: Graph): Map<number, number> {
  const isZero = (v: number) => { const t = g.consts.get(v); return !!t && t.size === 1 && t._data![0] === 0; };
  const eqOf = new Map<number, Eqn>();
  for (const e of g.eqns) if (e.op.name === 'equal' && isZero(e.ins[1])) eqOf.set(e.out, e);
  const out = new Map<number, number>();
  g.eqns.forEach((e, k) => {
    const c = e.op.name === 'where' ? eqOf.get(e.ins[0]) : undefined;
    if (c && isZero(e.ins[1])) out.set(k, c.ins[0]);
  });
  return out;
}
