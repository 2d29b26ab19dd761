import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { fail } from '../core/errors.js';
import { fmtShape, sizeOf, broadcastShapes } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { transpose } from './transpose.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';
import { add } from './add.js';

// C = A·B over the last two axes (equal batch axes);  Ā = C̄·Bᵀ,  B̄ = Aᵀ·C̄,  Ċ = Ȧ·B + A·Ḃ
export const matmulOp: OpDef<undefined> = defineOp<undefined>({
  name: 'matmul',
  family: 'matmul',
  nativeAttrs: (_, fold) => [fold[0] ? 1 : 0, fold[1] ? 1 : 0],
  nativeLayout: 'transposeA transposeB',
  arity: 2,
  shape: ([a, b]) => {
    const r = a.length;
    if (r < 2 || b.length !== r || a[r - 1] !== b[r - 2] || a.slice(0, r - 2).some((d, i) => d !== b[i])) {
      fail('ERR_SHAPE', 'matmul', `inner dimensions do not match: ${fmtShape(a)} · ${fmtShape(b)}`);
    }
    return [...a.slice(0, r - 1), b[r - 1]];
  },
  kernel: ([a, b], [sa, sb]) => {
    const r = sa.length, m = sa[r - 2], k = sa[r - 1], n = sb[r - 1];
    const batch = sizeOf(sa.slice(0, r - 2));
    const c = new Float64Array(batch * m * n);
    for (let t = 0; t < batch; t++) {
      const ao = t * m * k, bo = t * k * n, co = t * m * n;
      if (n === 1) {
        // matrix·vector: one dot product per row
        for (let i = 0; i < m; i++) {
          const ai = ao + i * k;
          let s = 0;
          for (let p = 0; p < k; p++) s += a[ai + p] * b[bo + p];
          c[co + i] = s;
        }
        continue;
      }
      // i-k-j order, four rows of C at a time: each row of B streamed once per four rows of C
      // (every C[i, j] still sums over p in order, so results equal the one-row loop's bitwise)
      let i0 = 0;
      for (; i0 + 4 <= m; i0 += 4) {
        const c0 = co + i0 * n, c1 = c0 + n, c2 = c1 + n, c3 = c2 + n;
        const a0 = ao + i0 * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k;
        for (let p = 0; p < k; p++) {
          const x0 = a[a0 + p], x1 = a[a1 + p], x2 = a[a2 + p], x3 = a[a3 + p];
          const bp = bo + p * n;
          for (let j = 0; j < n; j++) {
            const bj = b[bp + j];
            c[c0 + j] += x0 * bj; c[c1 + j] += x1 * bj; c[c2 + j] += x2 * bj; c[c3 + j] += x3 * bj;
          }
        }
      }
      for (let i = i0; i < m; i++) {
        const ci = co + i * n;
        for (let p = 0; p < k; p++) {
          const aip = a[ao + i * k + p];
          const bp = bo + p * n;
          for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
        }
      }
    }
    return c;
  },
  vjp: (g, { ins: [a, b] }, needs) => [
    needs[0] ? matmul2(g, swapLast(b)) : null,
    needs[1] ? matmul2(swapLast(a), g) : null,
  ],
  jvp: ([ta, tb], { ins: [a, b] }) => {
    const l: Tensor | null = ta ? matmul2(ta, b) : null, r = tb ? matmul2(a, tb) : null;
    return l && r ? add(l, r) : l ?? r;
  },
  batch: ([a, b], [ba, bb]) => batchedMatmul(a, ba, b, bb),
  test: { domain: [-2, 2], shapes: [[[3, 4], [4, 2]], [[2, 3, 4], [2, 4, 5]]] },
});

/**
 * Batching rule: a batched 2-D operand against an unbatched matrix folds N into the rows
 * ([N·m, k]·[k, n]) or columns ([m, k]·[k, N·n]); otherwise broadcast to equal batch axes.
 */
function batchedMatmul(a: Tensor, ba: boolean, b: Tensor, bb: boolean): Tensor {
  const n = (ba ? a : b).shape[0];
  if (ba && !bb && b.rank === 2) {
    const [m, k] = a.shape.slice(-2);
    return reshape(matmul2(reshape(a, [-1, k]), b), [...a.shape.slice(0, -2), m, b.shape[1]]);
  }
  if (bb && !ba && a.rank === 2 && b.rank === 3) {
    const [, k, cols] = b.shape;
    const bt = reshape(transpose(b, [1, 0, 2]), [k, n * cols]);
    return transpose(reshape(matmul2(a, bt), [a.shape[0], n, cols]), [1, 0, 2]);
  }
  const A = ba ? a : broadcastTo(a, [n, ...a.shape]);
  const B = bb ? b : broadcastTo(b, [n, ...b.shape]);
  const r = Math.max(A.rank, B.rank);
  const lift = (x: Tensor) => (x.rank === r ? x : reshape(x, [n, ...new Array<number>(r - x.rank).fill(1), ...x.shape.slice(1)]));
  return matmul(lift(A), lift(B));
}

const swapLast = (x: Tensor) => transpose(x, x.shape.map((_, i) => (i < x.rank - 2 ? i : i === x.rank - 2 ? x.rank - 1 : x.rank - 2)));
const matmul2 = (a: Tensor, b: Tensor): Tensor => apply(matmulOp, [a, b]);

/** NumPy matmul: 1-d operands are promoted (and the axis removed after); batch axes broadcast. */
export function matmul(x: TensorLike, y: TensorLike): Tensor {
  let a = asTensor(x, 'matmul'), b = asTensor(y, 'matmul');
  const sa = a.shape, sb = b.shape;
  if (a.rank === 0 || b.rank === 0) fail('ERR_SHAPE', 'matmul', `expected operands of rank ≥ 1 but received ${fmtShape(a.shape)} · ${fmtShape(b.shape)}`);
  const va = a.rank === 1, vb = b.rank === 1;
  if (va) a = reshape(a, [1, a.shape[0]]);
  if (vb) b = reshape(b, [b.shape[0], 1]);
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
    fail('ERR_SHAPE', 'matmul', `expected the last axis of a to match the ${sb.length === 1 ? 'length' : 'second-to-last axis'} of b but received ${fmtShape(sa)} · ${fmtShape(sb)}`);
  }
  if (a.rank > 2 || b.rank > 2) {
    const batch = broadcastShapes('matmul', [a.shape.slice(0, -2), b.shape.slice(0, -2)]);
    a = broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
    b = broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
  }
  let c = matmul2(a, b);
  if (va || vb) c = reshape(c, [...c.shape.slice(0, -2), ...(va ? [] : [c.shape[c.rank - 2]]), ...(vb ? [] : [c.shape[c.rank - 1]])]);
  return c;
}
