// Graphviz DOT of one or more programs, each in its own cluster: inputs (ellipses), constants
// (notes), equations (boxes), edges operand → use, outputs with a double border.
import type { Graph } from '../core/graph.js';
import { fmtShape } from '../core/shape.js';
import { fmtAttrs, fmtConst } from '../core/format.js';
import { eqnNote } from './print.js';

export interface DotProgram {
  /** identifier prefix, unique per program */
  id: string;
  title: string;
  graph: Graph;
  outputNames?: readonly (string | undefined)[];
  /** name of the differentiated value (cotangent nodes read ∂f/∂%3) */
  of?: string;
}

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function toDot(progs: readonly DotProgram[]): string {
  const lines = ['digraph wengert {', '  rankdir=TB;', '  node [fontname="monospace", fontsize=10];', '  edge [arrowsize=0.6];'];
  for (const p of progs) for (const l of cluster(p)) lines.push(l);
  lines.push('}');
  return lines.join('\n');
}

function cluster({ id, title, graph: g, outputNames, of }: DotProgram): string[] {
  const n = (v: number) => `${id}_${v}`;
  const out = [`  subgraph ${q(`cluster_${id}`)} {`, `    label=${q(title)};`];
  const outIdx = new Map<number, number>();
  g.outputs.forEach((v, k) => { if (!outIdx.has(v)) outIdx.set(v, k); });
  const node = (v: number, text: string, attrs: string) => {
    const k = outIdx.get(v);
    const extra = k === undefined ? '' : ', peripheries=2';
    const name = k === undefined ? '' : `\nout: ${outputNames?.[k] ?? `output ${k}`}`;
    out.push(`    ${n(v)} [label=${q(text + name)}, ${attrs}${extra}];`);
  };
  for (const v of g.inputs) node(v, `%${v} ${g.labels[v] ?? ''}\n${fmtShape(g.shapes[v])}`.replace(' \n', '\n'), 'shape=ellipse');
  for (const [v, t] of g.consts) node(v, `%${v} = ${fmtConst(t, 4) ?? 'const'}\n${fmtShape(g.shapes[v])}`, 'shape=note');
  for (const e of g.eqns) {
    const attrs = fmtAttrs(e);
    const note = eqnNote(g, e.out, of);
    const text = `%${e.out} = ${e.op.name}${attrs ? ' ' + attrs : ''}\n${fmtShape(g.shapes[e.out])}${note ? `\n${note}` : ''}`;
    node(e.out, text, note ? 'shape=box, style=filled, fillcolor="#e8f0ff"' : 'shape=box');
    e.ins.forEach((i, k) => out.push(`    ${n(i)} -> ${n(e.out)}${e.ins.length > 1 ? ` [label=${q(String(k))}]` : ''};`));
  }
  out.push('  }');
  return out;
}
