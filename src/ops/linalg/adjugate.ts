import type { Tensor } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { lu, adjugate as kernel } from './kernels/lu.js';
import { matmul } from '../matmul.js';
import { sub } from '../sub.js';
import { mul } from '../mul.js';
import { sum } from '../sum.js';
import { solveOp } from './solve.js';
import { matrixOf, mT, trace, asScale, eye, batchSize } from './util.js';

// Y = adj(A) (det(A)·A⁻¹ for a nonsingular A; computed without dividing by a pivot, so finite at a
// singular A). det's derivative is tr(adj(A)·Ȧ). For a nonsingular A, with Z = A⁻¹·Ȧ:
//   Ẏ = tr(Z)·Y − Z·Y,   Ā = A⁻ᵀ·(⟨Ȳ, Y⟩·I − Ȳ·Yᵀ)
// (second derivatives of det: defined for a nonsingular A; NaN at a singular one; n = 1: adj = 1)
export const adjugateOp: OpDef<undefined> = defineOp<undefined>({
  name: 'adjugate',
  family: 'linalg',
  arity: 1,
  shape: ([a]) => { matrixOf('linalg.det', a); return a; },
  kernel: ([a], [s]) => {
    const n = s[s.length - 1], out = new Float64Array(a.length);
    for (let t = 0, B = batchSize(s); t < B; t++) kernel(lu(a, t * n * n, n), n, out, t * n * n);
    return out;
  },
  jvp: ([ta], { ins: [a], out: y }) => {
    if (!ta || a.shape[a.rank - 1] <= 1) return null;
    const z = apply(solveOp, [a, ta]);
    return sub(mul(asScale(trace(z)), y), matmul(z, y));
  },
  vjp: (g, { ins: [a], out: y }) => {
    if (a.shape[a.rank - 1] <= 1) return [null];
    const n = a.shape[a.rank - 1], c = sum(mul(g, y), [a.rank - 2, a.rank - 1]);
    return [apply(solveOp, [mT(a), sub(mul(asScale(c), eye(n)), matmul(g, mT(y)))])];
  },
  batch: ([a]) => apply(adjugateOp, [a]),
  test: { domain: [-1, 1], shapes: [[[3, 3]], [[2, 2, 2]], [[1, 1]]], structure: ['dominant'], valueAtol: 1e-14 },
});

/** adj(A) (the transposed cofactor matrix): used by det's rules */
export const adjugate = (a: Tensor): Tensor => apply(adjugateOp, [a]);
