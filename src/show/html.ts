// show.html: one self-contained page (no network, no external file) drawing the forward program
// and the gradient program side by side as graphs laid out here in TS (layout.ts), each node with
// its equation, value and (forward) cotangent. Hovering or clicking a forward node highlights the
// chain-rule terms that flow into its cotangent: the edges to the equations that read it, each
// labelled with its term, and in the gradient program the equations that compute the cotangent.
import type { Graph } from '../core/graph.js';
import { fmtShape, sizeOf } from '../core/shape.js';
import { fmtAttrs, fmtConst } from '../core/format.js';
import { fmtEqn, eqnNote, printGraph, zeroGuards, subRoles } from './print.js';
import { simplify } from './simplify.js';
import { layout, type Layout } from './layout.js';
import { compute, type Computed, type Values } from './values.js';
import { valueFormatter, type ValuesOptions } from './values-text.js';
import type { Shown } from './programs.js';
import { PAGE_CSS, PAGE_SCRIPT } from './page-assets.js';

export interface HtmlOptions extends ValuesOptions {
  /** the page's title (default: the function's signature) */
  title?: string;
}

const CHAR_W = 7.25, LINE_H = 15, PAD = 8, BODY_LINES = 14;

interface NodeText { v: number; lines: { text: string; cls?: string }[]; cls: string; eqn?: string; value?: string; ct?: string }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function showHtml(s: Shown, o: HtmlOptions = {}, c: Computed = compute(s)): string {
  const fmt = valueFormatter(o);
  const val = (g: Graph, vals: Values | undefined, v: number) => (vals?.[v] ? fmt(vals[v], sizeOf(g.shapes[v]) === 1) : undefined);
  const sig = `${s.name}(${s.argNames.join(', ')})`;
  const at = s.argNames.map((a, k) => `${a} = ${fmt(s.inputs[k]?._data ?? undefined, s.inputs[k]?.rank === 0)}`).join(', ');
  const title = o.title ?? `${sig} at ${at}`;
  const F = s.forward, G = s.gradient;
  const fwdNodes = nodesOf(F, s.outputNames, (v) => val(F, c.fwd, v), (v) => val(F, c.ct, v), undefined);
  const fwdSvg = svg('fwd', F, fwdNodes, (k, j) => (c.terms?.[k]?.[j] ? fmt(c.terms[k][j], sizeOf(F.shapes[F.eqns[k].ins[j]]) === 1) : undefined));
  const data: PageData = { ct: {}, cone: {}, info: {}, ginfo: {}, ctOf: {}, twin: {} };
  let gradSvg = `<p class="why">${esc(s.why ?? c.why ?? '')}</p>`;
  if (G) {
    const zeros = zeroGuards(G);
    const gNodes = nodesOf(G, s.gradientOutputNames ?? [], (v) => val(G, c.grad, v), undefined, (v, k) => {
      const notes = [k === undefined ? undefined : eqnNote(G, v, s.name), k !== undefined && zeros.has(k) ? `0 where %${zeros.get(k)} = 0` : undefined].filter(Boolean);
      return notes.join('; ') || undefined;
    }, s.recomputed);
    gradSvg = svg('grad', G, gNodes, () => undefined);
    linkPrograms(s, c, data, fmt);
  }
  for (const n of fwdNodes) if (!(n.v in data.info)) data.info[n.v] = `${n.eqn ?? `%${n.v}`}${n.value ? ` = ${n.value}` : ''}`;
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<meta name="generator" content="wengert show.html">
<style>${PAGE_CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p>Left: the forward program, each variable <i>v</i> with its value and its cotangent <i>v̄</i> = ∂${esc(s.name)}/∂<i>v</i>
(how much ${esc(s.name)} changes per unit change of <i>v</i>). Right: the gradient program that computes them (reverse mode).
Hover or click a node: the chain-rule terms that flow into its cotangent light up — one per equation that reads it, ∂${esc(s.name)}/∂u · ∂u/∂v —
and, on the right, the equations that sum them. Click again or press Esc to clear.</p>
<div id="info" aria-live="polite">Hover or click a node.</div></header>
<main>
<section id="fwd"><h2>forward program of ${esc(sig)}</h2>${constList(F)}${fwdSvg}</section>
<section id="grad"><h2>gradient program of ${esc(sig)} (reverse mode)</h2>${G ? constList(G) : ''}${gradSvg}</section>
</main>
<script type="application/json" id="wengert-data">${json}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** `constants: %1 = 0, %2 = -1` (the scalar ones, not drawn as nodes) */
function constList(g: Graph): string {
  const items = [...g.consts].filter(([v, t]) => t.size === 1 && !g.outputs.includes(v)).map(([v, t]) => `%${v} = ${fmtConst(t)}`);
  return items.length ? `<p class="consts">constants: ${esc(items.join(', '))}</p>` : '';
}

interface PageData {
  /** forward variable → the gradient-program variable holding its cotangent */
  ct: Record<number, number>;
  /** forward variable → gradient-program variables that compute its cotangent */
  cone: Record<number, number[]>;
  /** forward variable → the chain rule for its cotangent, in words and numbers */
  info: Record<number, string>;
  /** gradient variable → its equation and value */
  ginfo: Record<number, string>;
  /** gradient variable → the forward variable whose cotangent it holds */
  ctOf: Record<number, number>;
  /** gradient variable → the forward variable whose value it computes again */
  twin: Record<number, number>;
}

function linkPrograms(s: Shown, c: Computed, data: PageData, fmt: ReturnType<typeof valueFormatter>): void {
  const F = s.forward, G = s.gradient!, twins = s.twins!;
  for (const [g, u] of G.cotangentOf) if (twins[u] >= 0 && !(twins[u] in data.ct)) data.ct[twins[u]] = g;
  F.inputs.forEach((v, k) => { if (!(v in data.ct) && G.outputs[k + 1] !== undefined) data.ct[v] = G.outputs[k + 1]; });
  for (const [f, g] of Object.entries(data.ct)) data.ctOf[g] = Number(f);
  twins.forEach((f, g) => { if (f >= 0 && !G.inputs.includes(g) && !G.consts.has(g)) data.twin[g] = f; });
  const prod = new Map(G.eqns.map((e) => [e.out, e]));
  for (const [fs, g0] of Object.entries(data.ct)) {
    const cone: number[] = [], seen = new Set<number>(), stack = [g0];
    while (stack.length) {
      const g = stack.pop()!;
      if (seen.has(g)) continue;
      seen.add(g);
      const e = prod.get(g);
      if (!e || twins[g] >= 0) continue;
      cone.push(g);
      if (g !== g0 && g in data.ctOf) continue;
      stack.push(...e.ins);
    }
    data.cone[Number(fs)] = cone;
  }
  const uses: [number, number][][] = F.shapes.map(() => []);
  F.eqns.forEach((e, k) => e.ins.forEach((v, j) => uses[v].push([k, j])));
  const scalar = (v: number) => sizeOf(F.shapes[v]) === 1;
  for (let v = 0; v < F.nvars; v++) {
    const ct = c.ct?.[v];
    if (!ct) continue;
    const name = F.labels[v] && F.inputs.includes(v) ? `${F.labels[v]} (%${v})` : `%${v}`;
    const lines = [`∂${s.name}/∂${name} = ${fmt(ct, scalar(v))}`];
    const terms = uses[v].flatMap(([k, j]) => {
      const t = c.terms?.[k]?.[j], e = F.eqns[k];
      return t ? [`  ${fmt(t, scalar(v))}   from %${e.out} = ${e.op.name} ${e.ins.map((i) => `%${i}`).join(' ')}   (∂${s.name}/∂%${e.out} · ∂%${e.out}/∂%${v})`] : [];
    });
    if (F.outputs.includes(v)) terms.unshift(`  1   (the output: ∂${s.name}/∂${s.name})`);
    if (terms.length) lines.push(`  = the sum of ${terms.length} term${terms.length === 1 ? '' : 's'}, one per use:`, ...terms);
    if (v in data.ct) lines.push(`  computed by the gradient program as %${data.ct[v]}`);
    data.info[v] = lines.join('\n');
  }
  for (const e of G.eqns) data.ginfo[e.out] = `${fmtEqn(e, G)}${c.grad?.[e.out] ? ` = ${fmt(c.grad[e.out], sizeOf(G.shapes[e.out]) === 1)}` : ''}`;
}

/** the text of each node of g: inputs, constants that are used, equations (loops with their bodies) */
function nodesOf(g: Graph, outputNames: readonly string[], value: (v: number) => string | undefined, ct: ((v: number) => string | undefined) | undefined,
  note?: (v: number, k?: number) => string | undefined, recomputed?: ReadonlySet<number>): NodeText[] {
  const used = new Set(g.eqns.flatMap((e) => e.ins));
  const outs = new Map<number, string>();
  g.outputs.forEach((v, k) => { if (!outs.has(v)) outs.set(v, outputNames[k] ?? `output ${k}`); });
  const nodes: NodeText[] = [];
  const add = (v: number, head: string, cls: string, eqn: string | undefined, k?: number, extra: string[] = []) => {
    const lines: NodeText['lines'] = [{ text: head }];
    if (g.shapes[v].length) lines.push({ text: fmtShape(g.shapes[v]), cls: 'shape' });
    for (const x of extra) lines.push({ text: x, cls: 'body' });
    const val = value(v), c = ct?.(v), n = note?.(v, k);
    if (val !== undefined) lines.push({ text: `${ct ? 'v ' : ''}= ${val}`, cls: 'value' });
    if (c !== undefined) lines.push({ text: `v̄ = ${c}`, cls: 'ct' });
    if (n) lines.push({ text: `# ${n}`, cls: 'note' });
    if (outs.has(v)) lines.push({ text: `out: ${outs.get(v)}`, cls: 'outname' });
    nodes.push({ v, lines, cls: `${cls}${outs.has(v) ? ' out' : ''}`, eqn, value: val, ct: c });
  };
  for (const v of g.inputs) add(v, `in %${v}${g.labels[v] ? `  ${g.labels[v]}` : ''}`, 'input', `in %${v} : ${fmtShape(g.shapes[v])}`);
  // scalar constants are listed above the drawing (as edges from every use they would clutter it)
  for (const [v, t] of g.consts) if ((used.has(v) && t.size > 1) || outs.has(v)) add(v, `const %${v}${fmtConst(t, 4) !== undefined ? ` = ${fmtConst(t, 4)}` : ''}`, 'const', undefined);
  g.eqns.forEach((e, k) => {
    const attrs = fmtAttrs(e);
    const head = `%${e.out} = ${e.op.name}${e.ins.map((i) => ` %${i}`).join('')}${attrs ? ' ' + attrs : ''}`;
    const body: string[] = [];
    for (const sg of e.op.subgraphs?.(e.attrs) ?? []) {
      const g2 = simplify(sg.graph);
      const text = printGraph(g2, {}).split('\n').filter((l) => !l.startsWith('#')).map((l) => l.replace(/\s+#.*$/, ''));
      const roles = subRoles(e, sg.name, g2);
      body.push(`${sg.name}:`, ...(roles ? [`  # ${roles}`] : []), ...text.slice(0, BODY_LINES).map((l) => `  ${l}`), ...(text.length > BODY_LINES ? ['  …'] : []));
    }
    add(e.out, head, `eqn${recomputed?.has(k) ? ' recomputed' : ''}${body.length ? ' loop' : ''}`, fmtEqn(e, g), k, body);
  });
  return nodes;
}

function svg(prog: 'fwd' | 'grad', g: Graph, nodes: NodeText[], term: (k: number, j: number) => string | undefined): string {
  const size = (n: NodeText) => ({ id: n.v, w: Math.ceil(Math.max(...n.lines.map((l) => [...l.text].length)) * CHAR_W + 2 * PAD), h: n.lines.length * LINE_H + PAD });
  const shown = new Set(nodes.map((n) => n.v));
  const edges = g.eqns.flatMap((e, k) => e.ins.map((i, j) => ({ from: i, to: e.out, k, j }))).filter((e) => shown.has(e.from));
  const L: Layout = layout(nodes.map(size), edges);
  const M = 12;
  const parts: string[] = [];
  L.edges.forEach((le, i) => {
    const e = edges[i];
    const d = le.points.map(([x, y], p) => {
      if (p === 0) return `M${(x + M).toFixed(1)} ${(y + M).toFixed(1)}`;
      const [x0, y0] = le.points[p - 1];
      const my = (y0 + y) / 2 + M;
      return `C${(x0 + M).toFixed(1)} ${my.toFixed(1)} ${(x + M).toFixed(1)} ${my.toFixed(1)} ${(x + M).toFixed(1)} ${(y + M).toFixed(1)}`;
    }).join(' ');
    const t = term(e.k, e.j);
    const attrs = `data-prog="${prog}" data-from="${e.from}" data-to="${e.to}" data-operand="${e.j}"${t ? ` data-term="${esc(t)}"` : ''}`;
    parts.push(`<path class="edge" ${attrs} d="${d}"/>`);
    if (t) {
      const [lx, ly] = le.points[Math.max(0, le.points.length - 2)];
      const [bx, by] = le.points[le.points.length - 1];
      parts.push(`<text class="elabel" ${attrs} x="${((lx + bx) / 2 + M + 4).toFixed(1)}" y="${((ly + by) / 2 + M).toFixed(1)}">${esc(t)}</text>`);
    }
  });
  for (const n of nodes) {
    const p = L.nodes.get(n.v)!;
    const attrs = [`class="node ${n.cls}"`, `data-prog="${prog}"`, `data-var="${n.v}"`, n.eqn ? `data-eqn="${esc(n.eqn)}"` : '',
      n.value !== undefined ? `data-value="${esc(n.value)}"` : '', n.ct !== undefined ? `data-ct="${esc(n.ct)}"` : '', 'tabindex="0"'].filter(Boolean).join(' ');
    const text = n.lines.map((l, i) => `<tspan x="${(p.x + M + PAD).toFixed(1)}" y="${(p.y + M + PAD / 2 + (i + 0.8) * LINE_H).toFixed(1)}"${l.cls ? ` class="${l.cls}"` : ''}>${esc(l.text)}</tspan>`).join('');
    parts.push(`<g ${attrs}><rect x="${(p.x + M).toFixed(1)}" y="${(p.y + M).toFixed(1)}" width="${p.w}" height="${p.h}" rx="5"/><text>${text}</text></g>`);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(L.width + 2 * M)}" height="${Math.ceil(L.height + 2 * M)}" data-prog="${prog}">${parts.join('')}</svg>`;
}
