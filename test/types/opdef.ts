// Type fixture (compiled by test/types.test.ts): an op's spec must carry its rules.
import { defineOp } from '../../src/ops/op.js';

const base = { name: 'x', family: 'unary' as const, arity: 1, shape: (s: readonly (readonly number[])[]) => s[0], kernel: (ins: readonly Float64Array[]) => ins[0] };
const vjp = () => [null];
const jvp = () => null;
const batch = () => { throw new Error('unused'); };

defineOp({ ...base, vjp, jvp, batch });
defineOp({ ...base, nondiff: true, batch });
defineOp({ ...base, linear: true, vjp, batch });
defineOp({ ...base, plannerOnly: true });
// @ts-expect-error a differentiable op without its forward-mode rule
defineOp({ ...base, vjp, batch });
// @ts-expect-error without a batching rule
defineOp({ ...base, vjp, jvp });
// @ts-expect-error without any rule
defineOp({ ...base });
