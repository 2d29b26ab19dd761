// Late-bound rule implementations for ops whose rules need the transformations or a backend
// (customCall, opaque, scan, whileLoop): those modules import the ops, so the ops cannot import
// them. src/wiring.ts fills this table before any rule or kernel runs.
import type { Tensor } from '../core/tensor.js';
import type { Graph } from '../core/graph.js';
import type { OpDef, RuleCtx } from './op.js';

export interface CustomHooks {
  customVjp(g: Tensor, ctx: RuleCtx<any>, needs: readonly boolean[]): (Tensor | null)[];
  customJvp(ts: readonly (Tensor | null)[], ctx: RuleCtx<any>): Tensor | null;
  inlineBatched(body: Graph, ins: readonly Tensor[], batched: readonly boolean[]): Tensor;
  mapBatched(op: OpDef, attrs: unknown, ins: readonly Tensor[], batched: readonly boolean[]): Tensor;
  /** run a graph on concrete arrays with the TS backend (whileLoop's cond, body and reverse sweep; outputs may be shared, never written) */
  runGraph(g: Graph, inputs: readonly Float64Array[]): Float64Array[];
  /** a scan's TS kernel: its body planned once, stepped in one register file (src/backends/ts-loop.ts) */
  runScan(ins: readonly Float64Array[], attrs: any): Float64Array;
  scanVjp(cts: readonly (Tensor | null)[], ctx: RuleCtx<any>, needs: readonly boolean[], pending: readonly (Tensor | null)[]): (Tensor | null)[];
  scanVjpForward(ins: readonly Tensor[], attrs: any, needs: readonly boolean[]): { out: Tensor; saved: unknown };
  scanJvpJoint(ins: readonly Tensor[], ts: readonly (Tensor | null)[], attrs: any): [Tensor, Tensor | null];
  scanJvp(ts: readonly (Tensor | null)[], ctx: RuleCtx<any>): Tensor | null;
  scanBatch(ins: readonly Tensor[], batched: readonly boolean[], attrs: any): Tensor;
  whileVjp(cts: readonly (Tensor | null)[], ctx: RuleCtx<any>, needs: readonly boolean[], pending: readonly (Tensor | null)[]): (Tensor | null)[];
  whileJvpJoint(ins: readonly Tensor[], ts: readonly (Tensor | null)[], attrs: any): [Tensor, Tensor | null];
  whileBatch(ins: readonly Tensor[], batched: readonly boolean[], attrs: any): Tensor;
  whileVjpJvpJoint(ins: readonly Tensor[], ts: readonly (Tensor | null)[], attrs: any): [Tensor, Tensor | null];
}
export const hooks = {} as CustomHooks;
