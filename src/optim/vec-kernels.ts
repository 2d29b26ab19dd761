// The two long-vector operations of limited-memory quasi-Newton methods over a block V of K
// stored vectors, one vector per row (K×n row-major, so storing a new vector writes one
// contiguous row — a coordinate-major block would touch every cache line of V per new vector):
//   dots:    out = V·v               (K inner products)
//   combine: out = β·b + Vᵀ·c        (a combination of the K vectors)
// For large blocks on the native backend the passes over V run as compiled programs (its SIMD
// matrix–vector kernels read V in place, about twice as fast as JS); otherwise as JS loops (the
// TS backend's interpreted matmul is slower than these).
import { Tensor } from '../core/tensor.js';
import { compile, type Program } from '../program/compile.js';
import { matmul } from '../ops/matmul.js';
import { getBackend } from '../backends/index.js';

/** below this many entries of V the JS loops win (a program call costs microseconds) */
const PROGRAM_FROM = 1 << 16;
const native = (n: number, K: number) => n * K >= PROGRAM_FROM && getBackend() === 'native';

interface Programs { dots: Program; combine: Program }
const programs = new Map<string, Programs>();

function programsFor(n: number, K: number): Programs {
  const key = `${n}x${K}`;
  let p = programs.get(key);
  if (!p) {
    const V = new Tensor([K, n], new Float64Array(n * K)), v = new Float64Array(n), c = new Float64Array(K);
    p = {
      dots: compile((a: Tensor, x: Tensor) => matmul(a, x), V, v),
      combine: compile((cc: Tensor, a: Tensor) => matmul(cc, a), c, V),
    };
    if (programs.size >= 4) programs.delete(programs.keys().next().value!);
    programs.set(key, p);
  }
  return p;
}

/** out[j] = V_j·v for the K rows of V (K×n row-major). */
export function dots(V: Float64Array, n: number, K: number, v: Float64Array, out: Float64Array): void {
  if (native(n, K)) {
    out.set((programsFor(n, K).dots.value(new Tensor([K, n], V), v) as Tensor)._data!);
    return;
  }
  for (let j = 0; j < K; j++) out[j] = dotAt(V, j * n, v, n);
}

/** out = β·b + Σⱼ cⱼ·V_j (out may be b). */
export function combine(V: Float64Array, n: number, K: number, c: Float64Array, b: Float64Array, beta: number, out: Float64Array): void {
  if (native(n, K)) {
    const t = (programsFor(n, K).combine.value(c, new Tensor([K, n], V)) as Tensor)._data!;
    for (let i = 0; i < n; i++) out[i] = beta * b[i] + t[i];
    return;
  }
  for (let i = 0; i < n; i++) out[i] = beta * b[i];
  for (let j = 0; j < K; j++) {
    const o = j * n, cj = c[j];
    if (cj !== 0) for (let i = 0; i < n; i++) out[i] += cj * V[o + i];
  }
}

/** a[off .. off+n)·v with four partial sums */
function dotAt(a: Float64Array, off: number, v: Float64Array, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[off + i] * v[i]; s1 += a[off + i + 1] * v[i + 1];
    s2 += a[off + i + 2] * v[i + 2]; s3 += a[off + i + 3] * v[i + 3];
  }
  for (; i < n; i++) s0 += a[off + i] * v[i];
  return (s0 + s1) + (s2 + s3);
}

/** a·b with four partial sums */
export function dot(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 3 < n; i += 4) { s0 += a[i] * b[i]; s1 += a[i + 1] * b[i + 1]; s2 += a[i + 2] * b[i + 2]; s3 += a[i + 3] * b[i + 3]; }
  for (; i < n; i++) s0 += a[i] * b[i];
  return (s0 + s1) + (s2 + s3);
}
