// whileLoop: carry = body(consts, carry) while cond(consts, carry) ≠ 0 (NaN counts as nonzero, as in
// `where`), kept as ONE equation: the trip count is found at run time (it is not a guard).
// whileVjp: its reverse mode as one equation: the forward iterations run again, taping the carry
// each iteration starts from (a buffer sized at run time), then the reverse sweep `bwd` runs over
// the tape backwards, continuing each constant's cotangent sum as the unrolled sweep would.
// Both write their outputs packed (read by `part` equations).
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sameShape, fmtShape, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { hooks } from './hooks.js';
import { packedLayout } from './part.js';

export interface WhileAttrs {
  /** inputs: nConst constants, then the carries; output: one 0-d value (nonzero: go on) */
  readonly cond: Graph;
  /** inputs: nConst constants, then the carries; outputs: the carries */
  readonly body: Graph;
  readonly nConst: number;
  /** an error when the loop has not ended after this many iterations (null: unbounded) */
  readonly maxIterations: number | null;
  readonly key: string;
}

export interface WhileVjpAttrs extends WhileAttrs {
  /**
   * one iteration of the reverse sweep. Inputs: constants, the carry the iteration started from,
   * the carries' cotangents after it, running sums (of constants' cotangents).
   * Outputs: the carries' cotangents before it, the running sums.
   */
  readonly bwd: Graph;
  readonly sumShapes: readonly Shape[];
}

const carryShapes = (a: WhileAttrs): Shape[] => a.body.outputs.map((v) => a.body.shapes[v]);

function checkInputs(name: string, shapes: readonly Shape[], a: WhileAttrs): void {
  const b = a.body;
  b.inputs.forEach((v, i) => {
    if (!sameShape(shapes[i], b.shapes[v])) fail('ERR_SHAPE', name, `input ${i} is ${fmtShape(shapes[i])}, expected ${fmtShape(b.shapes[v])}`);
  });
}

export const whileOp: OpDef<WhileAttrs> = defineOp<WhileAttrs>({
  name: 'whileLoop',
  family: 'none',
  arity: -1,
  shape: (shapes, a) => { checkInputs('whileLoop', shapes, a); return [packedLayout(carryShapes(a)).total]; },
  kernel: (ins, _s, _o, a) => {
    const { carry } = runWhile(ins, a, null);
    return pack(carry, packedLayout(carryShapes(a)).total);
  },
  vjpParts: (cts, ctx, needs, pending) => hooks.whileVjp(cts, ctx, needs, pending),
  jvpJoint: (ins, ts, a) => hooks.whileJvpJoint(ins, ts, a),
  jvp: (ts, ctx) => hooks.whileJvpJoint(ctx.ins, ts, ctx.attrs)[1],
  batch: (ins, batched, a) => hooks.whileBatch(ins, batched, a),
  attrKey: (a) => a.key,
  subgraphs: (a) => [{ name: 'cond', graph: a.cond }, { name: 'body', graph: a.body }],
  fmtAttrs: (a) => `consts=${a.nConst}${a.maxIterations === null ? '' : ` maxIterations=${a.maxIterations}`}`,
  test: { coveredBy: 'test/loops.test.ts' },
});

export const whileVjpOp: OpDef<WhileVjpAttrs> = defineOp<WhileVjpAttrs>({
  name: 'whileVjp',
  family: 'none',
  arity: -1,
  // inputs: constants, initial carries, the final carries' cotangents, the pending sums of accFor
  shape: (shapes, a) => {
    checkInputs('whileVjp', shapes, a);
    return [packedLayout(outShapes(a)).total];
  },
  kernel: (ins, _s, _o, a) => runWhileVjp(ins, a),
  jvpJoint: (ins, ts, a) => hooks.whileVjpJvpJoint(ins, ts, a),
  jvp: (ts, ctx) => hooks.whileVjpJvpJoint(ctx.ins, ts, ctx.attrs)[1],
  vjp: () => fail('ERR_NO_RULE', 'whileLoop', 'reverse mode over the reverse sweep of a w.whileLoop (grad of grad) is not supported; ' +
    'use forward-over-reverse (w.hessian, w.hvp, w.jvp of w.grad), or w.foriLoop / w.scan for a fixed trip count'),
  batch: (ins, batched, a) => hooks.mapBatched(whileVjpOp, a, ins, batched),
  attrKey: (a) => a.key,
  subgraphs: (a) => [{ name: 'cond', graph: a.cond }, { name: 'body', graph: a.body }, { name: 'reverse sweep', graph: a.bwd }],
  fmtAttrs: (a) => `consts=${a.nConst} sums=${a.sumShapes.length}`,
  test: { coveredBy: 'test/loops.test.ts' },
});

/** whileVjp's outputs: the cotangents of the initial carries, then the sums */
export function whileVjpOutputs(a: WhileVjpAttrs): Shape[] {
  return [...carryShapes(a), ...a.sumShapes];
}
const outShapes = whileVjpOutputs;

function pack(arrays: readonly Float64Array[], total: number): Float64Array {
  const out = new Float64Array(total);
  let at = 0;
  for (const x of arrays) { out.set(x, at); at += x.length; }
  return out;
}

/** the forward iterations; `tape` (when given) receives the carry each iteration starts from */
function runWhile(ins: readonly Float64Array[], a: WhileAttrs, tape: Float64Array[][] | null): { carry: Float64Array[] } {
  const consts = ins.slice(0, a.nConst);
  let carry = ins.slice(a.nConst, a.body.inputs.length);
  for (let n = 0; ; n++) {
    const c = hooks.runGraph(a.cond, [...consts, ...carry])[0][0];
    if (c === 0) return { carry };
    if (a.maxIterations !== null && n >= a.maxIterations) {
      fail('ERR_ARG', 'whileLoop', `the loop did not end within maxIterations = ${a.maxIterations} iterations`);
    }
    tape?.push(carry);
    carry = hooks.runGraph(a.body, [...consts, ...carry]);
  }
}

function runWhileVjp(ins: readonly Float64Array[], a: WhileVjpAttrs): Float64Array {
  const nIn = a.body.inputs.length, nCarry = nIn - a.nConst;
  const consts = ins.slice(0, a.nConst);
  const tape: Float64Array[][] = [];
  runWhile(ins.slice(0, nIn), a, tape);
  let ct = ins.slice(nIn, nIn + nCarry);
  let acc = ins.slice(nIn + nCarry);
  for (let k = tape.length - 1; k >= 0; k--) {
    const outs = hooks.runGraph(a.bwd, [...consts, ...tape[k], ...ct, ...acc]);
    ct = outs.slice(0, nCarry);
    acc = outs.slice(nCarry);
  }
  return pack([...ct, ...acc], packedLayout(outShapes(a)).total);
}
