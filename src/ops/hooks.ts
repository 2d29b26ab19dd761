// Late-bound rule implementations for customCall and opaque, filled by src/transforms/custom.ts
// (those rules need the transformations, which import the ops).
import type { Tensor } from '../core/tensor.js';
import type { Graph } from '../core/graph.js';
import type { OpDef, RuleCtx } from './op.js';

export interface CustomHooks {
  customVjp(g: Tensor, ctx: RuleCtx<any>, needs: readonly boolean[]): (Tensor | null)[];
  customJvp(ts: readonly (Tensor | null)[], ctx: RuleCtx<any>): Tensor | null;
  inlineBatched(body: Graph, ins: readonly Tensor[], batched: readonly boolean[]): Tensor;
  mapBatched(op: OpDef, attrs: unknown, ins: readonly Tensor[], batched: readonly boolean[]): Tensor;
}
export const hooks = {} as CustomHooks;
