// show.values: the classic AD table. (1) The forward program with each variable's value vᵢ and its
// cotangent v̄ᵢ = ∂f/∂vᵢ; (2) the backward sweep, last variable first, each cotangent as the sum
// of the chain-rule terms its uses contribute; (3) the gradient program that runs, with its values.
import type { Graph } from '../core/graph.js';
import { fmtNum, fmtValues } from '../core/format.js';
import { fmtShape } from '../core/shape.js';
import { printGraph } from './print.js';
import { Legend } from './legend.js';
import { simplify } from './simplify.js';
import { countLine, type Shown } from './programs.js';
import { compute, type Computed } from './values.js';

export interface ValuesOptions {
  /** significant digits of each printed value (default: numbers of up to 10 characters exactly, others to 6 digits) */
  digits?: number;
  /** values printed per array before `…` (default 6) */
  elements?: number;
}

/** the text of one value under `opts` */
export function valueFormatter(opts: ValuesOptions): (d: Float64Array | undefined, scalar: boolean) => string {
  const num = opts.digits === undefined ? fmtNum
    : (x: number) => (Object.is(x, -0) ? '-0' : Number.isInteger(x) && Math.abs(x) < 1e15 ? String(x) : String(Number(x.toPrecision(opts.digits))));
  const max = opts.elements ?? 6;
  return (d, scalar) => (d === undefined ? '—' : fmtValues(d, scalar, max, num));
}

export function showValues(s: Shown, opts: ValuesOptions = {}, c: Computed = compute(s)): string {
  const fmt = valueFormatter(opts);
  const legend = new Legend();
  const sig = `${s.name}(${s.argNames.join(', ')})`;
  const at = s.argNames.map((a, k) => `${a} = ${fmt(s.inputs[k]?._data ?? undefined, s.inputs[k]?.rank === 0)}`).join(', ');
  const F = s.forward;
  const val = (g: Graph, vals: (Float64Array | undefined)[]) => (v: number) => fmt(vals[v], sizeOfShape(g, v) === 1);
  const fv = val(F, c.fwd);
  const marks = [...(s.forward.shapes.some((sh) => sh.reduce((a, b) => a * b, 1) > (opts.elements ?? 6)) ? ['elided' as const] : [])];
  let column: (v: number) => string | undefined = fv;
  const title = [`${sig} at ${at}: the forward program, each variable with its value${c.ct ? ` vᵢ and its cotangent v̄ᵢ = ∂${s.name}/∂vᵢ` : ''}`];
  if (c.ct) {
    const w = Math.max(...F.shapes.map((_, v) => fv(v).length));
    column = (v) => `${fv(v).padEnd(w)}   v̄ = ${c.ct![v] ? fmt(c.ct![v], sizeOfShape(F, v) === 1) : '—'}`;
    title.push(`  (v̄ᵢ: how much ${s.name} changes per unit change of vᵢ; — : none, a constant or a loop's packed outputs)`);
  } else if (s.why) title.push(`  (${s.why})`);
  else if (c.why) title.push(`  (no cotangents: ${c.why})`);
  const parts = [printGraph(F, { title, outputNames: s.outputNames, legend, value: column, sub: simplify, marks })];
  if (F.eqns.some((e) => e.op.subgraphs)) parts[0] += '\n# (values inside loop bodies change every iteration: only the loops\' outputs are shown)';
  if (c.ct && c.terms) parts.push(backwardSweep(s, c, fmt));
  if (s.gradient && c.grad) {
    parts.push(printGraph(s.gradient, {
      title: [`gradient program of ${sig} (reverse mode) at ${at}, each equation with its value: ${countLine(s.gradient)}`],
      of: s.name, outputNames: s.gradientOutputNames, forward: s.recomputed, legend, value: val(s.gradient, c.grad), sub: simplify,
    }));
  }
  return parts.join('\n\n');
}

const sizeOfShape = (g: Graph, v: number) => g.shapes[v].reduce((a, b) => a * b, 1);

/**
 * `∂f/∂%0 = 1.46869 (from %1 = sin %0) + 2.28736 (from %2 = exp %0) = 3.75605`, one line per
 * variable, last first
 */
function backwardSweep(s: Shown, c: Computed, fmt: ReturnType<typeof valueFormatter>): string {
  const F = s.forward, f = s.name;
  const lines = [
    `# backward sweep of ${f}: the cotangents, last variable first. ∂${f}/∂v = Σ over the uses of v of`,
    `#   ∂${f}/∂u · ∂u/∂v (the chain rule), one term per equation u that reads v; the output starts at ∂${f}/∂${f} = 1.`,
  ];
  const uses: [k: number, j: number][][] = F.shapes.map(() => []);
  F.eqns.forEach((e, k) => e.ins.forEach((v, j) => uses[v].push([k, j])));
  const isOut = new Set(F.outputs);
  const order = [...F.eqns.map((e) => e.out).reverse(), ...[...F.inputs].reverse()];
  for (const v of order) {
    const ct = c.ct![v];
    if (!ct) continue;
    const scalar = sizeOfShape(F, v) === 1;
    const name = F.labels[v] && F.inputs.includes(v) ? `${F.labels[v]} (%${v})` : `%${v}`;
    const terms = uses[v].flatMap(([k, j]) => {
      const t = c.terms![k][j];
      const e = F.eqns[k];
      const which = e.ins.filter((i) => i === v).length > 1 ? `, operand ${j}` : '';
      return t ? [`${fmt(t, scalar)} (from %${e.out} = ${e.op.name} ${e.ins.map((i) => `%${i}`).join(' ')}${which})`] : [];
    });
    if (isOut.has(v)) terms.unshift('1 (the output)');
    const sum = terms.length > 1 ? `${terms.join(' + ')} = ${fmt(ct, scalar)}` : terms.length === 1 && !isOut.has(v) ? `${fmt(ct, scalar)}  ${terms[0].replace(/^.*? \(/, '(')}` : fmt(ct, scalar);
    lines.push(`∂${f}/∂${name} = ${sum}${scalar ? '' : ` : ${fmtShape(F.shapes[v])}`}`);
  }
  return lines.join('\n');
}
