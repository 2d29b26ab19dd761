// A program as it runs: the planned graph (custom calls inlined, parts as views, transposes folded
// into products, CSE, DCE, elementwise chains fused), where the native encoder put each value (its
// arena offsets: buffers reused after a value's last use, in-place writes, views, the caller's
// arrays), how a program with loops is cut into native stretches and JS equations, and the tier.
import type { Eqn, Graph } from '../core/graph.js';
import { sizeOf } from '../core/shape.js';
import { tsPlan } from '../plan/plan.js';
import { segment } from '../plan/segments.js';
import { backendFor, nativeInfo } from '../backends/index.js';
import { runsJs, nativeRefusal } from '../backends/native/programs.js';
import { encodeGraph, ENCODING_VERSION } from '../backends/native/encode.js';
import { printGraph } from './print.js';
import type { Legend, Mark } from './legend.js';

/**
 * The tier that runs a planned program. Only the interpreter exists today; the compiled tier (C
 * generated per program, built in the background) extends this one function.
 */
export function tierOf(_g: Graph): 'interpreter' {
  return 'interpreter';
}

export interface PlannedOptions {
  title: string[];
  legend: Legend;
  outputNames?: readonly (string | undefined)[];
}

export function printPlanned(g: Graph, opts: PlannedOptions): string {
  const backend = backendFor(g);
  const planned = tsPlan(g);
  const tier = `tier: ${tierOf(g)}`;
  opts = { ...opts, title: [`${opts.title[0]}: ${planned.eqns.length} equations after planning`, ...opts.title.slice(1)] };
  const body = { sub: tsPlan, legend: opts.legend };
  if (backend === 'ts') {
    const why = nativeInfo().available ? nativeRefusal(g) : null;
    return printGraph(planned, {
      ...body, outputNames: opts.outputNames,
      title: [...opts.title, `backend: ts${why ? ` (the native addon cannot run it: ${why})` : ''} · ${tier}`,
        'the TS executor keeps size-1 values in one register file and gives every other equation a fresh array (no reuse)'],
    });
  }
  const simd = nativeInfo().simd;
  const head = [...opts.title, `backend: ${backend}${backend === 'check' ? ' (native, compared with the TS interpreter on every run)' : ''} (simd ${simd}) · ${tier}`];
  if (!planned.eqns.some(runsJs)) {
    return printGraph(planned, { ...body, outputNames: opts.outputNames, title: [...head, arenaLine(planned)], extra: buffers(planned), marks: ['buffers'] });
  }
  // equations only JS can run (loops, opaque functions): native stretches between them (segments.ts)
  const parts: string[] = [printGraph(withoutEqns(planned), { ...body, title: [...head, 'inputs and constants of the planned program:'], marks: ['segments'] })];
  let n = 0;
  for (const s of segment(planned, runsJs)) {
    if (s.kind === 'js') {
      parts.push(printGraph(one(planned, s.eqn), { ...body, title: ['== JS: run by the op\'s TS kernel (a loop body runs planned, as below)'] }));
      continue;
    }
    const sub = tsPlan(s.graph);
    parts.push(printGraph(sub, {
      ...body, extra: buffers(sub), marks: ['buffers'],
      outputNames: s.outs.map((v) => `%${v} of the planned program`),
      title: [`== native program ${n++}, numbered on its own: its inputs ${sub.inputs.map((v, k) => `%${v} = %${s.ins[k]}`).join(', ')} of the planned program`, arenaLine(sub)],
    }));
  }
  parts.push(`# outputs: ${planned.outputs.map((v, k) => `%${v}${opts.outputNames?.[k] ? ` (${opts.outputNames[k]})` : ''}`).join(', ')}`);
  return parts.join('\n');
}

/** g's inputs and constants only */
function withoutEqns(g: Graph): Graph {
  return Object.assign(Object.create(Object.getPrototypeOf(g)) as Graph, g, { eqns: [], outputs: [], guards: [] });
}
/** one equation of g (printed with g's numbering) */
function one(g: Graph, e: Eqn): Graph {
  return Object.assign(Object.create(Object.getPrototypeOf(g)) as Graph, g, { inputs: [], consts: new Map(), eqns: [e], outputs: [], guards: [] });
}

/** constants of at least this many values are passed to the addon like inputs (as backends/native/program.ts does) */
const EXTERNAL_CONST = 1024;

interface Placement { at: Map<number, string>; arenaValues: number }

/** where the native encoder puts each variable of a planned graph: `@a+16`, `@in 0`, `@out 1` */
function placement(g: Graph): Placement | undefined {
  const big = [...g.consts].filter(([, t]) => t.size >= EXTERNAL_CONST).map(([v]) => v);
  const consts = new Map([...g.consts].filter(([v]) => !big.includes(v)));
  const ext = Object.assign(Object.create(Object.getPrototypeOf(g)) as Graph, g, { inputs: [...g.inputs, ...big], consts });
  const { enc, eqnOf, overflow } = encodeGraph(ext);
  if (overflow || enc[1] !== ENCODING_VERSION) return undefined;
  const [, , nvars, nin, , , , arenaValues] = enc;
  const order = [...ext.inputs, ...consts.keys(), ...eqnOf.map((e) => e.out)];
  if (order.length !== nvars) return undefined;
  const at = new Map<number, string>();
  let w = 10;
  for (const v of order) {
    const ref = enc[w], off = enc[w + 1], rank = enc[w + 2];
    w += 3 + rank;
    if (ref >= 0) at.set(v, `@a+${ref}`);
    else {
      const k = ~ref;
      const where = k < g.inputs.length ? `@in ${k}` : k < nin ? 'read in place (a large constant)' : `@out ${k - nin}`;
      at.set(v, off ? `${where}+${off}` : where);
    }
  }
  return { at, arenaValues };
}

function arenaLine(g: Graph): string {
  const p = placement(g);
  return p ? `native arena: ${p.arenaValues} values (${p.arenaValues * 8} bytes), constants first` : 'buffers: (this encoding is not one show can read)';
}

/** per equation: where its value lives, and whether it reuses a buffer, writes in place, or is a view */
function buffers(g: Graph): (e: Eqn) => string | undefined {
  const p = placement(g);
  if (!p) return () => undefined;
  const size = (v: number) => Math.max(1, sizeOf(g.shapes[v]));
  const offset = (v: number) => { const a = p.at.get(v); return a?.startsWith('@a+') ? Number(a.slice(3)) : -1; };
  const placed: number[] = [...g.inputs, ...g.consts.keys()];   // variables, in the order they were written
  const own = new Set(g.eqns);   // a loop body's equations are numbered on their own and live in the body's frame
  return (e) => {
    if (!own.has(e)) return undefined;
    const a = p.at.get(e.out);
    if (!a) return 'not run (folded into a matrix product)';
    const o = offset(e.out);
    const viewOf = (e.op.name === 'reshape' || e.op.name === 'slice') && overlaps(o, size(e.out), offset(e.ins[0]), size(e.ins[0]))
      ? e.ins[0] : undefined;
    if (o < 0) return a;
    const prev = viewOf === undefined ? [...placed].reverse().find((u) => overlaps(o, size(e.out), offset(u), size(u))) : undefined;
    placed.push(e.out);
    if (viewOf !== undefined) return `${a} (view of %${viewOf})`;
    if (prev === undefined) return a;
    if (g.consts.has(prev)) return a;
    return e.ins.includes(prev) ? `${a} (in place over %${prev})` : `${a} (reuses %${prev}'s buffer)`;
  };
}

const overlaps = (a: number, n: number, b: number, m: number) => a >= 0 && b >= 0 && a < b + m && b < a + n;

export type { Mark };
