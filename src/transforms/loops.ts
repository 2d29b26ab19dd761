// w.scan and w.foriLoop: the body is traced ONCE into a graph and kept as one loop equation (scan),
// whatever the trip count. Closed-over tracers become the loop's constants; reading a value inside
// a body is ERR_TRACE (the body runs for every iteration, so there is no single value to guard).
import { Tensor } from '../core/tensor.js';
import { Graph } from '../core/graph.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sameShape } from '../core/shape.js';
import { flatten, unflatten, mapTree, structureDiff, type TreeDef } from '../core/pytree.js';
import type { MapLeaves } from '../core/types.js';
import { compact } from '../core/simplify.js';
import { apply } from '../core/trace.js';
import { scanOp, scanOutputs } from '../ops/scan.js';
import { unpack } from '../ops/part.js';
import { add } from '../ops/add.js';
import { slice } from '../ops/slice.js';
import { reshape } from '../ops/reshape.js';
import { concat } from '../ops/concat.js';
import { broadcastTo } from '../ops/broadcastTo.js';

import { traceFunction } from './trace-fn.js';
import { scanAttrs } from './scan-kit.js';
import { whileAttrs } from './while-rules.js';
import { whileOp } from '../ops/whileLoop.js';

export interface ScanOptions {
  /** iterations; required when xs is undefined or null, else it must equal xs's leading length */
  length?: number;
  /** iterate from the last element to the first (ys keep the order of xs) */
  reverse?: boolean;
  /**
   * what reverse mode stores: 'none' (every iteration's residuals, the default), or every k-th
   * carry ('sqrt': k = ⌈√length⌉, or a number k), recomputing the iterations in between during the
   * reverse sweep (memory for time; the gradients are the same bits)
   */
  checkpoint?: 'none' | 'sqrt' | number;
}
const SCAN_OPTIONS = new Set(['length', 'reverse', 'checkpoint']);

type Fn = (...a: any[]) => any;

/**
 * scan(f, init, xs, { length, reverse }) → [finalCarry, ys]: f(carry, x) → [carry, y] applied to
 * each slice x of xs along axis 0; ys are the y's stacked along a new axis 0. carry, x, y are pytrees.
 */
export function scan<C, Y = unknown>(f: (carry: any, x: any) => readonly [unknown, Y] | readonly Y[], init: C, xs: unknown, opts: ScanOptions = {}): [MapLeaves<C, Tensor>, MapLeaves<Y, Tensor>] {
  return scanImpl(f, init, xs, opts, false) as [MapLeaves<C, Tensor>, MapLeaves<Y, Tensor>];
}

/** scan, optionally checkpointed as a whole (`remat`: reverse mode keeps none of its iterations) */
function scanImpl(f: Fn, init: unknown, xs: unknown, opts: ScanOptions, remat: boolean): [any, any] {
  if (typeof f !== 'function') fail('ERR_ARG', 'scan', `expected f to be a function but received ${describe(f)}`);
  checkOptions('scan', opts, SCAN_OPTIONS);
  const carry = flatten(init, 'init');
  numericTree('scan', carry.def, 'init');
  const xsFlat = xs === undefined || xs === null ? null : flatten(xs, 'xs');
  if (xsFlat) numericTree('scan', xsFlat.def, 'xs');
  const length = scanLength(xsFlat?.leaves ?? [], opts.length);
  const k = segmentLength(opts.checkpoint, length);
  if (k) return checkpointedScan(f, init, xs, length, k, !!opts.reverse);
  const xSlice = (xsFlat?.leaves ?? []).map((t) => new Tensor(t.shape.slice(1), null));
  const xArg = xsFlat ? unflatten(xsFlat.def, xSlice, false) : xs;
  const pick = (out: unknown) => {
    if (!Array.isArray(out) || out.length !== 2) fail('ERR_ARG', 'scan', `f must return [carry, y] but returned ${describe(out)}`);
    return out;
  };
  const tr = traceFunction(f, [init, xArg], 'scan', { pick, noReads: true });
  const outDef = tr.outDef as Extract<TreeDef, { t: 'array' }>;
  const nCarry = carry.leaves.length;
  checkCarry('scan', carry.def, carry.leaves.map((l) => l.shape), outDef.items[0], tr.graph, nCarry);
  const nOwn = nCarry + xSlice.length, captures = tr.inputs.slice(nOwn);
  const body = bodyGraph(tr.graph, nOwn);
  const attrs = scanAttrs(body, captures.length, nCarry, length, !!opts.reverse, remat);
  const packed = apply(scanOp, [...captures, ...carry.leaves, ...(xsFlat?.leaves ?? [])], attrs);
  const parts = unpack(packed, scanOutputs(attrs));
  // the final carry has init's structure with Tensor leaves, as the body returns it (DESIGN §8: a
  // result mirrors f's outputs; inside a traced function a number init gives a tracer anyway)
  return [mapTree(carry.def, (i) => parts[i]), mapTree(outDef.items[1], (i) => parts[i])];
}

/**
 * foriLoop(lower, upper, body, init): carry = body(i, carry) for i = lower, …, upper − 1 (i a 0-d
 * Tensor); returns the final carry. lower and upper are JS integers (upper ≤ lower: no iteration).
 */
export function foriLoop<C>(lower: number, upper: number, body: (i: Tensor, carry: any) => unknown, init: C): MapLeaves<C, Tensor> {
  for (const [name, v] of [['lower', lower], ['upper', upper]] as const) {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail('ERR_ARG', 'foriLoop', `expected ${name} to be an integer but received ${describe(v)}`);
  }
  if (typeof body !== 'function') fail('ERR_ARG', 'foriLoop', `expected body to be a function but received ${describe(body)}`);
  // (the counter and the carry in an object: [lower, 3] would be one numeric leaf)
  const [{ c }] = scan(({ i, c }: { i: Tensor; c: unknown }) => [{ i: add(i, 1), c: body(i, c) }, null], { i: lower, c: init }, null, { length: Math.max(0, upper - lower) });
  return c as MapLeaves<C, Tensor>;
}

export interface WhileOptions {
  /** an ERR_ARG error when the loop has not ended after this many iterations (default: unbounded) */
  maxIterations?: number;
}
const WHILE_OPTIONS = new Set(['maxIterations']);

/**
 * whileLoop(cond, body, init, { maxIterations }): carry = body(carry) while cond(carry) is nonzero;
 * returns the final carry. cond returns a 0-d tensor. Differentiable in both modes: reverse mode
 * tapes the iterations the loop ran (a buffer sized at run time); the trip count is not a guard,
 * so a compiled Newton iteration does not re-record when it needs more or fewer steps.
 */
export function whileLoop<C>(cond: (carry: any) => unknown, body: (carry: any) => unknown, init: C, opts: WhileOptions = {}): MapLeaves<C, Tensor> {
  for (const [name, fn] of [['cond', cond], ['body', body]] as const) {
    if (typeof fn !== 'function') fail('ERR_ARG', 'whileLoop', `expected ${name} to be a function but received ${describe(fn)}`);
  }
  checkOptions('whileLoop', opts, WHILE_OPTIONS);
  const max = opts.maxIterations;
  if (max !== undefined && (typeof max !== 'number' || !Number.isSafeInteger(max) || max < 0)) {
    fail('ERR_ARG', 'whileLoop', `expected maxIterations to be a non-negative integer but received ${describe(max)}`);
  }
  const carry = flatten(init, 'init');
  numericTree('whileLoop', carry.def, 'init');
  const n = carry.leaves.length;
  const tc = traceFunction(cond, [init], 'whileLoop cond', { noReads: true });
  const cv = tc.graph.outputs;
  if (cv.length !== 1 || tc.graph.shapes[cv[0]].length !== 0) {
    fail('ERR_SHAPE', 'whileLoop', `cond must return one 0-d tensor (nonzero: go on) but returned ${cv.length === 1 ? fmtShape(tc.graph.shapes[cv[0]]) : `${cv.length} values`}`);
  }
  const tb = traceFunction(body, [init], 'whileLoop body', { noReads: true });
  checkCarry('whileLoop', carry.def, carry.leaves.map((l) => l.shape), tb.outDef, tb.graph, n);
  // constants: the tracers either function closed over, once each
  const consts: Tensor[] = [];
  for (const t of [...tc.inputs.slice(n), ...tb.inputs.slice(n)]) if (!consts.includes(t)) consts.push(t);
  const condG = alignInputs(tc.graph, n, tc.inputs.slice(n), consts);
  const bodyG = alignInputs(tb.graph, n, tb.inputs.slice(n), consts);
  const attrs = whileAttrs(condG, bodyG, consts.length, max ?? null);
  const packed = apply(whileOp, [...consts, ...carry.leaves], attrs);
  const final = unpack(packed, carry.leaves.map((l) => l.shape));
  return mapTree(carry.def, (i) => final[i]);
}

/**
 * g (inputs: its own n leaves, then its captured tracers `caps`) with inputs in loop order: the
 * loop's constants `all` (an unused input for each one g did not capture), then its own leaves.
 */
function alignInputs(g: Graph, n: number, caps: readonly Tensor[], all: readonly Tensor[]): Graph {
  const shapes = [...g.shapes];
  const inputs = all.map((t) => {
    const k = caps.indexOf(t);
    if (k >= 0) return g.inputs[n + k];
    shapes.push(t.shape);
    return shapes.length - 1;
  });
  const c = Object.assign(Object.create(Graph.prototype) as Graph, g, { shapes, inputs: [...inputs, ...g.inputs.slice(0, n)] });
  return compact(c);
}

/** The body's graph with its inputs in scan order: constants (captured tracers), carries, xs. */
function bodyGraph(g: Graph, nOwn: number): Graph {
  const b = Object.assign(Object.create(Graph.prototype) as Graph, g, { inputs: [...g.inputs.slice(nOwn), ...g.inputs.slice(0, nOwn)] });
  return compact(b);
}

/** iterations per stored carry for scan's checkpoint option (0: store every iteration's residuals) */
function segmentLength(c: ScanOptions['checkpoint'], length: number): number {
  if (c === undefined || c === 'none') return 0;
  if (c === 'sqrt') return length > 1 ? Math.ceil(Math.sqrt(length)) : 0;
  if (typeof c !== 'number' || !Number.isSafeInteger(c) || c < 1) {
    return fail('ERR_ARG', 'scan', `expected checkpoint to be 'none', 'sqrt' or a positive integer but received ${describe(c)}`);
  }
  return c > 1 && c < length ? c : 0;
}

/**
 * scan with every k-th carry stored: an outer scan over segments of k iterations, each segment a
 * checkpointed inner scan (its iterations run again during the reverse sweep); a last shorter
 * segment when k does not divide the length. The same iterations in the same order: same bits.
 */
function checkpointedScan(f: Fn, init: unknown, xs: unknown, length: number, k: number, reverse: boolean): [any, any] {
  const nSeg = Math.floor(length / k), main = nSeg * k, rest = length - main;
  const segment = (c: unknown, xsSeg: unknown) => scanImpl(f, c, xsSeg, { length: k, reverse }, true);
  const cut = (lo: number, hi: number, shape?: number) => mapLeaves(xs, (t) => {
    const part = slice(t, [lo], [hi]);
    return shape ? reshape(part, [shape, k, ...t.shape.slice(1)]) : part;
  });
  const runMain = (c: unknown): [unknown, unknown] => {
    const [cOut, ys] = scan((cc: unknown, xsSeg: unknown) => segment(cc, xsSeg), c, xs == null ? null : cut(reverse ? rest : 0, reverse ? length : main, nSeg), { length: nSeg, reverse });
    return [cOut, mapLeaves(ys, (t) => reshape(t, [main, ...t.shape.slice(2)]))];
  };
  const runRest = (c: unknown): [unknown, unknown] => scan(f, c, xs == null ? null : cut(reverse ? 0 : main, reverse ? rest : length), { length: rest, reverse });
  if (!rest) return runMain(init) as [any, any];
  // the segments cover the first iterations to run (the lowest indices forward, the highest in
  // reverse), then the rest; ys in index order
  const [c1, ysMain] = runMain(init);
  const [c2, ysRest] = runRest(c1);
  const ys = zipLeaves(reverse ? ysRest : ysMain, reverse ? ysMain : ysRest, (a, b) => concat([a, b], 0));
  return [c2, ys];
}

/**
 * w.checkpoint(f): f, whose intermediates reverse mode recomputes from f's inputs instead of
 * storing them (memory for time). f runs as a checkpointed one-iteration loop, so its derivatives
 * are the same bits as f's own.
 */
export function checkpoint<F extends Fn>(f: F): F {
  if (typeof f !== 'function') fail('ERR_ARG', 'checkpoint', `expected a function but received ${describe(f)}`);
  const name = `checkpoint(${f.name || 'f'})`;
  const wrapped = (...args: unknown[]) => {
    const tr = traceFunction(f, args, name, { noReads: true });
    const consts = tr.inputs;   // the argument leaves, then what f closed over
    const outShapes = tr.graph.outputs.map((v) => tr.graph.shapes[v]);
    // f's outputs become the carries of the one iteration (their starting values are not read)
    const shapes = [...tr.graph.shapes];
    const carryIns = outShapes.map((s) => { shapes.push(s); return shapes.length - 1; });
    const body = compact(Object.assign(Object.create(Graph.prototype) as Graph, tr.graph, { shapes, inputs: [...tr.graph.inputs, ...carryIns] }));
    const attrs = scanAttrs(body, consts.length, outShapes.length, 1, false, true);
    const parts = unpack(apply(scanOp, [...consts, ...outShapes.map((s) => broadcastTo(0, [...s]))], attrs), scanOutputs(attrs));
    return unflatten(tr.outDef, parts, false);
  };
  Object.defineProperty(wrapped, 'name', { value: name });
  return wrapped as F;
}

const mapLeaves = (tree: unknown, fn: (t: Tensor) => Tensor): unknown => {
  const { leaves, def } = flatten(tree);
  return unflatten(def, leaves.map(fn), false);
};
const zipLeaves = (a: unknown, b: unknown, fn: (x: Tensor, y: Tensor) => Tensor): unknown => {
  const fa = flatten(a), fb = flatten(b);
  return unflatten(fa.def, fa.leaves.map((x, i) => fn(x, fb.leaves[i])), false);
};

/** xs leaves share their leading length, which `length` (when given) must equal */
function scanLength(xs: readonly Tensor[], given: number | undefined): number {
  if (given !== undefined && (typeof given !== 'number' || !Number.isSafeInteger(given) || given < 0)) {
    fail('ERR_ARG', 'scan', `expected length to be a non-negative integer but received ${describe(given)}`);
  }
  if (!xs.length) return given ?? fail('ERR_ARG', 'scan', 'without xs, the number of iterations must be given: scan(f, init, null, { length })');
  for (const t of xs) if (t.rank === 0) fail('ERR_SHAPE', 'scan', `each xs leaf is sliced along axis 0, but one is 0-d (${fmtShape(t.shape)})`);
  const n = xs[0].shape[0];
  const bad = xs.find((t) => t.shape[0] !== n);
  if (bad) fail('ERR_SHAPE', 'scan', `xs leaves must share their leading length: ${xs.map((t) => fmtShape(t.shape)).join(', ')}`);
  if (given !== undefined && given !== n) fail('ERR_SHAPE', 'scan', `length ${given} does not match xs's leading length ${n}`);
  return n;
}

/** the body's carry must have init's structure and shapes (ERR_SHAPE naming the leaf) */
function checkCarry(name: string, def: TreeDef, shapes: readonly (readonly number[])[], outDef: TreeDef, g: Graph, n: number): void {
  const diff = structureDiff(def, outDef);
  if (diff) fail('ERR_SHAPE', name, `the body must return a carry with the structure of init, but it differs at ${diff === 'root' ? 'the root' : diff}`);
  for (let j = 0; j < n; j++) {
    const got = g.shapes[g.outputs[j]];
    if (!sameShape(got, shapes[j])) fail('ERR_SHAPE', name, `carry leaf ${leafName(def, j)}: the body returned ${fmtShape(got)}, expected ${fmtShape(shapes[j])} (init's shape)`);
  }
}

function leafName(def: TreeDef, j: number): string {
  if (def.t === 'leaf') return def.i === j ? def.path || 'init' : '';
  if (def.t === 'static') return '';
  for (const d of def.items) { const p = leafName(d, j); if (p) return p; }
  return '';
}

function numericTree(name: string, def: TreeDef, what: string): void {
  if (def.t === 'static') return fail('ERR_ARG', name, `expected ${what} to be numbers, arrays or tensors but received ${describe(def.value)}`);
  if (def.t !== 'leaf') def.items.forEach((d) => numericTree(name, d, what));
}

export function checkOptions(name: string, opts: unknown, known: ReadonlySet<string>): void {
  if (opts === undefined) return;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) fail('ERR_ARG', name, `expected an options object but received ${describe(opts)}`);
  for (const k of Object.keys(opts as object)) if (!known.has(k)) fail('ERR_ARG', name, `unknown option '${k}' (known: ${[...known].join(', ')})`);
}
