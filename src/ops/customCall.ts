// customCall: a traced sub-program (the body of a customVjp/customJvp function) with user rules.
// Reverse mode uses the vjp rule (or transposes a linear jvp rule); forward mode uses the jvp
// rule (or differentiates the body); batching and the backends run the body itself.
import type { Tensor } from '../core/tensor.js';
import type { Graph } from '../core/graph.js';
import { defineOp, type OpDef } from './op.js';
import { evalKernels } from '../core/eval.js';
import { hooks } from './hooks.js';

export interface UserRules {
  readonly name: string;
  readonly vjp?: (ct: Tensor, ctx: { inputs: unknown[]; output: Tensor }) => unknown;
  readonly jvp?: (tangents: unknown[], ctx: { inputs: unknown[]; output: Tensor }) => unknown;
}
export interface CustomAttrs {
  readonly rules: UserRules;
  readonly body: Graph;
  /** rebuilds the user's argument trees from the flat input tensors */
  readonly unflattenArgs: (leaves: readonly (Tensor | null)[]) => unknown[];
  readonly key: string;
}

export const customCallOp: OpDef<CustomAttrs> = defineOp<CustomAttrs>({
  name: 'customCall',
  family: 'none',
  arity: -1,
  shape: (_, a) => a.body.shapes[a.body.outputs[0]],
  kernel: (ins, _s, _o, a) => evalKernels(a.body, ins)[0],
  vjp: (g, ctx, needs) => hooks.customVjp(g, ctx, needs),
  jvp: (ts, ctx) => hooks.customJvp(ts, ctx),
  batch: (ins, batched, a) => hooks.inlineBatched(a.body, ins, batched),
  fmtAttrs: (a) => a.rules.name,
  attrKey: (a) => a.key,
  test: { coveredBy: 'test/custom.test.ts' },
});
