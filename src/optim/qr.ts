// leastSquares' QR with column pivoting (ops/linalg/kernels/pivoted.ts has the algorithm): on the
// native backend and from NATIVE_FROM entries of J on, the qrPivoted op runs it as a compiled
// program on the native kernels (one program per shape, a few kept); otherwise the TS kernel.
import { Tensor } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { compile, type Program } from '../program/compile.js';
import { getBackend } from '../backends/index.js';
import { qrPivotedOp } from '../ops/linalg/qrPivoted.js';
import { qrPivot as qrPivotTs, type QR } from '../ops/linalg/kernels/pivoted.js';

export type { QR };

const NATIVE_FROM = 4096;
const programs = new Map<string, Program>();

/**
 * Factor the columns `cols` of J (m×n row-major) — all of them by default — and apply Qᵀ to r.
 * With m < k columns, J is padded with zero rows (the least-squares problem is unchanged).
 */
export function qrPivot(J: Float64Array, m: number, n: number, r: Float64Array, cols?: Int32Array): QR {
  if (getBackend() === 'ts' || m * n < NATIVE_FROM) return qrPivotTs(J, m, n, r, cols);
  const c = cols ? Float64Array.from(cols) : Float64Array.from({ length: n }, (_, j) => j), k = c.length;
  const key = `${m},${n},${k}`;
  let p = programs.get(key);
  if (!p) {
    if (programs.size >= 4) programs.delete(programs.keys().next().value!);
    const f = (j: Tensor, v: Tensor, cc: Tensor) => apply(qrPivotedOp, [j, v, cc]);
    programs.set(key, (p = compile(f, new Tensor([m, n], new Float64Array(m * n)), new Tensor([m], new Float64Array(m)), new Tensor([k], c))));
  }
  const out = (p.value(new Tensor([m, n], J), new Tensor([m], r), new Tensor([k], c)) as Tensor)._data!;
  return {
    n: k, R: out.subarray(0, k * k), perm: Int32Array.from(out.subarray(k * k, k * k + k)),
    qtr: out.subarray(k * k + k, k * k + 2 * k), norms: out.subarray(k * k + 2 * k),
  };
}
