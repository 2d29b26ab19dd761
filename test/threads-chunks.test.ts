// Intra-op threads on the elementwise paths (native/src/exec_par.cc) and the compiled tier's
// chunked steps (rt->range): fused chains, unary and binary rows, pads and copies, and
// matrix–vector products give the same bits for 1, 2 and 4 threads, on the interpreter at every
// SIMD level and on compiled code, and the values of the TS backend (to rounding).
import { it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { describeNative, addon } from './native/support.js';
import { sameBits } from './support/bits.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));
const flat = (r: unknown): Float64Array => {
  const parts: number[] = [];
  const walk = (x: unknown) => {
    if (typeof x === 'number') parts.push(x);
    else if (x instanceof Float64Array) parts.push(...x);
    else if (x instanceof w.Tensor) parts.push(...x.data());
    else for (const v of Object.values(x as object)) walk(v);
  };
  walk(r);
  return Float64Array.from(parts);
};
const evalAt = (p: w.Program<[w.Tensor]>, arg: Float64Array, threads: number) => { w.setThreads(threads); return flat(p.valueAndGrad(w.tensor(arg))); };
const initial = w.nativeInfo().threads;
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'wengert-threads-'));

// n above two chunks of 8192 elements and not a multiple of a tile (512)
const N = 40_003;
const x0 = fill(N, (i) => Math.sin(i * 0.37) * 1.2);
const M = w.tensor(fill(300 * 200, (i) => Math.cos(i * 0.11)), [300, 200]);
const X = w.tensor(fill(6000 * 50, (i) => Math.sin(i * 0.013)), [6000, 50]);
const cases: [string, (x: w.Tensor) => w.Tensor, Float64Array][] = [
  ['a fused chain with vector kernels (exp, sin, tanh) and its gradient', (x) => w.sum(w.add(w.mul(w.exp(w.sin(x)), x), w.tanh(x))), x0],
  ['Rosenbrock: slices, pads and their sum in the gradient', (x) => {
    const n = x.shape[0];
    const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
    return w.add(w.sum(w.mul(100, w.square(w.sub(b, w.square(a))))), w.sum(w.square(w.sub(1, a))));
  }, x0],
  ['a long unary row and a broadcast binary over rows', (x) => w.sum(w.mul(w.tanh(w.reshape(w.slice(x, [0], [300 * 120]), [120, 300])), w.reshape(w.slice(x, [300], [600]), [1, 300]))), x0],
  ['matrix–vector products (rows of X, columns of Xᵀ) and a matmul with a transposed operand', (t) => {
    const z = w.matmul(X, w.slice(t, [0], [50]));
    const u = w.matmul(M, w.reshape(w.slice(t, [0], [200 * 40]), [200, 40]));
    return w.add(w.sum(w.log1p(w.exp(z))), w.sum(w.square(u)));
  }, x0],
];

/** the compiled tier: the same bits as the interpreter's `one` for 1, 2 and 4 threads, chunks on the pool */
async function compiledBits(f: (x: w.Tensor) => w.Tensor, arg: Float64Array, one: Float64Array) {
  w.setBackend('native', { codegen: 'eager' });
  const q = w.compile(f, w.tensor(arg));
  w.setThreads(1);
  q.valueAndGrad(w.tensor(arg));
  expect(await q.ready()).toBe('compiled');
  const before = addon!.threadsInfo().pooled;
  for (const n of [1, 2, 4]) expect(sameBits(evalAt(q, arg, n), one), `compiled, threads=${n}`).toBe(true);
  expect(q.stats.tier).toBe('compiled');
  expect(addon!.threadsInfo().pooled, 'compiled: chunks ran on the pool').toBeGreaterThan(before);
}

// logistic regression as W4 (m not a multiple of the pass's 2048-row groups, k not of a cache line's 8)
const LX = w.tensor(fill(6000 * 50, (i) => Math.sin(i * 0.7)), [6000, 50]), Ly = w.tensor(fill(6000, (r) => r % 3 === 0 ? 1 : 0));
const logreg = (t: w.Tensor) => {
  const z = w.matmul(LX, t);
  return w.add(w.mean(w.sub(w.softplus(z), w.mul(Ly, z))), w.mul(5e-4, w.sum(w.square(t))));
};
const t0 = fill(50, (c) => 0.01 * Math.cos(c));

/** f's interpreter result at 1 thread (`one`), and a Program of f on the compiled tier (`q`, its first call at 1 thread) */
async function interpretedAndCompiled(f: (t: w.Tensor) => w.Tensor, arg: Float64Array) {
  w.setBackend('native', { codegen: 'off' });
  const one = evalAt(w.compile(f, w.tensor(arg)), arg, 1);
  w.setBackend('native', { codegen: 'eager' });
  const q = w.compile(f, w.tensor(arg));
  w.setThreads(1);
  q.valueAndGrad(w.tensor(arg));
  expect(await q.ready()).toBe('compiled');
  return { one, q };
}

/** the compiled row-blocked matrix–vector pass at `level`: the interpreter's bits for 1, 2 and 4 threads, its blocks on the pool */
async function passBits(level: string) {
  addon!.setSimd(level);
  const { one, q } = await interpretedAndCompiled(logreg, t0);
  for (const n of [1, 2, 4]) {
    const pooled = addon!.threadsInfo().pooled;
    expect(sameBits(evalAt(q, t0, n), one), `compiled ${level}, threads=${n}`).toBe(true);
    // one pool job: the pass's groups of 2048 rows (z's rows, the chains and Xᵀ·g's partial each)
    if (n > 1) expect(addon!.threadsInfo().pooled - pooled, `compiled ${level}: the pass ran on the pool`).toBeGreaterThanOrEqual(1);
  }
  expect(q.stats.tier).toBe('compiled');
  return one;
}

// stencils (a chain, the reductions of its rows and a pad-fed row in one loop): the compiled tier
// splits a large one into chunks of whole sum blocks; n not a multiple of a chunk (8192)
const S = 50_001;
const xs = fill(S, (i) => Math.sin(i * 0.37) * 1.2);
const xsNaN = xs.map((v, i) => (i === 20_000 ? NaN : i === 33_333 ? -0 : v));
const rosen = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.add(w.sum(w.mul(100, w.square(w.sub(b, w.square(a))))), w.sum(w.square(w.sub(1, a))));
};
const maxProd = (x: w.Tensor) => {  // a max and a product of a chain row besides its sum
  const a = w.slice(x, [0], [S - 1]), b = w.slice(x, [1], [S]);
  const r = w.square(w.sub(b, w.square(a)));
  return w.add(w.add(w.sum(r), w.max(r)), w.prod(w.add(1, w.mul(1e-7, r))));
};
const stencils: [string, (x: w.Tensor) => w.Tensor, Float64Array][] = [
  ['Rosenbrock', rosen(S), xs],
  ['Rosenbrock with a NaN and a −0 in x', rosen(S), xsNaN],
  ['a chain row\'s sum, max and product', maxProd, xs],
];

describeNative('intra-op threads: chunked elementwise steps on both tiers', () => {
  beforeAll(() => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'cache');
    process.env.WENGERT_CODEGEN_QUIET = '1';
  });
  afterAll(() => {
    w.setThreads(initial);
    w.setBackend('native', { codegen: 'off' });
    w.setBackend('ts');
    delete process.env.WENGERT_CACHE_DIR;
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  for (const [name, f, arg] of cases) {
    it(`${name}: the same bits for 1, 2 and 4 threads, interpreted and compiled (with a C compiler); the TS values`, async () => {
      w.setBackend('native', { codegen: 'off' });
      const { supported, level } = addon!.simdInfo();
      try {
        for (const l of supported) {  // the interpreter at every SIMD level (programs are built per level)
          addon!.setSimd(l);
          const p = w.compile(f, w.tensor(arg));
          const ref = evalAt(p, arg, 1);
          const pooled = addon!.threadsInfo().pooled;
          for (const n of [2, 4]) expect(sameBits(evalAt(p, arg, n), ref), `interpreter ${l}, threads=${n}`).toBe(true);
          expect(addon!.threadsInfo().pooled, `interpreter ${l}: chunks ran on the pool`).toBeGreaterThan(pooled);
          expect(p.stats.tier).toBe('interpreter');
        }
      } finally { addon!.setSimd(level); }
      const one = evalAt(w.compile(f, w.tensor(arg)), arg, 1);

      if (w.nativeInfo().codegen.available) await compiledBits(f, arg, one);
      w.setThreads(initial);
      w.setBackend('ts');
      const ts = flat(w.compile(f, w.tensor(arg)).valueAndGrad(w.tensor(arg)));
      expect(ts.length).toBe(one.length);
      for (let i = 0; i < ts.length; i += 97) expect(one[i]).toBeCloseTo(ts[i], 8);
    }, 60_000);
  }

  it('the compiled matrix–vector pass (X read once): the interpreter\'s bits for 1, 2 and 4 threads at every SIMD level; the TS values', async () => {
    if (!w.nativeInfo().codegen.available) return;
    const { supported, level } = addon!.simdInfo();
    let one: Float64Array | null = null;
    try {
      for (const l of supported) one = await passBits(l);
    } finally { addon!.setSimd(level); }
    w.setThreads(initial);
    w.setBackend('ts');
    const ts = flat(w.compile(logreg, w.tensor(t0)).valueAndGrad(w.tensor(t0)));
    for (let i = 0; i < ts.length; i++) expect(one![i]).toBeCloseTo(ts[i], 10);
  }, 120_000);
  for (const [name, f, arg] of stencils) {
    it(`a compiled stencil on the pool (${name}): the interpreter's bits for 1, 2 and 4 threads; the TS values`, async () => {
      if (!w.nativeInfo().codegen.available) return;
      const { one, q } = await interpretedAndCompiled(f, arg);
      for (const n of [1, 2, 4]) {
        const pooled = addon!.threadsInfo().pooled;
        expect(sameBits(evalAt(q, arg, n), one), `compiled, threads=${n}`).toBe(true);
        const jobs = addon!.threadsInfo().pooled - pooled;  // the stencil's chunks are one job (the gradient's other steps may add some)
        if (n > 1) expect(jobs, `threads=${n}: pool jobs`).toBeGreaterThanOrEqual(1); else expect(jobs).toBe(0);
      }
      expect(q.stats.tier).toBe('compiled');
      w.setThreads(initial);
      w.setBackend('ts');
      const ts = flat(w.compile(f, w.tensor(arg)).valueAndGrad(w.tensor(arg)));
      for (let i = 0; i < ts.length; i += 97) {
        if (Number.isNaN(ts[i])) expect(one[i]).toBeNaN(); else expect(one[i]).toBeCloseTo(ts[i], 8);
      }
    }, 60_000);
  }

  it('a small compiled stencil (under two chunks) stays on the calling thread, with the same bits', async () => {
    if (!w.nativeInfo().codegen.available) return;
    const n = 16_000, arg = xs.slice(0, n);
    w.setBackend('native', { codegen: 'off' });
    const one = evalAt(w.compile(rosen(n), w.tensor(arg)), arg, 1);
    w.setBackend('native', { codegen: 'eager' });
    const q = w.compile(rosen(n), w.tensor(arg));
    q.valueAndGrad(w.tensor(arg));
    expect(await q.ready()).toBe('compiled');
    const pooled = addon!.threadsInfo().pooled;
    expect(sameBits(evalAt(q, arg, 2), one)).toBe(true);
    expect(addon!.threadsInfo().pooled).toBe(pooled);
  }, 60_000);
});
