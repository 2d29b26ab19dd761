import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { sizeOf, sameShape, fmtShape, type Shape } from '../core/shape.js';
import { defineOp } from './op.js';
import { fmtList } from './layout.js';

interface Attrs { readonly shape: Shape }
// same data, new shape (row-major); linear: x̄ = reshape(ȳ, shape(x))
export const reshapeOp = defineOp<Attrs>({
  name: 'reshape',
  linear: true,   // JVP: the op on the tangents; vjp: its transpose
  family: 'layout',
  arity: 1,
  shape: ([s], { shape }) => {
    if (sizeOf(s) !== sizeOf(shape)) fail('ERR_SHAPE', 'reshape', `cannot reshape ${fmtShape(s)} (size ${sizeOf(s)}) to ${fmtShape(shape)} (size ${sizeOf(shape)})`);
    return shape;
  },
  kernel: ([x]) => x,
  vjp: (g, { ins: [x] }) => [reshape(g, [...x.shape])],
  batch: ([x], _b, { shape }) => reshape(x, [x.shape[0], ...shape]),
  simplify: ([x], { shape }) => (sameShape(x.shape, shape) ? x : undefined),
  fmtAttrs: ({ shape }) => `shape=${fmtList(shape)}`,
  test: { domain: [-3, 3], shapes: [[[2, 3]]], attrs: [{ shape: [3, 2] }] },
});

/** reshape(x, shape): one entry may be -1 (inferred). */
export function reshape(x: TensorLike, shape: readonly number[]): Tensor {
  const t = asTensor(x, 'reshape');
  if (!Array.isArray(shape)) fail('ERR_ARG', 'reshape', `expected a shape array but received ${typeof shape}`);
  const s = [...shape];
  const infer = s.indexOf(-1);
  for (const d of s) {
    if (!Number.isInteger(d) || (d < 0 && d !== -1)) fail('ERR_ARG', 'reshape', `expected non-negative integer shape entries (or one -1) but received [${s}]`);
  }
  if (infer >= 0) {
    if (s.indexOf(-1, infer + 1) >= 0) fail('ERR_ARG', 'reshape', `only one -1 entry is allowed, received [${s}]`);
    const rest = sizeOf(s.filter((_, i) => i !== infer));
    if (rest === 0 || t.size % rest !== 0) fail('ERR_SHAPE', 'reshape', `cannot infer -1 in [${s}] for size ${t.size}`);
    s[infer] = t.size / rest;
  }
  return apply(reshapeOp, [t], { shape: s });
}
