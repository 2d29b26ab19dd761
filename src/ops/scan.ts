// scan: a loop kept as ONE equation whose body is a graph, traced once (w.scan, w.foriLoop, and
// JS loops the planner rolls). Per iteration k (k = 0…length−1, or length−1…0 with `reverse`):
//   (carry, y_k) = body(consts, carry, xs[k])
// Outputs, packed back to back (read by `part` equations): the final carries, then each ys stacked
// along a new axis 0 ([length, ...y]), ys[k] written at position k in either direction.
// Derivatives (src/transforms/loops.ts): jvp is a scan over the body's JVP; reverse mode is a
// forward scan that also stacks the residuals its VJP needs, then a reverse scan over the VJP.
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { sizeOf, sameShape, fmtShape, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { hooks } from './hooks.js';
import { packedLayout } from './part.js';

export interface ScanAttrs {
  /** inputs: nConst loop-invariant values, nCarry carries, then one slice of each xs; outputs: nCarry carries, then ys */
  readonly body: Graph;
  readonly nConst: number;
  readonly nCarry: number;
  readonly length: number;
  readonly reverse: boolean;
  /**
   * checkpointed: reverse mode keeps nothing of the iterations (the forward scan that stacks
   * residuals runs again inside the reverse sweep, from the scan's inputs)
   */
  readonly remat: boolean;
  /** identity for signatures and CSE: the body's signature and the counts */
  readonly key: string;
}

/** the shapes of a scan's outputs: carries, then ys stacked along a new axis 0 */
export function scanOutputs(a: ScanAttrs): Shape[] {
  const b = a.body;
  return b.outputs.map((v, j) => (j < a.nCarry ? b.shapes[v] : [a.length, ...b.shapes[v]]));
}

export const scanOp: OpDef<ScanAttrs> = defineOp<ScanAttrs>({
  name: 'scan',
  family: 'none',
  arity: -1,
  shape: (shapes, a) => {
    const b = a.body, nx = b.inputs.length - a.nConst - a.nCarry;
    if (shapes.length !== b.inputs.length) fail('ERR_SHAPE', 'scan', `expected ${b.inputs.length} inputs but received ${shapes.length}`);
    shapes.forEach((s, i) => {
      const want = b.shapes[b.inputs[i]];
      const ok = i < a.nConst + a.nCarry ? sameShape(s, want) : s[0] === a.length && sameShape(s.slice(1), want);
      if (!ok) fail('ERR_SHAPE', 'scan', `input ${i} is ${fmtShape(s)}, expected ${fmtShape(i < a.nConst + a.nCarry ? want : [a.length, ...want])}`);
    });
    if (nx < 0) fail('ERR_SHAPE', 'scan', 'the body has fewer inputs than constants and carries');
    return [packedLayout(scanOutputs(a)).total];
  },
  // the TS kernel: per iteration the body runs on the k-th slices of xs, carries pass from one to the next
  kernel: (ins, _inShapes, _out, a) => hooks.runScan(ins, a),
  vjpParts: (cts, ctx, needs, pending) => hooks.scanVjp(cts, ctx, needs, pending),
  vjpForward: (ins, a, needs) => hooks.scanVjpForward(ins, a, needs),
  jvp: (ts, ctx) => hooks.scanJvp(ts, ctx),
  jvpJoint: (ins, ts, a) => hooks.scanJvpJoint(ins, ts, a),
  batch: (ins, batched, a) => hooks.scanBatch(ins, batched, a),
  attrKey: (a) => a.key,
  subgraphs: (a) => [{ name: 'body', graph: a.body }],
  fmtAttrs: (a) => `length=${a.length}${a.reverse ? ' reverse' : ''}${a.remat ? ' checkpointed' : ''} consts=${a.nConst} carries=${a.nCarry}`,
  test: { coveredBy: 'test/loops.test.ts' },
});
