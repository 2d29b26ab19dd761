// w.show and its variants: the forward program of f and, for a scalar output, the gradient program
// that w.grad runs, as text (simplified or raw), inlined, DOT, with values, or as an HTML page.
// Options never trail `...args` (an object there is an argument): `show.values.with(opts)(f, ...args)`.
import type { Graph } from '../core/graph.js';
import { printGraph } from './print.js';
import { Legend } from './legend.js';
import { inlineOutputs, formatInlined } from './expression.js';
import { toDot } from './dot.js';
import { programs, countLine, type Fn, type Shown } from './programs.js';
import { simplify } from './simplify.js';
import { showValues, type ValuesOptions } from './values-text.js';
import { showHtml, type HtmlOptions } from './html.js';

/** the forward and gradient programs of `s` as text, annotations explained in each header */
export function programText(s: Shown, legend = new Legend()): string {
  const sig = `${s.name}(${s.argNames.join(', ')})`;
  const how = s.raw ? ' — raw, as recorded and transformed (w.show prints it simplified)' : '';
  const sub = s.raw ? undefined : simplify;
  const parts = [printGraph(s.forward, {
    title: [`forward program of ${sig}${how}: ${countLine(s.forward)}`],
    outputNames: s.outputNames, legend, sub,
  })];
  if (s.gradient) {
    const g = s.gradient;
    parts.push(printGraph(g, {
      title: [`gradient program of ${sig} (reverse mode)${how}: ${countLine(g)}`],
      of: s.name, outputNames: s.gradientOutputNames, forward: s.recomputed, legend, sub,
    }));
  } else if (s.why) {
    parts.push(`# ${s.why}`);
  }
  return parts.join('\n\n');
}

const showText = (f: Fn, ...args: unknown[]): string => programText(programs(f, args, 'show'));
const showRaw = (f: Fn, ...args: unknown[]): string => programText(programs(f, args, 'show.raw', true));

function showExpression(f: Fn, ...args: unknown[]): string {
  const s = programs(f, args, 'show.expression', true);   // unrolled, as a symbolic differentiator would see it
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
  const progs: { id: string; title: string; graph: Graph; outputNames: readonly string[]; of?: string }[] =
    [{ id: 'forward', title: `forward program of ${s.name}`, graph: s.forward, outputNames: s.outputNames }];
  if (s.gradient) progs.push({ id: 'gradient', title: `gradient program of ${s.name} (reverse mode)`, graph: s.gradient, outputNames: s.gradientOutputNames!, of: s.name });
  return toDot(progs);
}

type Variant<O> = ((f: Fn, ...args: unknown[]) => string) & { with(opts: O): (f: Fn, ...args: unknown[]) => string };

export interface ShowFn {
  /** The forward program of f and, for a scalar output, its gradient program, simplified (CSE, DCE), as numbered SSA. */
  (f: Fn, ...args: unknown[]): string;
  /** The same programs unsimplified: as recorded and as the transformation wrote them. */
  raw(f: Fn, ...args: unknown[]): string;
  /** Each output (and each gradient) inlined into one nested expression, with its size beside the SSA size. */
  expression(f: Fn, ...args: unknown[]): string;
  /** Graphviz DOT of the forward and gradient programs. */
  dot(f: Fn, ...args: unknown[]): string;
  /**
   * Each equation with its value at the arguments and its cotangent (the classic AD table), the
   * backward sweep's chain-rule terms, and the gradient program with its values.
   * `show.values.with({ digits, elements })(f, ...args)` sets how values print.
   */
  values: Variant<ValuesOptions>;
  /** One self-contained HTML page drawing the forward and gradient programs with values and cotangents. */
  html: Variant<HtmlOptions>;
}

const variant = <O>(run: (opts: O, f: Fn, args: unknown[]) => string, defaults: O): Variant<O> =>
  Object.assign((f: Fn, ...args: unknown[]) => run(defaults, f, args), {
    with: (opts: O) => (f: Fn, ...args: unknown[]) => run({ ...defaults, ...opts }, f, args),
  });

export const show: ShowFn = Object.assign(showText, {
  raw: showRaw,
  expression: showExpression,
  dot: showDot,
  values: variant<ValuesOptions>((o, f, args) => showValues(programs(f, args, 'show.values'), o), {}),
  html: variant<HtmlOptions>((o, f, args) => showHtml(programs(f, args, 'show.html'), o), {}),
});
