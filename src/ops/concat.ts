import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { normAxis, strides, fmtShape, sizeOf } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { stridedCopy, rowMajor } from './layout.js';
import { slice } from './slice.js';
import { zerosLike, asBatched } from './util.js';

interface Attrs { readonly axis: number }
// y = [x₀ x₁ …] along axis;  x̄ᵢ = the matching slice of ȳ
export const concatOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'concat',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  nativeAttrs: ({ axis }) => [axis],
  nativeLayout: 'axis',
  arity: -1,
  shape: (shapes, { axis }) => {
    const first = shapes[0];
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i !== axis && d !== first[i])) {
        fail('ERR_SHAPE', 'concat', `shapes ${shapes.map(fmtShape).join(', ')} differ outside axis ${axis}`);
      }
    }
    return first.map((d, i) => (i === axis ? shapes.reduce((a, s) => a + s[axis], 0) : d));
  },
  kernel: (ins, shapes, out, { axis }) => {
    const y = new Float64Array(sizeOf(out));
    const os = rowMajor(out);
    let at = 0;
    ins.forEach((x, k) => { stridedCopy(x, 0, strides(shapes[k]), shapes[k], y, at * os[axis], os); at += shapes[k][axis]; });
    return y;
  },
  vjp: (g, { ins, attrs: { axis } }, needs) => {
    let at = 0;
    return ins.map((x, k) => {
      const b = g.shape.map((_, i) => (i === axis ? at : 0));
      const e = g.shape.map((d, i) => (i === axis ? at + x.shape[axis] : d));
      at += x.shape[axis];
      return needs[k] ? slice(g, b, e) : null;
    });
  },
  batch: (ins, batched, { axis }) => {
    const n = ins[batched.indexOf(true)].shape[0];
    return apply(concatOp, ins.map((x, i) => asBatched(x, batched[i], n)), { axis: axis + 1 });
  },
  fmtAttrs: ({ axis }) => `axis=${axis}`,
  test: { domain: [-3, 3], shapes: [[[2, 3], [1, 3]], [[2, 1], [2, 2], [2, 3]]], attrs: [{ axis: 0 }, { axis: 1 }] },
});

export function concat(xs: readonly TensorLike[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) fail('ERR_ARG', 'concat', `expected a non-empty array of tensors but received ${xs}`);
  const ts = xs.map((x) => asTensor(x, 'concat'));
  if (ts.some((t) => t.rank === 0)) fail('ERR_SHAPE', 'concat', `expected tensors of rank ≥ 1 (use w.stack for 0-d) but received ${ts.map((t) => fmtShape(t.shape)).join(', ')}`);
  const ax = normAxis('concat', axis, ts[0].rank);
  return ts.length === 1 ? ts[0] : apply(concatOp, ts, { axis: ax });
}
