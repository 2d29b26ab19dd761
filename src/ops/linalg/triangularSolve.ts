import { asTensor, type Tensor, type TensorLike } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { fail, describe } from '../../core/errors.js';
import { defineOp, type OpDef } from '../op.js';
import { triSolve, type TriFlags } from './kernels/tri.js';
import { matmul } from '../matmul.js';
import { sub } from '../sub.js';
import { neg } from '../neg.js';
import { checkSystem, systemOf, mT, outerT, tril, triu, lift, batchSize } from './util.js';

export type TriangularSolveAttrs = TriFlags;

// X = op(T)⁻¹·B, T = the lower (upper) triangle of L, op(T) = T or Tᵀ:
//   Ẋ = op(T)⁻¹·(Ḃ − op(Ṫ)·X);  B̄ = op(T)⁻ᵀ·X̄;  L̄ = mask(−B̄·Xᵀ) (op = T) or mask(−X·B̄ᵀ) (op = Tᵀ)
// where mask keeps the entries the op reads (the triangle; without the diagonal when unitDiagonal)
export const triangularSolveOp: OpDef<TriangularSolveAttrs> = defineOp<TriangularSolveAttrs>({
  name: 'triangularSolve',
  family: 'linalg',
  nativeAttrs: ({ lower, transpose, unitDiagonal }) => [lower ? 1 : 0, transpose ? 1 : 0, unitDiagonal ? 1 : 0],
  nativeLayout: 'lower transpose unitDiagonal',
  arity: 2,
  shape: ([t, b]) => { checkSystem('linalg.triangularSolve', t, b); return b; },
  kernel: ([t, b], [st, sb], _o, f) => {
    const n = st[st.length - 1], k = sb[sb.length - 1], x = new Float64Array(b.length);
    for (let i = 0, B = batchSize(st); i < B; i++) triSolve(t, i * n * n, n, b, i * n * k, k, x, i * n * k, f);
    return x;
  },
  jvp: ([tl, tb], { ins: [l], out: x, attrs: f }) => {
    let rhs: Tensor | null = tb;
    if (tl) { const m = mask(tl, f), p = matmul(f.transpose ? mT(m) : m, x); rhs = rhs ? sub(rhs, p) : neg(p); }
    return rhs ? apply(triangularSolveOp, [l, rhs], f) : null;
  },
  vjp: (g, { ins: [l], out: x, attrs: f }, needs) => {
    const bb = apply(triangularSolveOp, [l, g], { ...f, transpose: !f.transpose });
    const nb = needs[0] ? neg(bb) : null;   // −B̄ (k columns), not −(B̄·Xᵀ) (n²)
    return [nb ? mask(f.transpose ? outerT(x, nb) : outerT(nb, x), f) : null, needs[1] ? bb : null];
  },
  batch: ([t, b], [bt, bb], f) => {
    const n = (bt ? t : b).shape[0];
    return apply(triangularSolveOp, [lift(t, bt, n), lift(b, bb, n)], f);
  },
  fmtAttrs: (f) => `${f.lower ? 'lower' : 'upper'}${f.transpose ? ' transpose' : ''}${f.unitDiagonal ? ' unitDiagonal' : ''}`,
  test: {
    domain: [-1, 1],
    shapes: [[[3, 3], [3, 2]], [[3, 3], [3, 2]], [[2, 3, 3], [2, 3, 1]], [[3, 3], [3, 2]]],
    attrs: [{ lower: true, transpose: false, unitDiagonal: false }, { lower: false, transpose: true, unitDiagonal: false },
      { lower: true, transpose: true, unitDiagonal: true }, { lower: false, transpose: false, unitDiagonal: true }],
    structure: ['dominant', null],
    valueAtol: 1e-14,
  },
});

/** the entries of L the op reads */
const mask = (x: Tensor, f: TriFlags) => {
  const d = f.unitDiagonal ? 1 : 0;
  return f.lower ? tril(x, -d) : triu(x, d);
};

export interface TriangularSolveOptions { lower?: boolean; transpose?: boolean; unitDiagonal?: boolean }

/**
 * x with op(T)·x = b, T the lower (default) or upper triangle of L (with ones on its diagonal when
 * unitDiagonal), op(T) = Tᵀ with transpose. Only that triangle is read: the derivative with
 * respect to the other entries is exactly 0. b is a vector only when 1-D; batch axes broadcast.
 */
export function triangularSolve(l: TensorLike, b: TensorLike, options: TriangularSolveOptions = {}): Tensor {
  const op = 'linalg.triangularSolve';
  if (options === null || typeof options !== 'object') fail('ERR_ARG', op, `expected an options object but received ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!['lower', 'transpose', 'unitDiagonal'].includes(key)) fail('ERR_ARG', op, `unknown option '${key}' (expected lower, transpose, unitDiagonal)`);
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'boolean') fail('ERR_ARG', op, `expected option ${key} to be a boolean but received ${describe(v)}`);
  }
  const f: TriFlags = { lower: options.lower ?? true, transpose: options.transpose ?? false, unitDiagonal: options.unitDiagonal ?? false };
  return systemOf(op, asTensor(l, op), b, (T, B) => apply(triangularSolveOp, [T, B], f));
}
