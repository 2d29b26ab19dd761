// A scan on the TS backend (the scan op's TS kernel): its body is planned once and run by its machine
// (ts-step.ts) in ONE register file and environment for the whole loop. Each iteration writes
// the k-th slice of each xs into the body's input slots, steps the body, appends the ys rows and
// moves the next carries into the carry slots; nothing is allocated per iteration except views
// of xs rows that are not size 1. The interpreter and the planned executor both run scans here
// (through the op's kernel); the native backend's loops give the same bits (tests compare them).
import type { Graph } from '../core/graph.js';
import { sizeOf } from '../core/shape.js';
import { scanOutputs, type ScanAttrs } from '../ops/scan.js';
import { packedLayout } from '../ops/part.js';
import { tsPlan } from '../plan/plan.js';
import { machineOf, type Env, type Machine } from './ts-step.js';

/** where the body's values live: variable numbers and sizes, fixed per scan equation */
interface Layout {
  nConst: number; nCarry: number; nx: number; ny: number;
  /** body input variables (consts, carries, xs slices) and output variables (carries, ys rows) */
  ins: Int32Array; outs: Int32Array;
  /** elements per xs slice and per ys row; where each output starts in the packed result */
  xSize: number[]; ySize: number[]; offsets: number[]; total: number;
}

function layoutOf(a: ScanAttrs, b: Graph): Layout {
  const shapes = b.shapes, { nConst, nCarry } = a;
  const ins = Int32Array.from(b.inputs), outs = Int32Array.from(b.outputs);
  const nx = ins.length - nConst - nCarry, ny = outs.length - nCarry;
  const { offsets, total } = packedLayout(scanOutputs(a));
  const xSize = Array.from({ length: nx }, (_, j) => sizeOf(shapes[ins[nConst + nCarry + j]]));
  const ySize = Array.from({ length: ny }, (_, j) => sizeOf(shapes[outs[nCarry + j]]));
  return { nConst, nCarry, nx, ny, ins, outs, xSize, ySize, offsets, total };
}

const layouts = new WeakMap<ScanAttrs, Layout>();
/** the scan with attributes a on concrete operands (consts, initial carries, xs): its packed outputs */
export function runScan(ins: readonly Float64Array[], a: ScanAttrs): Float64Array {
  const m = machineOf(tsPlan(a.body)), S = m.isScalar;
  let L = layouts.get(a);
  if (!L) layouts.set(a, (L = layoutOf(a, m.g)));
  const r = new Float64Array(m.g.nvars), env: Env = new Array(m.g.nvars);
  m.load(r, env);
  const nFixed = L.nConst + L.nCarry;
  for (let j = 0; j < nFixed; j++) { const v = L.ins[j]; if (S[v]) r[v] = ins[j][0]; else env[v] = ins[j]; }
  const out = new Float64Array(L.total);
  iterate(L, a, m, r, env, ins.slice(nFixed), out);
  for (let j = 0; j < L.nCarry; j++) store(out, L.offsets[j], r, env, S, L.ins[L.nConst + j]);
  return out;
}

/** the loop: per iteration k, xs rows in, one step, ys rows out at row k, next carries into the carry slots */
function iterate(L: Layout, a: ScanAttrs, m: Machine, r: Float64Array, env: Env, xs: Float64Array[], out: Float64Array): void {
  const S = m.isScalar, { ins, outs, nConst, nCarry, nx, ny, xSize, ySize, offsets } = L;
  const xAt = nConst + nCarry, sc = new Float64Array(nCarry), ac: Env = new Array(nCarry);
  for (let it = 0; it < a.length; it++) {
    const k = a.reverse ? a.length - 1 - it : it;
    for (let j = 0; j < nx; j++) {
      const v = ins[xAt + j], n = xSize[j];
      if (S[v]) r[v] = xs[j][k]; else env[v] = xs[j].subarray(k * n, (k + 1) * n);
    }
    m.step(r, env);
    for (let j = 0; j < ny; j++) store(out, offsets[nCarry + j] + k * ySize[j], r, env, S, outs[nCarry + j]);
    // read every next carry before writing any (a carry may be another's input slot)
    for (let j = 0; j < nCarry; j++) { const v = outs[j]; if (S[v]) sc[j] = r[v]; else ac[j] = env[v]; }
    for (let j = 0; j < nCarry; j++) { const v = ins[nConst + j]; if (S[v]) r[v] = sc[j]; else env[v] = ac[j]; }
  }
}

/** body variable v written into out at `at` */
function store(out: Float64Array, at: number, r: Float64Array, env: Env, S: Uint8Array, v: number): void {
  if (S[v]) out[at] = r[v]; else out.set(env[v]!, at);
}

interface Frame { m: Machine; r: Float64Array; env: Env; busy: boolean }
const frames = new WeakMap<Graph, Frame>();
function frameOf(g: Graph): Frame {
  const m = machineOf(tsPlan(g)), f: Frame = { m, r: new Float64Array(m.g.nvars), env: new Array(m.g.nvars), busy: false };
  m.load(f.r, f.env);
  return f;
}

/**
 * g (a whileLoop's cond, body or reverse sweep) on concrete inputs, in a register file kept per
 * graph between calls (a fresh one when a call is already under way: re-entered from JS code).
 * Outputs are size-1 values copied out, or the arrays the equations produced (never written again).
 */
export function runBody(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  let f = frames.get(g);
  if (!f) frames.set(g, (f = frameOf(g)));
  if (f.busy) f = frameOf(g);
  const { m, r, env } = f, S = m.isScalar, p = m.g;
  f.busy = true;
  try {
    for (let j = 0; j < inputs.length; j++) { const v = p.inputs[j]; if (S[v]) r[v] = inputs[j][0]; else env[v] = inputs[j]; }
    m.step(r, env);
  } finally { f.busy = false; }
  return p.outputs.map((v) => (S[v] ? Float64Array.of(r[v]) : env[v]!));
}
