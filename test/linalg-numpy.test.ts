// w.linalg against NumPy/SciPy (LAPACK): values and gradients ≤ 1e-12 relative (normwise) on
// well-conditioned inputs up to 64×64, on both backends. Reference data: test/data/linalg-numpy.py
// (values from NumPy/SciPy, gradients from the textbook formulas evaluated in NumPy/SciPy).
import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

interface Case { op: string; n: number; inputs: string[]; loss: number; values: [number, number][] | null; grads: [number, number][] }
const manifest = JSON.parse(readFileSync(new URL('./data/linalg-numpy.json', import.meta.url), 'utf8')) as { cases: Case[] };
const raw = readFileSync(new URL('./data/linalg-numpy.bin', import.meta.url));
const data = new Float64Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
const slice = ([off, len]: [number, number]) => data.subarray(off, off + len);

// the inputs and weights of linalg-numpy.py
const gen = (m: number, n: number, f: (i: number, j: number) => number) => w.tensor(Float64Array.from({ length: m * n }, (_, k) => f(Math.floor(k / n), k % n)), [m, n]);
/** uniform in [-0.5, 0.5) from a 32-bit LCG: exact integer arithmetic, the same doubles as NumPy */
function general(m: number, n: number, seed: number): w.Tensor {
  let s = Math.imul(seed, 2654435761) >>> 0;
  return w.tensor(Float64Array.from({ length: m * n }, () => { s = (Math.imul(1664525, s) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5; }), [m, n]);
}
const weights = (m: number, n: number, seed = 0) => gen(m, n, (i, j) => Math.cos(1 + seed + 0.3 * i - 0.5 * j));
const eye = (n: number, f: (i: number) => number = () => 1) => gen(n, n, (i, j) => (i === j ? f(i) : 0));
const vec = (n: number, f: (i: number) => number) => w.tensor(Float64Array.from({ length: n }, (_, i) => f(i)));
const dominant = (n: number) => w.add(w.div(general(n, n, 1), Math.sqrt(n)), w.mul(2, eye(n)));
function spd(n: number) {
  const G = general(n, n, 2);
  return w.add(w.div(w.matmul(G, w.transpose(G)), n), eye(n, (i) => 1 + (4 * i) / n));
}
const wsum = (W: w.Tensor, X: w.Tensor) => w.sum(w.mul(W, X));

/** the loss of linalg-numpy.py for op at size n, and its inputs */
function problem(op: string, n: number): { inputs: w.Tensor[]; f: (...a: w.Tensor[]) => w.Tensor; outputs: (...a: w.Tensor[]) => w.Tensor[] } {
  const W = weights(n, n), Wx = weights(n, 3), B = general(n, 3, 3), m = n + 3;
  const L = w.linalg;
  switch (op) {
    case 'cholesky': return { inputs: [spd(n)], f: (a) => wsum(W, L.cholesky(a)), outputs: (a) => [L.cholesky(a)] };
    case 'solve': return { inputs: [dominant(n), B], f: (a, b) => wsum(Wx, L.solve(a, b)), outputs: (a, b) => [L.solve(a, b)] };
    case 'triangularSolve': return { inputs: [dominant(n), B], f: (a, b) => wsum(Wx, L.triangularSolve(a, b)), outputs: (a, b) => [L.triangularSolve(a, b)] };
    case 'choleskySolve': return { inputs: [L.cholesky(spd(n)), B], f: (l, b) => wsum(Wx, L.choleskySolve(l, b)), outputs: (l, b) => [L.choleskySolve(l, b)] };
    case 'inv': return { inputs: [dominant(n)], f: (a) => wsum(W, L.inv(a)), outputs: (a) => [L.inv(a)] };
    case 'det': return { inputs: [dominant(n)], f: (a) => L.det(a), outputs: (a) => [w.reshape(L.det(a), [1])] };
    case 'slogdet': return { inputs: [dominant(n)], f: (a) => L.slogdet(a)[1], outputs: (a) => [w.stack(L.slogdet(a))] };
    case 'qr': {
      const Wq = weights(m, n, 1), Wr = weights(n, n, 2);
      return { inputs: [general(m, n, 4)], f: (a) => { const [Q, R] = L.qr(a); return w.add(wsum(Wq, Q), wsum(Wr, R)); }, outputs: (a) => L.qr(a) };
    }
    case 'eigh': {
      const c = vec(n, Math.cos);
      return { inputs: [spd(n)], f: (a) => { const [ev, V] = L.eigh(a); return w.add(wsum(c, ev), wsum(W, V)); }, outputs: (a) => L.eigh(a) };
    }
    case 'svd': {
      const Wu = weights(m, n, 3), Wv = weights(n, n, 4), cs = vec(n, Math.sin);
      return { inputs: [general(m, n, 4)], f: (a) => { const [U, s, Vt] = L.svd(a); return w.add(w.add(wsum(Wu, U), wsum(cs, s)), wsum(Wv, Vt)); }, outputs: (a) => L.svd(a) };
    }
    default: throw new Error(`no problem for ${op}`);
  }
}

/** max |a − b| / max |b| */
function relErr(a: Float64Array, b: Float64Array): number {
  let d = 0, s = 0;
  for (let i = 0; i < b.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return d / s;
}
const flat = (g: unknown) => (typeof g === 'number' ? Float64Array.of(g) : (g as w.Tensor).data());

describeBackends('w.linalg against NumPy/SciPy', () => {
  for (const c of manifest.cases) {
    it(`${c.op} n=${c.n}: value and gradient ≤ 1e-12 relative`, () => {
      const p = problem(c.op, c.n);
      const argnums = c.grads.map((_, k) => k);
      const [loss, grads] = w.valueAndGrad(p.f, { argnums })(...p.inputs) as [number, unknown[]];
      expect(Math.abs(loss - c.loss) / Math.max(1, Math.abs(c.loss)), 'loss').toBeLessThanOrEqual(1e-12);
      c.grads.forEach((g, k) => expect(relErr(flat(grads[k]), slice(g)), `gradient ${k}`).toBeLessThanOrEqual(1e-12));
      if (c.values) {
        const outs = w.compile(p.outputs, ...p.inputs).value(...p.inputs) as unknown as w.Tensor[];
        c.values.forEach((v, k) => expect(relErr(flat(outs[k]), slice(v)), `output ${k}`).toBeLessThanOrEqual(1e-12));
      }
    });
  }
});
