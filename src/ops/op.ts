// Defining an op (DESIGN §3): one file per op calls defineOp with its shape rule, TS kernel and
// rules. The spec's type makes a differentiable op without its rules a compile error: it is
// nondifferentiable, linear (JAX's deflinear: the JVP is derived, the VJP is its transpose), has
// both rules, or is made by the planner only — and it has a batching rule unless planner-only.
import type { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import type { OpDef, RuleCtx } from '../core/op.js';

export type { OpDef, RuleCtx, TestSpec, Family } from '../core/op.js';

type Base<A> = Omit<OpDef<A>, 'id' | 'vjp' | 'jvp' | 'batch' | 'nondiff' | 'linear' | 'plannerOnly'>;
type Vjp<A> = NonNullable<OpDef<A>['vjp']>;
type Jvp<A> = NonNullable<OpDef<A>['jvp']>;
type Batch<A> = NonNullable<OpDef<A>['batch']>;

export type OpSpec<A> = Base<A> & (
  | { nondiff: true; batch: Batch<A> }
  /** linear in the inputs listed (all when `true`); `vjp` is the transpose */
  | { linear: true | readonly number[]; vjp: Vjp<A>; batch: Batch<A> }
  | { vjp: Vjp<A>; jvp: Jvp<A>; batch: Batch<A> }
  /** multi-output (loops): reverse mode through vjpParts, forward mode through jvp/jvpJoint */
  | { vjpParts: NonNullable<OpDef<A>['vjpParts']>; jvp: Jvp<A>; batch: Batch<A> }
  | { plannerOnly: true }
);

/**
 * Every OpDef field, in one order: all ops get one object layout, so the recording path's reads of
 * op.scalar, op.simplify, ... stay monomorphic (a spread of each spec gives each op its own layout).
 */
const FIELDS = ['name', 'family', 'arity', 'shape', 'kernel', 'vjp', 'jvp', 'vjpParts', 'vjpForward', 'jvpJoint', 'parts',
  'subgraphs', 'batch', 'recordConst', 'simplify', 'scalar', 'attrKey', 'fmtAttrs', 'test', 'nondiff', 'linear',
  'nativeAttrs', 'nativeLayout', 'plannerOnly', 'id'] as const;

export function defineOp<A = undefined>(spec: OpSpec<A>): OpDef<A> {
  const s = spec as Partial<OpDef<A>> & { linear?: true | readonly number[] };
  const linear = s.linear === true ? Array.from({ length: Math.max(s.arity ?? 1, 1) }, (_, i) => i) : s.linear;
  const op: Record<string, unknown> = {};
  for (const k of FIELDS) op[k] = (s as Record<string, unknown>)[k];
  Object.assign(op, s, { linear, id: -1 });
  if (linear && !s.jvp) op.jvp = linearJvp(op as unknown as OpDef<A>, linear);
  return op as unknown as OpDef<A>;
}

/**
 * The JVP of an op linear in the inputs `lin` (the others taken as they are): the op itself applied
 * to their tangents (zeros where structurally zero); structurally zero when they all are.
 */
function linearJvp<A>(op: OpDef<A>, lin: readonly number[]): Jvp<A> {
  return (ts: readonly (Tensor | null)[], { ins, attrs }: RuleCtx<A>) => {
    const variadic = op.arity < 0;
    const isLin = (i: number) => variadic || lin.includes(i);
    if (!ts.some((t, i) => t && isLin(i))) return null;
    return apply(op, ins.map((x, i) => (isLin(i) ? ts[i] ?? zeros(x) : x)), attrs);
  };
}
const zeros = (x: Tensor): Tensor => zerosOf(x);
let zerosOf: (x: Tensor) => Tensor = () => { throw new Error('ops/op.ts: zeros not wired'); };
/** @internal set once by ops/util.ts (broadcastTo lives in an op file that imports this one) */
export const setZeros = (f: (x: Tensor) => Tensor): void => { zerosOf = f; };
