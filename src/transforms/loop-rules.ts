// Derivatives and batching of scan (JAX's scan rules, written for packed outputs):
// - jvp: one scan over the body's JVP, carries and their tangents side by side;
// - reverse mode: the forward scan also stacks, per iteration, the values its body's reverse sweep
//   reads (residuals); a second scan runs the reverse sweep backwards over them. Loop constants'
//   cotangents accumulate in extra carries; xs's cotangents come out as the second scan's ys;
// - batching: the body batched once, xs and ys with their iteration axis first.
// Carries are closed under each analysis (a carry is active, tangent-carrying, cotangent-carrying or
// batched when its value after one iteration is), found by iterating to a fixed point.

import { apply } from '../core/trace.js';
import { sizeOf } from '../core/shape.js';
import type { RuleCtx } from '../ops/op.js';
import type { CustomHooks } from '../ops/hooks.js';
import { scanOp, scanOutputs, type ScanAttrs } from '../ops/scan.js';
import { unpack } from '../ops/part.js';
import { reshape } from '../ops/reshape.js';
import { concat } from '../ops/concat.js';
import { transpose } from '../ops/transpose.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { jvpGraph } from './jvp.js';
import { batchGraph } from './batch.js';
import { scanAttrs, zeros, pack, range, counts, rewire, carryClosure } from './scan-kit.js';
import { scanVjpForward, scanVjp } from './scan-vjp.js';

// ---- forward mode --------------------------------------------------------------------------------
const scanJvpJoint: CustomHooks['scanJvpJoint'] = (ins, ts, a: ScanAttrs) => {
  const c = counts(a);
  const act = carryClosure(a, ts.map((t) => !!t));
  const withT = range(0, c.nIn).filter((i) => act[i]);
  if (!withT.length) return [apply(scanOp, ins, a), null];
  const G = jvpGraph(a.body, withT);   // inputs: body inputs, their tangents; outputs: body outputs, their tangents
  const tIn = (i: number) => G.inputs[c.nIn + withT.indexOf(i)];
  const group = (lo: number, hi: number) => [...range(lo, hi).map((i) => G.inputs[i]), ...range(lo, hi).filter((i) => act[i]).map(tIn)];
  const actCarry = range(0, c.nCarry).filter((j) => act[c.nConst + j]);
  const inputs = [...group(0, c.nConst), ...group(c.nConst, c.nConst + c.nCarry), ...group(c.nConst + c.nCarry, c.nIn)];
  const outputs = [...G.outputs.slice(0, c.nCarry), ...actCarry.map((j) => G.outputs[c.nOut + j]),
    ...G.outputs.slice(c.nCarry, c.nOut), ...G.outputs.slice(c.nOut + c.nCarry)];
  const tanOf = (i: number) => ts[i] ?? zeros(ins[i].shape);
  const groupIns = (lo: number, hi: number) => [...ins.slice(lo, hi), ...range(lo, hi).filter((i) => act[i]).map(tanOf)];
  const ins2 = [...groupIns(0, c.nConst), ...groupIns(c.nConst, c.nConst + c.nCarry), ...groupIns(c.nConst + c.nCarry, c.nIn)];
  const nConst2 = c.nConst + range(0, c.nConst).filter((i) => act[i]).length;
  const a2 = scanAttrs(rewire(G, inputs, outputs), nConst2, c.nCarry + actCarry.length, a.length, a.reverse, a.remat);
  const parts = unpack(apply(scanOp, ins2, a2), scanOutputs(a2));
  const carries = parts.slice(0, c.nCarry), tCarries = parts.slice(c.nCarry, c.nCarry + actCarry.length);
  const ys = parts.slice(c.nCarry + actCarry.length, c.nCarry + actCarry.length + c.nY), tYs = parts.slice(c.nCarry + actCarry.length + c.nY);
  const tCarry = range(0, c.nCarry).map((j) => (act[c.nConst + j] ? tCarries[actCarry.indexOf(j)] : zeros(carries[j].shape)));
  return [pack([...carries, ...ys]), pack([...tCarry, ...tYs])];
};
const scanJvp: CustomHooks['scanJvp'] = (ts, ctx: RuleCtx<ScanAttrs>) => scanJvpJoint(ctx.ins, ts, ctx.attrs)[1];

// ---- batching --------------------------------------------------------------------------------------
const scanBatch: CustomHooks['scanBatch'] = (ins, batched, a: ScanAttrs) => {
  const c = counts(a);
  const n = ins[batched.indexOf(true)].shape[0];
  // every carry and every y is batched (batchGraph batches all outputs); xs and ys keep iteration first
  const flags = range(0, c.nIn).map((i) => (i >= c.nConst && i < c.nConst + c.nCarry) || batched[i]);
  const body = batchGraph(a.body, flags, n);
  const ins2 = ins.map((x, i) => {
    if (i < c.nConst) return x;
    if (i < c.nConst + c.nCarry) return batched[i] ? x : broadcastTo(x, [n, ...x.shape]);
    return batched[i] ? transpose(x, [1, 0, ...range(2, x.rank)]) : x;
  });
  const a2 = scanAttrs(body, c.nConst, c.nCarry, a.length, a.reverse, a.remat);
  const parts = unpack(apply(scanOp, ins2, a2), scanOutputs(a2));
  const rows = parts.map((p, j) => {
    const q = j < c.nCarry ? p : transpose(p, [1, 0, ...range(2, p.rank)]);   // ys: [length, n, …] → [n, length, …]
    return reshape(q, [n, sizeOf(q.shape.slice(1))]);
  });
  return rows.length === 1 ? rows[0] : concat(rows, 1);
};

/** the rules the ops call through src/ops/hooks.ts (installed by src/wiring.ts) */
export const scanRules = { scanJvpJoint, scanJvp, scanBatch, scanVjpForward, scanVjp };
