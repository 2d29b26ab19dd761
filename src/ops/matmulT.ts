// matmulT: matmul with transposed operands read in place (planner output only: the TS plan turns
// matmul(transpose(A), B) into matmulT(A, B, transA) so the transpose is never materialized).
import { sizeOf, fmtShape } from '../core/shape.js';
import { fail } from '../core/errors.js';
import { defineOp, type OpDef } from './op.js';

export interface MatmulTAttrs { readonly transA: boolean; readonly transB: boolean }

// C = op(A)·op(B), op(X) = Xᵀ over the last two axes when flagged; equal batch axes
export const matmulTOp: OpDef<MatmulTAttrs> = defineOp<MatmulTAttrs>({
  name: 'matmulT',
  plannerOnly: true,
  family: 'matmul',
  nativeAttrs: ({ transA, transB }, fold) => [transA !== fold[0] ? 1 : 0, transB !== fold[1] ? 1 : 0],
  nativeLayout: 'transposeA transposeB',
  arity: 2,
  shape: ([a, b], { transA, transB }) => {
    const r = a.length;
    const [m, ka] = transA ? [a[r - 1], a[r - 2]] : [a[r - 2], a[r - 1]];
    const [kb, n] = transB ? [b[r - 1], b[r - 2]] : [b[r - 2], b[r - 1]];
    if (!transA && !transB) fail('ERR_ARG', 'matmulT', 'at least one operand must be transposed (use matmul)');
    if (r < 2 || b.length !== r || ka !== kb) fail('ERR_SHAPE', 'matmulT', `inner dimensions do not match: ${fmtShape(a)} · ${fmtShape(b)}`);
    return [...a.slice(0, r - 2), m, n];
  },
  kernel: ([a, b], [sa], out, { transA, transB }) => {
    const r = out.length, m = out[r - 2], n = out[r - 1];
    const k = transA ? sa[r - 2] : sa[r - 1];
    const batch = sizeOf(out.slice(0, r - 2));
    const c = new Float64Array(batch * m * n);
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k, bo = t * k * n, co = t * m * n;
      if (transA && !transB) {
        // C[i, :] += A[p, i] · B[p, :]: rows of A and B stream together
        for (let p = 0; p < k; p++) {
          const ap = ao + p * m, bp = bo + p * n;
          for (let i = 0; i < m; i++) {
            const aip = a[ap + i], ci = co + i * n;
            for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
          }
        }
      } else if (!transA && transB) {
        // C[i, j] = A[i, :] · B[j, :]
        for (let i = 0; i < m; i++) {
          const ai = ao + i * k;
          for (let j = 0; j < n; j++) {
            const bj = bo + j * k;
            let s = 0;
            for (let p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
            c[co + i * n + j] = s;
          }
        }
      } else {
        // both transposed: C[i, j] = Σ_p A[p, i] · B[j, p]
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[ao + p * m + i] * b[bo + j * k + p];
          c[co + i * n + j] = s;
        }
      }
    }
    return c;
  },
  fmtAttrs: ({ transA, transB }) => `${transA ? 'Aᵀ' : 'A'}·${transB ? 'Bᵀ' : 'B'}`,
  // planner-only (no derivative rules): the rule tests check its values and that grad refuses it
  test: {
    domain: [-2, 2],
    shapes: [[[4, 3], [4, 2]], [[3, 4], [2, 4]], [[4, 3], [2, 4]], [[2, 4, 3], [2, 4, 5]], [[2, 3, 4], [2, 5, 4]]],
    attrs: [{ transA: true, transB: false }, { transA: false, transB: true }, { transA: true, transB: true },
      { transA: true, transB: false }, { transA: false, transB: true }],
  },
});
