// Derivatives and batching of whileLoop:
// - jvp: a while loop over the body's JVP (carries and their tangents together; cond reads the carries);
// - reverse mode: one whileVjp equation (forward iterations taped, then the reverse sweep; see
//   src/ops/whileLoop.ts), whose sweep continues each constant's cotangent sum in unrolled order;
// - batching: the loop runs while any member's cond holds; a finished member's carry stays put.
import { Tensor } from '../core/tensor.js';
import { Graph } from '../core/graph.js';
import { Trace, apply } from '../core/trace.js';
import { type Shape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { extract } from '../core/subgraph.js';
import type { RuleCtx } from '../ops/op.js';
import type { CustomHooks } from '../ops/hooks.js';
import { whileOp, whileVjpOp, whileVjpOutputs, type WhileAttrs, type WhileVjpAttrs } from '../ops/whileLoop.js';
import { unpack } from '../ops/part.js';
import { reshape } from '../ops/reshape.js';
import { concat } from '../ops/concat.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { add } from '../ops/add.js';
import { sum } from '../ops/sum.js';
import { notEqual } from '../ops/notEqual.js';
import { where } from '../ops/where.js';
import { jvpGraph } from './jvp.js';
import { activeVars, forward, backward } from './vjp.js';
import { batchGraph } from './batch.js';
import { evalGraph } from '../core/eval.js';
import { signature, keyText } from '../core/signature.js';

const zeros = (s: Shape) => broadcastTo(0, [...s]);
const flat = (t: Tensor) => (t.rank === 1 ? t : reshape(t, [t.size]));
const pack = (parts: readonly Tensor[]) => (parts.length === 1 ? flat(parts[0]) : concat(parts.map(flat), 0));
const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

/** attrs of a whileLoop equation (the key identifies cond and body for signatures and CSE) */
export function whileAttrs(cond: Graph, body: Graph, nConst: number, maxIterations: number | null): WhileAttrs {
  const sig = (g: Graph) => keyText(signature(g));
  return { cond, body, nConst, maxIterations, key: `while#${nConst}#${maxIterations}#${sig(cond)}#${sig(body)}` };
}

const nCarryOf = (a: WhileAttrs) => a.body.inputs.length - a.nConst;

/** flags over (consts, carries), closed over the carries: carry j is set when the body's output j depends on a set input */
function carryClosure(a: WhileAttrs, flags: readonly boolean[]): boolean[] {
  const f = [...flags];
  for (;;) {
    const dep = activeVars(a.body, a.body.inputs.filter((_, i) => f[i]));
    let changed = false;
    for (let j = 0; j < nCarryOf(a); j++) if (!f[a.nConst + j] && dep[a.body.outputs[j]]) { f[a.nConst + j] = true; changed = true; }
    if (!changed) return f;
  }
}

/** g with an unused input of each shape in `extra` inserted at position `at` of its inputs */
function withUnusedInputs(g: Graph, at: number, extra: readonly Shape[]): Graph {
  const shapes = [...g.shapes];
  const added = extra.map((s) => { shapes.push(s); return shapes.length - 1; });
  return Object.assign(Object.create(Graph.prototype) as Graph, g, { shapes, inputs: [...g.inputs.slice(0, at), ...added, ...g.inputs.slice(at)] });
}

// ---- forward mode --------------------------------------------------------------------------------
const whileJvpJoint: CustomHooks['whileJvpJoint'] = (ins, ts, a: WhileAttrs) => {
  const nC = nCarryOf(a), nIn = a.nConst + nC;
  const act = carryClosure(a, ts.map((t) => !!t));
  const withT = range(0, nIn).filter((i) => act[i]);
  if (!withT.length) return [apply(whileOp, ins, a), null];
  const G = jvpGraph(a.body, withT);   // inputs: consts, carries, tangents of withT; outputs: carries, their tangents
  const tIn = (i: number) => G.inputs[nIn + withT.indexOf(i)];
  const tConsts = range(0, a.nConst).filter((i) => act[i]), tCarries = range(0, nC).filter((j) => act[a.nConst + j]);
  const inputs = [...G.inputs.slice(0, a.nConst), ...tConsts.map(tIn), ...G.inputs.slice(a.nConst, nIn), ...tCarries.map((j) => tIn(a.nConst + j))];
  const body = compact(extract(G, inputs, [...G.outputs.slice(0, nC), ...tCarries.map((j) => G.outputs[nC + j])]));
  // cond reads only the primal values: unused inputs stand for the tangents
  const shapeOf = (i: number) => a.body.shapes[a.body.inputs[i]];
  const c1 = withUnusedInputs(a.cond, a.nConst, tConsts.map(shapeOf));
  const cond = compact(withUnusedInputs(c1, c1.inputs.length, tCarries.map((j) => shapeOf(a.nConst + j))));
  const tan = (i: number) => ts[i] ?? zeros(ins[i].shape);
  const ins2 = [...ins.slice(0, a.nConst), ...tConsts.map(tan), ...ins.slice(a.nConst), ...tCarries.map((j) => tan(a.nConst + j))];
  const a2 = whileAttrs(cond, body, a.nConst + tConsts.length, a.maxIterations);
  const shapes = [...range(0, nC).map((j) => shapeOf(a.nConst + j)), ...tCarries.map((j) => shapeOf(a.nConst + j))];
  const parts = unpack(apply(whileOp, ins2, a2), shapes);
  const tCarry = range(0, nC).map((j) => (act[a.nConst + j] ? parts[nC + tCarries.indexOf(j)] : zeros(shapeOf(a.nConst + j))));
  return [pack(parts.slice(0, nC)), pack(tCarry)];
};

// ---- batching --------------------------------------------------------------------------------------
const whileBatch: CustomHooks['whileBatch'] = (ins, batched, a: WhileAttrs) => {
  const nC = nCarryOf(a), nIn = a.nConst + nC;
  const n = ins[batched.indexOf(true)].shape[0];
  const flags = range(0, nIn).map((i) => i >= a.nConst || batched[i]);   // every carry batched
  const cb = batchGraph(a.cond, flags, n), bb = batchGraph(a.body, flags, n);
  const ins2 = ins.map((x, i) => (i < a.nConst || batched[i] ? x : broadcastTo(x, [n, ...x.shape])));
  const shapes = ins2.map((x) => x.shape);
  // go on while any member goes on; a member whose cond is 0 keeps its carry
  const going = (args: Tensor[]) => notEqual(evalGraph(cb, args)[0], 0);
  const cond = traceGraph(shapes, (args) => sum(going(args)));
  const body = traceGraph(shapes, (args) => {
    const on = going(args), next = evalGraph(bb, args);
    return next.map((t, j) => where(reshape(on, [n, ...new Array<number>(t.rank - 1).fill(1)]), t, args[a.nConst + j]));
  });
  const a2 = whileAttrs(cond, body, a.nConst, a.maxIterations);
  const parts = unpack(apply(whileOp, ins2, a2), shapes.slice(a.nConst));
  const rows = parts.map((p) => reshape(p, [n, p.size / n]));
  return rows.length === 1 ? rows[0] : concat(rows, 1);
};

/** a graph recorded from fn on inputs of the given shapes */
function traceGraph(shapes: readonly Shape[], fn: (args: Tensor[]) => Tensor | Tensor[]): Graph {
  const tr = new Trace();
  try {
    const args = shapes.map((s) => tr.input(s, null));
    const out = fn(args);
    return compact(tr.finish(Array.isArray(out) ? out : [out]));
  } finally {
    tr.close();
  }
}

// ---- reverse mode --------------------------------------------------------------------------------
const whileVjp: CustomHooks['whileVjp'] = (cts, ctx: RuleCtx<WhileAttrs>, needs, pending) => {
  const a = ctx.attrs, nC = nCarryOf(a), nIn = a.nConst + nC;
  if (!cts.some((c) => c)) return [...pending];
  const act = carryClosure(a, needs);
  const accFor = range(0, a.nConst).filter((i) => needs[i] && act[i]);
  const carryWrt = range(a.nConst, nIn).filter((i) => act[i]);
  const bwd = sweep(a, [...accFor, ...carryWrt], accFor);
  const shapeOf = (i: number) => a.body.shapes[a.body.inputs[i]];
  const aV = whileVjpAttrs(a, bwd, accFor.map(shapeOf));
  const insV = [
    ...ctx.ins,
    ...range(0, nC).map((j) => cts[j] ?? zeros(shapeOf(a.nConst + j))),
    ...accFor.map((i) => pending[i] ?? broadcastTo(-0, [...shapeOf(i)])),   // −0 + x = x for every x
  ];
  const parts = unpack(apply(whileVjpOp, insV, aV), [...range(0, nC).map((j) => shapeOf(a.nConst + j)), ...accFor.map(shapeOf)]);
  return ctx.ins.map((_, i) => {
    if (!needs[i] || !act[i]) return pending[i];
    if (i < a.nConst) return parts[nC + accFor.indexOf(i)];
    const r = parts[i - a.nConst];
    return pending[i] ? add(pending[i]!, r) : r;
  });
};

/**
 * One iteration of the reverse sweep: (consts, carry, carries' cotangents, running sums of `accFor`)
 * → (the carries' cotangents one iteration earlier, the sums), the body re-run forward inside.
 */
function sweep(a: WhileAttrs, wrt: readonly number[], accFor: readonly number[]): Graph {
  const b = a.body, nC = nCarryOf(a);
  const tr = new Trace();
  try {
    const env: Tensor[] = new Array(b.nvars);
    b.inputs.forEach((v) => { env[v] = tr.input(b.shapes[v], null); });
    const cts = b.outputs.map((v) => tr.input(b.shapes[v], null));
    const acc = accFor.map((i) => tr.input(b.shapes[b.inputs[i]], null));
    const wrtVars = wrt.map((i) => b.inputs[i]);
    const active = activeVars(b, wrtVars);
    const saved = forward(b, env, active);
    const preset = new Map(accFor.map((i, k) => [b.inputs[i], acc[k]]));
    const grads = backward(b, env, wrtVars, b.outputs.map(() => 'input'), cts, active, saved, preset);
    const grad = (i: number) => grads[wrt.indexOf(i)] ?? zeros(b.shapes[b.inputs[i]]);
    return compact(tr.finish([...range(a.nConst, a.nConst + nC).map(grad), ...accFor.map(grad)]));
  } finally {
    tr.close();
  }
}

function whileVjpAttrs(a: WhileAttrs, bwd: Graph, sumShapes: readonly Shape[]): WhileVjpAttrs {
  return { ...a, bwd, sumShapes, key: `${a.key}|vjp#${keyText(signature(bwd))}` };
}

/**
 * g with every input given a tangent: inputs regrouped as [g₁, ġ₁, g₂, ġ₂, …] by the input
 * group sizes `groups`, outputs as [o₁, ȯ₁, o₂, ȯ₂, …] by `outGroups`.
 */
function jvpGrouped(g: Graph, groups: readonly number[], outGroups: readonly number[]): Graph {
  const n = g.inputs.length, m = g.outputs.length;
  const G = jvpGraph(g, range(0, n));
  const inputs: number[] = [], outputs: number[] = [];
  let at = 0;
  for (const k of groups) { inputs.push(...G.inputs.slice(at, at + k), ...G.inputs.slice(n + at, n + at + k)); at += k; }
  at = 0;
  for (const k of outGroups) { outputs.push(...G.outputs.slice(at, at + k), ...G.outputs.slice(m + at, m + at + k)); at += k; }
  return compact(extract(G, inputs, outputs));
}

// forward mode of whileVjp: again a whileVjp, over the JVPs of body and sweep (cond sees only values)
const whileVjpJvpJoint: CustomHooks['whileVjpJvpJoint'] = (ins, ts, a: WhileVjpAttrs) => {
  if (!ts.some((t) => t)) return [apply(whileVjpOp, ins, a), null];
  const nC = nCarryOf(a), nS = a.sumShapes.length;
  const shape = (i: number) => ins[i].shape;
  const body = jvpGrouped(a.body, [a.nConst, nC], [nC]);
  const c1 = withUnusedInputs(a.cond, a.nConst, range(0, a.nConst).map(shape));
  const cond = compact(withUnusedInputs(c1, c1.inputs.length, range(a.nConst, a.nConst + nC).map(shape)));
  const bwd = jvpGrouped(a.bwd, [a.nConst, nC, nC, nS], [nC, nS]);
  const a2 = whileVjpAttrs(whileAttrs(cond, body, 2 * a.nConst, a.maxIterations), bwd, [...a.sumShapes, ...a.sumShapes]);
  const tan = (i: number) => ts[i] ?? zeros(shape(i));
  const ins2: Tensor[] = [];
  let at = 0;
  for (const k of [a.nConst, nC, nC, nS]) { ins2.push(...ins.slice(at, at + k), ...range(at, at + k).map(tan)); at += k; }
  const parts = unpack(apply(whileVjpOp, ins2, a2), whileVjpOutputs(a2));
  return [pack([...parts.slice(0, nC), ...parts.slice(2 * nC, 2 * nC + nS)]), pack([...parts.slice(nC, 2 * nC), ...parts.slice(2 * nC + nS)])];
};

/** the rules the ops call through src/ops/hooks.ts (installed by src/wiring.ts) */
export const whileRules = { whileJvpJoint, whileBatch, whileVjp, whileVjpJvpJoint };
