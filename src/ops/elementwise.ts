import { apply } from '../core/trace.js';
import { applyBinary, applyUnary } from '../core/fast-apply.js';
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { broadcastShapes, broadcastStrides, sameShape, sizeOf, type Shape } from '../core/shape.js';
import { defineOp, type OpDef, type TestSpec, type Family } from './op.js';
import { kit } from './rulekit.js';

/** ∂out/∂in_i written with wengert ops (so derivative programs can be differentiated again). */
export type Partial = (ins: readonly Tensor[], out: Tensor) => Tensor | number;

export interface ElementwiseSpec {
  name: string;
  scalar: (...x: number[]) => number;
  /** one partial per input, or null for an input with zero derivative */
  partials: readonly (Partial | null)[] | null;
  test?: TestSpec;
  simplify?: OpDef['simplify'];
  /** explicit rules where the partials form is not exact enough (where: the unchosen side gets an exact 0;
   *  cmul: the zero-guarding (co)tangent stays a guard in its own derivatives) */
  vjp?: OpDef['vjp'];
  jvp?: OpDef['jvp'];
}

/**
 * An elementwise primitive with NumPy broadcasting. Both rules derive from the local partials:
 * VJP  x̄ᵢ = unbroadcast(ȳ ⊙ ∂ᵢ),  JVP  ẏ = Σᵢ ∂ᵢ ⊙ ẋᵢ   (⊙ = cmul: a zero factor gives exactly 0).
 */
export function elementwise(spec: ElementwiseSpec, arity: number): OpDef {
  const family: Family = arity === 1 ? 'unary' : arity === 2 ? 'binary' : 'ternary';
  const partials = spec.partials;
  const base = {
    name: spec.name,
    family,
    arity,
    scalar: spec.scalar,
    test: spec.test,
    simplify: spec.simplify,
    shape: (shapes: readonly Shape[]) => (arity === 1 ? shapes[0] : broadcastShapes(spec.name, shapes as Shape[])),
    kernel: makeKernel(spec.name, spec.scalar, arity),
    // align each batched operand [N, ...s] to the output rank so broadcasting keeps N leading
    batch: (ins: readonly Tensor[], batched: readonly boolean[]) => {
      const rank = Math.max(...ins.map((x, i) => x.rank - (batched[i] ? 1 : 0)));
      return apply(op, ins.map((x, i) => (batched[i] ? kit.alignBatched(x, rank) : x)), undefined);
    },
  };
  const op: OpDef = partials === null ? defineOp<undefined>({ ...base, nondiff: true }) : defineOp<undefined>({
    ...base,
    vjp: spec.vjp ?? ((g, { ins, out }, needs) =>
      ins.map((x, i) => (needs[i] && partials[i] ? kit.unbroadcast(kit.cmul(g, partials[i]!(ins, out)), x.shape) : null))),
    jvp: spec.jvp ?? ((ts, { ins, out }) =>
      kit.addAll(ts.map((t, i) => (t && partials[i] ? kit.cmul(t, partials[i]!(ins, out)) : null)), out.shape)),
  });
  return op;
}

export const apply1 = (op: OpDef, x: TensorLike) => applyUnary(op, asTensor(x, op.name));
export const apply2 = (op: OpDef, a: TensorLike, b: TensorLike) => applyBinary(op, asTensor(a, op.name), asTensor(b, op.name));
export const apply3 = (op: OpDef, a: TensorLike, b: TensorLike, c: TensorLike) =>
  apply(op, [asTensor(a, op.name), asTensor(b, op.name), asTensor(c, op.name)]);

type Kernel = OpDef['kernel'];

/**
 * TS kernels generated per op (new Function with the op's name in the source gives each op its
 * own compiled loop, so V8 sees one monomorphic call to `f` and inlines it). Fast paths: equal shapes, scalar operands.
 */
function makeKernel(name: string, f: (...x: number[]) => number, arity: number): Kernel {
  // the op's name in the source: V8 caches compiled code by source text, and a loop shared by
  // several ops would see a polymorphic call to f (4–6× slower)
  const tag = `/* ${name} */`;
  const args = Array.from({ length: arity }, (_, i) => `x${i}`);
  const sameLoop = new Function('f', `${tag} return function(${args}, out, n) {
    for (let i = 0; i < n; i++) out[i] = f(${args.map((a) => `${a}[i]`)});
  }`)(f);
  const scalarLoops = args.map((_, k) => new Function('f', `${tag} return function(${args}, out, n) {
    const s = x${k}[0];
    for (let i = 0; i < n; i++) out[i] = f(${args.map((a, j) => (j === k ? 's' : `${a}[i]`))});
  }`)(f));
  // general broadcast: iterate the last axis with per-input strides, carry the outer index
  const bcast = new Function('f', `${tag} return function(${args}, st, shape, out, n) {
    const r = shape.length, last = r - 1, inner = shape[last];
    ${args.map((a, i) => `const s${i} = st[${i}]; const l${i} = s${i}[last]; let o${i} = 0;`).join('\n')}
    const idx = new Int32Array(r);
    for (let o = 0; o < n;) {
      for (let j = 0; j < inner; j++) out[o++] = f(${args.map((a, i) => `${a}[o${i} + j * l${i}]`)});
      for (let k = last - 1; k >= 0; k--) {
        ${args.map((a, i) => `o${i} += s${i}[k];`).join(' ')}
        if (++idx[k] < shape[k]) break;
        ${args.map((a, i) => `o${i} -= s${i}[k] * shape[k];`).join(' ')}
        idx[k] = 0;
      }
    }
  }`)(f);
  return (ins, shapes, outShape) => {
    const n = sizeOf(outShape);
    const out = new Float64Array(n);
    if (n === 0) return out;
    if (shapes.every((s) => sameShape(s, outShape))) { sameLoop(...ins, out, n); return out; }
    const scalarAt = shapes.findIndex((s) => sizeOf(s) === 1);
    if (scalarAt >= 0 && shapes.every((s, i) => i === scalarAt || sameShape(s, outShape))) {
      scalarLoops[scalarAt](...ins, out, n);
      return out;
    }
    bcast(...ins, shapes.map((s) => broadcastStrides(s, outShape)), outShape, out, n);
    return out;
  };
}

