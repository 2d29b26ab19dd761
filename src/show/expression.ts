// Inlined form of a graph: every variable replaced by its definition, recursively, giving one
// expression tree per output, as symbolic differentiation writes it. A variable used k times is
// copied k times, so the size can grow exponentially with depth while the SSA grows linearly.
// Sizes are counted exactly (bigint) without building the string; the text is capped.
import type { Graph } from '../core/graph.js';
import { fmtAttrs, fmtConst } from '../core/format.js';

export interface Inlined {
  /** the expression, at most `cap` characters */
  text: string;
  /** length of the full expression */
  chars: bigint;
  /** nodes of the expression tree (operations and leaves) */
  nodes: bigint;
  /** SSA equations the output needs */
  eqns: number;
  truncated: boolean;
}

const INFIX: Record<string, string> = { add: ' + ', sub: ' - ', mul: ' * ', cmul: ' * ', div: ' / ', pow: ' ^ ' };

/** A variable's definition as literal pieces (strings) around operands (variable numbers). */
type Pieces = (string | number)[];

function definitions(g: Graph): (Pieces | string)[] {
  const def: (Pieces | string)[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => { def[v] = g.labels[v] || `in${k}`; });
  for (const [v, t] of g.consts) {
    const c = t.size === 1 ? fmtConst(t) : fmtConst(t, 4);
    def[v] = c === undefined ? `c${v}` : c.replace(/^full\((.*)\)$/, '$1');
  }
  for (const e of g.eqns) {
    const name = e.op.name;
    const attrs = fmtAttrs(e);
    if (INFIX[name] && e.ins.length === 2) def[e.out] = ['(', e.ins[0], INFIX[name], e.ins[1], ')'];
    else if (name === 'neg') def[e.out] = ['-', e.ins[0]];
    else {
      const p: Pieces = [`${name}(`];
      e.ins.forEach((i, k) => { if (k) p.push(', '); p.push(i); });
      p.push(attrs ? `${e.ins.length ? ', ' : ''}${attrs})` : ')');
      def[e.out] = p;
    }
  }
  return def;
}

/** Inline each of `outputs`; `cap` bounds the text built. */
export function inlineOutputs(g: Graph, outputs: readonly number[], cap = 2000): Inlined[] {
  const def = definitions(g);
  const chars: bigint[] = new Array(g.nvars);
  const nodes: bigint[] = new Array(g.nvars);
  for (let v = 0; v < g.nvars; v++) {
    const d = def[v];
    if (typeof d === 'string') { chars[v] = BigInt(d.length); nodes[v] = 1n; }
  }
  for (const e of g.eqns) {
    let c = 0n, n = 1n;
    for (const p of def[e.out] as Pieces) {
      if (typeof p === 'string') c += BigInt(p.length);
      else { c += chars[p]; n += nodes[p]; }
    }
    chars[e.out] = c;
    nodes[e.out] = n;
  }
  return outputs.map((v) => {
    const text = render(def, v, cap);
    return { text, chars: chars[v], nodes: nodes[v], eqns: coneSize(g, v), truncated: BigInt(text.length) < chars[v] };
  });
}

/** The first `cap` characters of the inlined expression of v (explicit stack: graphs can be deep). */
function render(def: (Pieces | string)[], v: number, cap: number): string {
  let out = '';
  const stack: (string | number)[] = [v];
  while (stack.length && out.length < cap) {
    const top = stack.pop()!;
    if (typeof top === 'string') { out += top; continue; }
    const d = def[top];
    if (typeof d === 'string') { out += d; continue; }
    for (let k = d.length - 1; k >= 0; k--) stack.push(d[k]);
  }
  return out.slice(0, cap);
}

/** Number of equations v depends on. */
function coneSize(g: Graph, v: number): number {
  const need = new Uint8Array(g.nvars);
  need[v] = 1;
  let n = 0;
  for (let k = g.eqns.length - 1; k >= 0; k--) {
    const e = g.eqns[k];
    if (!need[e.out]) continue;
    n++;
    for (const i of e.ins) need[i] = 1;
  }
  return n;
}

/** Lines `name = expression` and a size comparison under each. */
export function formatInlined(items: readonly Inlined[], names: readonly string[]): string[] {
  const lines: string[] = [];
  items.forEach((it, k) => {
    const more = it.truncated ? ` … (cut at ${it.text.length} of ${it.chars} characters)` : '';
    lines.push(`${names[k]} = ${it.text}${more}`);
    lines.push(`    inlined: ${it.chars} characters, ${it.nodes} nodes · SSA: ${it.eqns} equation${it.eqns === 1 ? '' : 's'}`);
  });
  return lines;
}
