import type { Tensor } from '../../core/tensor.js';
import { apply } from '../../core/trace.js';
import { defineOp, type OpDef } from '../op.js';
import { choleskyGrad as kernel } from './kernels/tri.js';
import { triangularSolveOp } from './triangularSolve.js';
import { matmul } from '../matmul.js';
import { mul } from '../mul.js';
import { add } from '../add.js';
import { sub } from '../sub.js';
import { checkSystem, mT, sym, tril, diagOnly, lift, batchSize } from './util.js';

// Ā = sym(L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹) from the lower triangles of L and Ḡ: the reverse of A ↦ chol(A), one
// op so that the native kernel runs it blocked (the reverse of the blocked factorization, about
// twice its cost, instead of a product and two full triangular solves). With S = L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹,
// B = sym(B̄) and C = L⁻¹·B·L⁻ᵀ (second order):
//   Ȧ = sym(L⁻ᵀ·Φ(L̇ᵀ·Ḡ + Lᵀ·Ḡ̇)·L⁻¹ − L⁻ᵀ·L̇ᵀ·S − S·L̇·L⁻¹);
//   L̄ = tril(Ḡ·Φ(C)ᵀ − (S + Sᵀ)·B·L⁻ᵀ),  Ḡ̄ = tril(L·Φ(C))
export const choleskyGradOp: OpDef<undefined> = defineOp<undefined>({
  name: 'choleskyGrad',
  family: 'linalg',
  arity: 2,
  shape: ([l, g]) => { checkSystem('linalg.cholesky', l, g); return l; },
  kernel: ([l, g], [s]) => {
    const n = s[s.length - 1], out = new Float64Array(l.length);
    for (let t = 0, B = batchSize(s); t < B; t++) kernel(l, t * n * n, g, t * n * n, n, out, t * n * n);
    return out;
  },
  jvp: ([tl, tg], { ins: [l, g] }) => {
    if (!tl && !tg) return null;
    const L = tril(l), G = tril(g);
    let inner: Tensor | null = tg ? matmul(mT(L), tril(tg)) : null;
    if (tl) { const dl = matmul(mT(tril(tl)), G); inner = inner ? add(inner, dl) : dl; }
    let d = lower2(L, phi(inner!));
    if (tl) {
      const S = lower2(L, phi(matmul(mT(L), G))), dL = tril(tl);
      d = sub(d, add(solveL(L, matmul(mT(dL), S), true), rightInv(matmul(S, dL), L)));
    }
    return sym(d);
  },
  vjp: (gb, { ins: [l, g] }, needs) => {
    const L = tril(l), G = tril(g), B = sym(gb);
    const C = mT(solveL(L, mT(solveL(L, B, false)), false));   // L⁻¹·B·L⁻ᵀ
    const phiC = phi(C);
    let gl: Tensor | null = null;
    if (needs[0]) {
      const S = lower2(L, phi(matmul(mT(L), G)));
      gl = tril(sub(matmul(G, mT(phiC)), mT(solveL(L, mT(matmul(add(S, mT(S)), B)), false))));
    }
    return [gl, needs[1] ? tril(matmul(L, phiC)) : null];
  },
  batch: ([l, g], [bl, bg]) => {
    const n = (bl ? l : g).shape[0];
    return apply(choleskyGradOp, [lift(l, bl, n), lift(g, bg, n)]);
  },
  test: { domain: [-1, 1], shapes: [[[3, 3], [3, 3]], [[2, 2, 2], [2, 2, 2]], [[1, 1], [1, 1]]], structure: ['dominant', null], valueAtol: 1e-14 },
});

const solveL = (L: Tensor, B: Tensor, transpose: boolean) =>
  apply(triangularSolveOp, [L, B], { lower: true, transpose, unitDiagonal: false });
/** L⁻ᵀ·X·L⁻¹ */
const lower2 = (L: Tensor, X: Tensor) => mT(solveL(L, mT(solveL(L, X, true)), true));
/** X·L⁻¹ */
const rightInv = (X: Tensor, L: Tensor) => mT(solveL(L, mT(X), true));
/** Φ(X): the lower triangle with its diagonal halved */
export const phi = (x: Tensor): Tensor => sub(tril(x), mul(0.5, diagOnly(x)));
