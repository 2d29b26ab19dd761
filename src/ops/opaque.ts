// opaque: plain JS code wengert cannot trace (foreign code). Its value is computed by calling fn
// with Float64Arrays; its derivatives come ONLY from user rules — never guessed (ERR_NO_RULE).
import type { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { sizeOf, fmtShape, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { hooks } from './hooks.js';
import type { UserRules } from './customCall.js';

export interface OpaqueAttrs {
  readonly rules: UserRules;
  readonly fn: (...xs: Float64Array[]) => Float64Array | number[] | number;
  readonly shapeFn: (...shapes: number[][]) => readonly number[];
  readonly key: string;
}

export const opaqueOp: OpDef<OpaqueAttrs> = defineOp<OpaqueAttrs>({
  name: 'opaque',
  family: 'none',
  arity: -1,
  shape: (shapes, a) => {
    const s = a.shapeFn(...shapes.map((x) => [...x]));
    if (!Array.isArray(s) || s.some((d) => !Number.isInteger(d) || d < 0)) {
      fail('ERR_RULE', a.rules.name, `shape(${shapes.map(fmtShape).join(', ')}) must return an array of non-negative integers but returned ${describe(s)}`);
    }
    return s;
  },
  kernel: (ins, _s, outShape, a) => checkResult(a.rules.name, a.fn(...ins.map((x) => x.slice())), outShape),
  vjp: (g, ctx, needs) => hooks.customVjp(g, ctx, needs),
  jvp: (ts, ctx) => hooks.customJvp(ts, ctx),
  batch: (ins, batched, a) => hooks.mapBatched(opaqueOp, a, ins, batched),
  fmtAttrs: (a) => a.rules.name,
  attrKey: (a) => a.key,
  test: { coveredBy: 'test/custom.test.ts' },
});

/** An opaque fn's result must be numbers of the declared size. */
function checkResult(name: string, r: unknown, shape: Shape): Float64Array {
  const n = sizeOf(shape);
  let out: Float64Array;
  if (typeof r === 'number') out = Float64Array.of(r);
  else if (r instanceof Float64Array) out = r.slice();
  else if (Array.isArray(r) && r.every((x) => typeof x === 'number')) out = Float64Array.from(r);
  else return fail('ERR_RULE', name, `expected fn to return a Float64Array, number[] or number but it returned ${describe(r)}`);
  if (out.length !== n) fail('ERR_RULE', name, `expected fn to return ${n} value(s) for shape ${fmtShape(shape)} but it returned ${out.length}`);
  return out;
}
export type { Tensor };
