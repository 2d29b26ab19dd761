// Plain SSA text of a graph for Program.show() (w.show has the full printer).
import type { Graph } from '../core/graph.js';
import { fmtShape } from '../core/shape.js';

export function describeGraph(g: Graph): string {
  const lines: string[] = [];
  for (const v of g.inputs) lines.push(`in  %${v} : ${fmtShape(g.shapes[v])}${g.labels[v] ? `   # ${g.labels[v]}` : ''}`);
  for (const [v, t] of g.consts) lines.push(`%${v} = const ${t.size === 1 ? t._data![0] : `<${fmtShape(t.shape)}>`}`);
  for (const e of g.eqns) {
    const attrs = e.attrs === undefined ? '' : ` ${e.op.fmtAttrs ? e.op.fmtAttrs(e.attrs) : JSON.stringify(e.attrs)}`;
    lines.push(`%${e.out} = ${e.op.name} ${e.ins.map((i) => `%${i}`).join(' ')}${attrs} : ${fmtShape(g.shapes[e.out])}${g.labels[e.out] ? `   # ${g.labels[e.out]}` : ''}`);
  }
  lines.push(`out ${g.outputs.map((v) => `%${v}`).join(' ')}`);
  return lines.join('\n');
}
