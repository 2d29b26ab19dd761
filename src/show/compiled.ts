// p.show() of a compiled Program: per recorded path, the simplified forward and gradient programs
// (as w.show prints them), or with { planned: true } the gradient program as it runs (planned.ts).
import type { Graph } from '../core/graph.js';
import { WengertError } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { vjpGraph } from '../transforms/vjp.js';
import { printGraph } from './print.js';
import { Legend } from './legend.js';
import { simplify, forwardTwins } from './simplify.js';
import { printPlanned } from './planned.js';
import { countLine } from './programs.js';

export interface ProgramShowOptions {
  /** the gradient program as it runs: fused kernels, buffers, loops, backend and tier (default false) */
  planned?: boolean;
}

/** what p.show needs of one recorded path */
export interface ShownPath {
  /** the recording, repeated blocks rolled into loops */
  graph: Graph;
  guards: number;
  /** the program p.value ('fwd') or p.grad ('grad') runs (built on demand; 'grad' throws for a non-scalar f) */
  program(kind: 'fwd' | 'grad'): Graph;
}

export function showCompiled(name: string, paths: readonly ShownPath[], wrt: readonly number[], opts: ProgramShowOptions = {}): string {
  const legend = new Legend();
  return paths.map((p, i) => {
    const head = `path ${i} (${p.guards} guard${p.guards === 1 ? '' : 's'})`;
    return opts.planned ? planned(name, p, head, legend) : simplified(name, p, wrt, head, legend);
  }).join('\n\n');
}

function gradientOf(p: ShownPath): Graph | undefined {
  try { return p.program('grad'); } catch (err) {
    if (err instanceof WengertError && (err.code === 'ERR_SHAPE' || err.code === 'ERR_ARG' || err.code === 'ERR_TRACE')) return undefined;
    throw err;
  }
}

function outputNames(name: string, g: Graph, p: ShownPath, grads: boolean): string[] {
  const nOut = p.graph.outputs.length;
  return g.outputs.map((_, k) => (k < nOut ? (nOut === 1 ? name : `${name}[${k}]`)
    : grads && k < g.outputs.length - p.guards ? `∂${name}/∂${p.graph.labels[p.graph.inputs[k - nOut]] ?? `in${k - nOut}`}` : 'a guarded value'));
}

function planned(name: string, p: ShownPath, head: string, legend: Legend): string {
  const grad = gradientOf(p);
  const g = grad ?? p.program('fwd');
  const what = grad ? `planned gradient program of ${name}, as p.grad and p.valueAndGrad run it` : `planned program of ${name}, as p.value runs it (no gradient: ${name} is not scalar)`;
  return printPlanned(g, { title: [`${head}: ${what}`], legend, outputNames: outputNames(name, g, p, !!grad) });
}

function simplified(name: string, p: ShownPath, wrt: readonly number[], head: string, legend: Legend): string {
  const fwd = simplify(p.graph);
  const parts = [printGraph(fwd, { title: [`${head}: forward program of ${name}: ${countLine(fwd)}`], legend, sub: simplify, outputNames: outputNames(name, fwd, { ...p, guards: 0 }, false) })];
  const g = p.graph;
  if (g.outputs.length && sizeOf(g.shapes[g.outputs[0]]) === 1 && gradientOf(p)) {
    // the program p.grad runs, recorded again with cotangent marks (the same equations)
    const gv = g.guards.map((gd) => gd.v);
    const grad = simplify(vjpGraph(g, wrt, g.outputs.map((_, k) => (k === 0 ? 'ones' : null)), gv, true));
    const twins = forwardTwins(fwd, grad);
    parts.push(printGraph(grad, {
      title: [`${head}: gradient program of ${name} (reverse mode) with respect to argument 0: ${countLine(grad)}`],
      legend, sub: simplify, of: name, outputNames: outputNames(name, grad, p, true),
      forward: new Set(grad.eqns.flatMap((e, k) => (twins[e.out] >= 0 ? [k] : []))),
    }));
  }
  return parts.join('\n\n');
}
