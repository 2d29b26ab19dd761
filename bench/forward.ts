// Forward vs reverse mode (issue 5): Jacobians of R^n → R^m for (n, m) = (10, 1000) and (1000, 10),
// the dense Hessian of extended Rosenbrock (n = 1000), and H·v at n = 1e6 vs hand-written JS.
//   npx tsx bench/forward.ts [--backend native|ts]
import * as w from '../src/index.js';
import { median, fmt, table } from './timing.js';

const backends = (process.argv.includes('--backend') ? [process.argv[process.argv.indexOf('--backend') + 1]] :
  w.nativeInfo().available ? ['native', 'ts'] : ['ts']) as ('native' | 'ts')[];

// f(x)_i = tanh(Σ_j A_ij x_j) · x_{i mod n}: dense Jacobian A-weighted
function mapOf(n: number, m: number) {
  const A = w.tensor(Float64Array.from({ length: m * n }, (_, k) => Math.sin(k + 1) / Math.sqrt(n)), [m, n]);
  const idx = w.tensor(Float64Array.from({ length: m }, (_, i) => i % n));
  const f = (x: w.Tensor) => w.mul(w.tanh(w.matmul(A, x)), w.gather(x, idx));
  const x = Float64Array.from({ length: n }, (_, j) => 0.1 * Math.cos(j));
  return { f, x };
}

const rosen = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};

/** hand-written H·v of extended Rosenbrock (tridiagonal Hessian) */
function handHvp(x: Float64Array, v: Float64Array, out: Float64Array): Float64Array {
  const n = x.length;
  out.fill(0);
  for (let i = 0; i < n - 1; i++) {
    const d = 1200 * x[i] * x[i] - 400 * x[i + 1] + 2, o = -400 * x[i];
    out[i] += d * v[i] + o * v[i + 1];
    out[i + 1] += o * v[i] + 200 * v[i + 1];
  }
  return out;
}

for (const b of backends) {
  w.setBackend(b);
  console.log(`\n## backend: ${b}${b === 'native' ? ` (${w.nativeInfo().simd})` : ''}`);
  const rows: (string | number)[][] = [];
  for (const [n, m] of [[10, 1000], [1000, 10]]) {
    const { f, x } = mapOf(n, m);
    const ms = (['forward', 'reverse', 'auto'] as const).map((mode) => {
      const J = w.jacobian(f, { mode });
      return median(() => J(x), 7, 3000);
    });
    rows.push([`R^${n} → R^${m}`, fmt(ms[0]), fmt(ms[1]), fmt(ms[2]), ms[0] < ms[1] ? 'forward' : 'reverse']);
  }
  console.log('Jacobian (ms per full Jacobian, tracing included)\n' + table(['map', 'forward', 'reverse', 'auto', 'faster'], rows));

  const n = 1000;
  const x = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i));
  const H = w.hessian(rosen(n));
  const hMs = median(() => H(x), 5, 5000);
  const gMs = median(() => w.grad(rosen(n))(x), 7, 2000);
  console.log(`\nHessian of extended Rosenbrock, n = ${n} (dense ${n}×${n}, forward-over-reverse, batched): ${fmt(hMs)} ms` +
    ` (gradient ${fmt(gMs)} ms; ratio ${(hMs / gMs).toFixed(0)}×, n = ${n} directions in one program)`);

  const N = 1_000_000;
  const X = Float64Array.from({ length: N }, (_, i) => 0.5 + 0.4 * Math.sin(i));
  const V = Float64Array.from({ length: N }, (_, i) => Math.cos(i));
  const hv = w.hvp(rosen(N));
  const out = new Float64Array(N);
  const wMs = median(() => hv(X, V), 7, 8000);
  const hand = median(() => handHvp(X, V, out), 7, 3000);
  const got = hv(X, V) as Float64Array, want = handHvp(X, V, out);
  let err = 0, scale = 0;
  for (let i = 0; i < N; i++) { err = Math.max(err, Math.abs(got[i] - want[i])); scale = Math.max(scale, Math.abs(want[i])); }
  console.log(`H·v of extended Rosenbrock, n = 1e6: wengert hvp ${fmt(wMs)} ms (tracing included) vs hand-written JS ${fmt(hand)} ms` +
    ` → ${(wMs / hand).toFixed(1)}×; max |Δ| / max |Hv| = ${(err / scale).toExponential(1)}`);
}
w.setBackend('ts');
