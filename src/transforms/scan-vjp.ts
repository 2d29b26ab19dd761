// Reverse mode of scan: the forward scan also stacks, per iteration, the values its body's reverse
// sweep reads (residuals); a second scan runs the reverse sweep backwards over them. Loop constants'
// cotangents accumulate in extra carries; xs's cotangents come out as the second scan's ys.
import { Tensor } from '../core/tensor.js';
import { Graph } from '../core/graph.js';
import { Trace, apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { compact } from '../core/simplify.js';
import type { RuleCtx } from '../ops/op.js';
import type { CustomHooks } from '../ops/hooks.js';
import { scanOp, scanOutputs, type ScanAttrs } from '../ops/scan.js';
import { partOp, unpack, packedLayout } from '../ops/part.js';
import { reshape } from '../ops/reshape.js';
import { concat } from '../ops/concat.js';
import { slice } from '../ops/slice.js';
import { evalGraph } from '../core/eval.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { add } from '../ops/add.js';
import { activeVars, forward, backward } from './vjp.js';
import { scanAttrs, zeros, range, counts, rewire, carryClosure, type Counts } from './scan-kit.js';

/** where a value the reverse sweep reads comes from: a body input, or the k-th forward equation */
type ResId = { kind: 'in'; i: number } | { kind: 'eqn'; k: number };
const sameId = (x: ResId, y: ResId) => (x.kind === 'in' ? y.kind === 'in' && x.i === y.i : y.kind === 'eqn' && x.k === y.k);

/** The body's VJP as one trace: forward section (the body re-emitted) then the reverse sweep. */
interface Linear {
  G: Graph;
  /** equations of the forward section */
  fwdEnd: number;
  /** G variable of each body output (forward section) */
  outVars: number[];
  /** G input of the cotangent of each body output (−1 when not seeded) */
  ctVars: number[];
  /** the body inputs differentiated, and the G variable of each one's cotangent (−1: structurally zero) */
  wrt: readonly number[];
  gradVars: number[];
  /** body inputs whose cotangent starts from an input sum, and the G input holding each sum */
  presetFor: readonly number[];
  accVars: number[];
}

/**
 * The body's VJP as one trace. Each body input listed in `presetFor` (a loop constant, or a carry in
 * the last iteration the reverse sweep runs) has its cotangent start from an input sum, so that one
 * sum continues across iterations, added in the order the unrolled reverse sweep adds (the same bits).
 */
function linearize(a: ScanAttrs, wrt: readonly number[], seeded: readonly boolean[], presetFor: readonly number[] = []): Linear {
  const b = a.body;
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(b.nvars);
    b.inputs.forEach((v) => { env[v] = tr.input(b.shapes[v], null); });
    const cts = b.outputs.map((v, j) => (seeded[j] ? tr.input(b.shapes[v], null) : null));
    const acc = presetFor.map((i) => tr.input(b.shapes[b.inputs[i]], null));
    const wrtVars = wrt.map((i) => b.inputs[i]);
    const active = activeVars(b, wrtVars);
    const saved = forward(b, env, active);
    const fwdEnd = tr.graph.eqns.length;
    const preset = new Map(presetFor.map((i, k) => [b.inputs[i], acc[k]]));
    const grads = backward(b, env, wrtVars, seeded.map((s) => (s ? 'input' : null)), cts, active, saved, preset);
    const outs = [...b.outputs.map((v) => env[v]), ...grads.filter((t): t is Tensor => t !== null)];
    const G = tr.finish(outs);
    let k = b.outputs.length;
    return {
      G, fwdEnd, wrt, presetFor,
      accVars: acc.map((t) => t._v),
      outVars: G.outputs.slice(0, b.outputs.length),
      ctVars: cts.map((t) => (t ? t._v : -1)),
      gradVars: grads.map((t) => (t ? G.outputs[k++] : -1)),
    };
  } finally {
    tr.close();
  }
}

/** values of the forward section the reverse sweep reads (or returns), each with where it comes from */
function residuals(L: Linear, nIn: number): { v: number; id: ResId }[] {
  const { G, fwdEnd } = L;
  const fwdOf = new Int32Array(G.nvars).fill(-1);
  G.eqns.forEach((e, k) => { if (k < fwdEnd) fwdOf[e.out] = k; });
  const inOf = new Map(G.inputs.slice(0, nIn).map((v, i) => [v, i]));
  const seen = new Set<number>(), out: { v: number; id: ResId }[] = [];
  const use = (v: number) => {
    if (seen.has(v)) return;
    seen.add(v);
    if (inOf.has(v)) out.push({ v, id: { kind: 'in', i: inOf.get(v)! } });
    else if (fwdOf[v] >= 0) out.push({ v, id: { kind: 'eqn', k: fwdOf[v] } });
  };
  for (let k = fwdEnd; k < G.eqns.length; k++) G.eqns[k].ins.forEach(use);
  L.gradVars.forEach((v) => { if (v >= 0) use(v); });
  return out;
}

/** forward-section variables that depend only on the loop constants (recomputed, never stacked) */
function invariantVars(L: Linear, nConst: number): Uint8Array {
  const { G } = L;
  const varies = new Uint8Array(G.nvars);
  for (const v of G.inputs.slice(nConst)) varies[v] = 1;
  for (let k = 0; k < L.fwdEnd; k++) { const e = G.eqns[k]; if (e.ins.some((i) => varies[i])) varies[e.out] = 1; }
  return varies.map((x) => 1 - x);
}

/** what the forward scan keeps for the reverse one: the stacked residuals (parts read in the forward sweep, so
 * a further reverse mode sees ordinary values) and where each comes from */
interface Saved { stacks: Tensor[]; stacked: ResId[]; act: boolean[] }

function activeInputs(a: ScanAttrs, needs: readonly boolean[]): boolean[] {
  return carryClosure(a, needs);
}

export const scanVjpForward: CustomHooks['scanVjpForward'] = (ins, a: ScanAttrs, needs) => {
  // checkpointed: the plain loop now; the reverse sweep runs the residual-stacking one itself
  if (a.remat) return { out: apply(scanOp, ins, a), saved: undefined };
  return stackingScan(ins, a, needs);
};

/** the forward scan that also stacks the residuals its reverse sweep reads (see Saved) */
function stackingScan(ins: readonly Tensor[], a: ScanAttrs, needs: readonly boolean[]): { out: Tensor; saved: Saved | null } {
  const c = counts(a);
  const act = activeInputs(a, needs);
  const wrt = range(0, c.nIn).filter((i) => act[i]);
  if (!wrt.length) return { out: apply(scanOp, ins, a), saved: null };
  const L = linearize(a, wrt, range(0, c.nOut).map(() => true));
  const inv = invariantVars(L, c.nConst);
  const stack = residuals(L, c.nIn).filter((r) => r.id.kind === 'in' ? (r.id.i >= c.nConst && r.id.i < c.nConst + c.nCarry) : !inv[r.v]);
  const F = rewire(L.G, L.G.inputs.slice(0, c.nIn), [...L.outVars, ...stack.map((r) => r.v)]);
  const extAttrs = scanAttrs(F, c.nConst, c.nCarry, a.length, a.reverse);
  const ext = apply(scanOp, ins, extAttrs);
  const total = packedLayout(scanOutputs(a)).total;
  const out = apply(partOp, [ext], { index: 0, offset: 0, shape: [total] });
  const saved: Saved = { stacks: unpack(ext, scanOutputs(extAttrs)).slice(c.nOut), stacked: stack.map((r) => r.id), act };
  return { out, saved };
}

/** carries and ys with a live cotangent: closed under "carry j feeds a live output" through the body */
function cotangentCarries(a: ScanAttrs, c: Counts, act: readonly boolean[], cts: readonly (Tensor | null)[]): { liveCt: boolean[]; liveY: boolean[] } {
  const liveCt = range(0, c.nCarry).map((j) => cts[j] !== null && act[c.nConst + j]);
  const liveY = range(0, c.nY).map((j) => cts[c.nCarry + j] !== null);
  for (;;) {
    const seeds = [...liveCt, ...liveY];
    const reach = reaching(a.body, a.body.outputs.filter((_, o) => seeds[o]));
    let changed = false;
    for (let j = 0; j < c.nCarry; j++) if (!liveCt[j] && act[c.nConst + j] && reach[a.body.inputs[c.nConst + j]]) { liveCt[j] = true; changed = true; }
    if (!changed) return { liveCt, liveY };
  }
}

export const scanVjp: CustomHooks['scanVjp'] = (cts, ctx: RuleCtx<ScanAttrs>, needs, pending) => {
  const a = ctx.attrs, c = counts(a);
  const saved = (ctx.saved ?? stackingScan(ctx.ins, a, needs).saved) as Saved | null;
  if (!saved) return [...pending];
  const { act } = saved;
  const wrt = range(0, c.nIn).filter((i) => act[i]);
  const { liveCt, liveY } = cotangentCarries(a, c, act, cts);
  if (!liveCt.some((x) => x) && !liveY.some((x) => x)) return [...pending];
  const accConsts = range(0, c.nConst).filter((i) => needs[i] && act[i]);
  const L = linearize(a, wrt, [...liveCt, ...liveY], accConsts);
  const inv = invariantVars(L, c.nConst);
  const res = residuals(L, c.nIn);
  const ctCarries = range(0, c.nCarry).filter((j) => liveCt[j]);
  const stackedHere = res.filter((r) => (r.id.kind === 'in' ? r.id.i >= c.nConst && r.id.i < c.nConst + c.nCarry : !inv[r.v]));
  const stackIndex = stackedHere.map((r) => saved.stacked.findIndex((s) => sameId(s, r.id)));
  if (stackIndex.some((k) => k < 0)) throw new Error('scan: a residual of the reverse sweep was not stacked by the forward scan');
  const liveYs = range(0, c.nY).filter((j) => liveY[j]);
  const gradXs = range(c.nConst + c.nCarry, c.nIn).filter((i) => act[i]);
  const stacked = stackedHere.map((r) => r.v);
  const B = reverseBody(L, c, inv, stacked, ctCarries, accConsts.length, liveYs, gradXs);
  // a carry whose start already has cotangent contributions: the reverse sweep's last iteration
  // (the loop's first) runs outside the scan, where those contributions can come first (same bits)
  const startSums = ctCarries.filter((j) => pending[c.nConst + j] !== null);
  const L0 = startSums.length && a.length ? linearize(a, wrt, [...liveCt, ...liveY], [...accConsts, ...startSums.map((j) => c.nConst + j)]) : null;
  const n = L0 ? a.length - 1 : a.length, t0 = a.reverse ? a.length - 1 : 0;
  const rows = (x: Tensor) => (!L0 ? x : a.reverse ? slice(x, [0], [n]) : slice(x, [1], [a.length]));
  const row = (x: Tensor) => reshape(slice(x, [t0], [t0 + 1]), x.shape.slice(1));
  const xsIn = [...ctx.ins.slice(c.nConst + c.nCarry), ...stackIndex.map((k) => saved.stacks[k]), ...liveYs.map((j) => cts[c.nCarry + j]!)];
  const insB = [
    ...ctx.ins.slice(0, c.nConst),
    ...ctCarries.map((j) => cts[j] ?? zeros(ctx.ins[c.nConst + j].shape)),
    ...accConsts.map((i) => pending[i] ?? broadcastTo(-0, [...ctx.ins[i].shape])),   // −0 + x = x for every x
    ...xsIn.map(rows),
  ];
  const aB = scanAttrs(B, c.nConst, ctCarries.length + accConsts.length, n, !a.reverse);
  let parts = unpack(apply(scanOp, insB, aB), scanOutputs(aB));
  if (L0) {
    // the same forward section (so the same residuals, by position), numbered in L0's own trace
    const res0 = residuals(L0, c.nIn);
    const stacked0 = stackedHere.map((r) => res0.find((q) => sameId(q.id, r.id))?.v ?? fail('ERR_RULE', 'scan', 'a residual of the peeled iteration is missing'));
    const B0 = reverseBody(L0, c, invariantVars(L0, c.nConst), stacked0, ctCarries, accConsts.length, liveYs, gradXs);
    const last = evalGraph(B0, [...ctx.ins.slice(0, c.nConst), ...parts.slice(0, aB.nCarry), ...xsIn.map(row), ...startSums.map((j) => pending[c.nConst + j]!)]);
    const ys = parts.slice(aB.nCarry).map((y, k) => {
      const r = reshape(last[aB.nCarry + k], [1, ...last[aB.nCarry + k].shape]);
      return concat(a.reverse ? [y, r] : [r, y], 0);
    });
    parts = [...last.slice(0, aB.nCarry), ...ys];
  }
  const plus = (i: number, r: Tensor | null) => (r && pending[i] && !(L0 && startSums.includes(i - c.nConst)) ? add(pending[i]!, r) : r ?? pending[i]);
  return ctx.ins.map((_, i) => {
    if (!needs[i] || !act[i]) return pending[i];
    if (i < c.nConst) return parts[ctCarries.length + accConsts.indexOf(i)];   // the accumulator continued the pending sum
    if (i < c.nConst + c.nCarry) { const k = ctCarries.indexOf(i - c.nConst); return plus(i, k >= 0 ? parts[k] : null); }
    return plus(i, parts[aB.nCarry + gradXs.indexOf(i)]);
  });
};

/** reach[v] = 1 when a variable of g reaches one of `outs` (reverse dependence) */
function reaching(g: Graph, outs: readonly number[]): Uint8Array {
  const reach = new Uint8Array(g.nvars);
  for (const v of outs) reach[v] = 1;
  for (let k = g.eqns.length - 1; k >= 0; k--) { const e = g.eqns[k]; if (reach[e.out]) for (const i of e.ins) reach[i] = 1; }
  return reach;
}

/**
 * The reverse sweep as a scan body. Inputs: loop constants; carries: the live carry cotangents,
 * then accumulators of the constants' cotangents; xs: the loop's xs, the stacked residuals, the
 * live ys' cotangents. Outputs: the carries' cotangents one iteration earlier, the accumulators
 * plus this iteration's constant cotangents; ys: the cotangents of the differentiated xs.
 */
function reverseBody(L: Linear, c: Counts, inv: Uint8Array, stacked: readonly number[], ctCarries: readonly number[],
  nAcc: number, liveYs: readonly number[], gradXs: readonly number[]): Graph {
  const { G } = L;
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(G.nvars);
    const fwdOf = new Int32Array(G.nvars).fill(-1);
    G.eqns.forEach((e, k) => { if (k < L.fwdEnd) fwdOf[e.out] = k; });
    for (const [v, t] of G.consts) env[v] = t;
    const input = (v: number) => (env[v] = tr.input(G.shapes[v], null));
    G.inputs.slice(0, c.nConst).forEach(input);
    ctCarries.forEach((j) => input(L.ctVars[j]));
    L.accVars.slice(0, nAcc).forEach(input);
    G.inputs.slice(c.nConst + c.nCarry, c.nIn).forEach(input);
    stacked.forEach(input);
    liveYs.forEach((j) => input(L.ctVars[c.nCarry + j]));
    L.accVars.slice(nAcc).forEach(input);   // carries' starting sums (the peeled last iteration only)
    // loop-invariant forward values are recomputed here (once per iteration, from the constants)
    const value = (v: number): Tensor => {
      if (env[v]) return env[v];
      const k = fwdOf[v];
      if (k < 0 || !inv[v]) throw new Error(`scan: the reverse sweep reads %${v}, which was neither stacked nor recomputable`);
      const e = G.eqns[k];
      return (env[v] = apply(e.op, e.ins.map(value), e.attrs));
    };
    for (let k = L.fwdEnd; k < G.eqns.length; k++) {
      const e = G.eqns[k];
      env[e.out] = apply(e.op, e.ins.map(value), e.attrs);
    }
    const grad = (i: number) => {
      const v = L.gradVars[L.wrt.indexOf(i)] ?? -1;
      return v >= 0 ? value(v) : zeros(G.shapes[G.inputs[i]]);
    };
    const outs = [
      ...ctCarries.map((j) => grad(c.nConst + j)),
      ...L.presetFor.slice(0, nAcc).map(grad),   // a preset sum is never structurally zero
      ...gradXs.map(grad),
    ];
    return compact(tr.finish(outs));
  } finally {
    tr.close();
  }
}
