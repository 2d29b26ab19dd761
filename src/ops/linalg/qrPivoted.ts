import { fail } from '../../core/errors.js';
import { fmtShape } from '../../core/shape.js';
import { defineOp, type OpDef } from '../op.js';
import { qrPivot } from './kernels/pivoted.js';

// leastSquares' factorization (Moré 1978): J[:, cols]·P = Q·R with column pivoting, Qᵀ·r, and J's
// column norms. Inputs J [m, n], r [m], cols [k] (column indices); output packed:
// R [k, k] (row-major, pivoted order), perm [k] (columns of J), Qᵀr [k] (leading part), norms [n].
// No derivative: an optimizer's internal step, never differentiated (an op so that it runs on the
// native kernels).
export const qrPivotedOp: OpDef<undefined> = defineOp<undefined>({
  name: 'qrPivoted',
  family: 'linalg',
  arity: 3,
  nondiff: true,
  shape: ([j, r, c]) => {
    if (j.length !== 2 || r.length !== 1 || c.length !== 1 || r[0] !== j[0] || c[0] > j[1]) {
      fail('ERR_SHAPE', 'qrPivoted', `expected J [m, n], r [m], cols [k ≤ n] but received ${fmtShape(j)}, ${fmtShape(r)}, ${fmtShape(c)}`);
    }
    return [c[0] * c[0] + 2 * c[0] + j[1]];
  },
  kernel: ([j, r, c], [sj]) => {
    const [m, n] = sj, k = c.length;
    const f = qrPivot(j, m, n, r, Int32Array.from(c));
    const out = new Float64Array(k * k + 2 * k + n);
    out.set(f.R, 0);
    out.set(f.perm, k * k);
    out.set(f.qtr, k * k + k);
    out.set(f.norms, k * k + 2 * k);
    return out;
  },
  batch: () => fail('ERR_NO_RULE', 'qrPivoted', 'leastSquares\' factorization is not batched'),
  test: { coveredBy: 'test/native/ops.test.ts' },
});
