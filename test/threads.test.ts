// Intra-op threads (native/src/threads.h, kernels/threaded.cc): large matmuls and row reductions
// run in fixed chunks on a pool; the bits never depend on the thread count.
import { it, expect, afterAll } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { describeNative, addon } from './native/support.js';
import { spawnSync } from 'node:child_process';
import type { ThreadsProfile } from '../src/backends/native/loader.js';
import { sameBits } from './support/bits.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));
const initial = w.nativeInfo().threads;
afterAll(() => w.setThreads(initial));

describeBackends('setThreads', () => {
  it('takes a whole number from 1 to 64; anything else is ERR_ARG', () => {
    for (const bad of [0, 65, 1.5, NaN, -1, '2' as unknown as number]) {
      expect(() => w.setThreads(bad)).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringMatching(/setThreads.*whole number from 1 to 64/) }));
    }
    w.setThreads(2);
    expect(w.nativeInfo().threads).toBe(w.nativeInfo().available ? 2 : 1);
    w.setThreads(initial);
  });

  it('a least-squares gradient is the same for 1, 2 and 4 threads (values checked)', () => {
    // Σ (X·θ − y)², X 300×200: gradient 2·Xᵀ(Xθ − y)
    const X = w.tensor(fill(300 * 200, (i) => Math.sin(i) / 10), [300, 200]);
    const y = w.tensor(fill(300, (i) => Math.cos(i)));
    const theta = fill(200, (i) => 0.01 * i);
    const f = (t: w.Tensor) => w.sum(w.square(w.sub(w.matmul(X, t), y)));
    const got = [1, 2, 4].map((n) => { w.setThreads(n); return w.grad(f)(theta) as Float64Array; });
    w.setThreads(initial);
    expect(sameBits(got[0], got[1]) && sameBits(got[0], got[2])).toBe(true);
    const Xd = X.data(), yd = y.data();
    const r = fill(300, (i) => { let s = 0; for (let j = 0; j < 200; j++) s += Xd[i * 200 + j] * theta[j]; return s - yd[i]; });
    for (const j of [0, 57, 199]) {
      let g = 0;
      for (let i = 0; i < 300; i++) g += 2 * Xd[i * 200 + j] * r[i];
      expect(got[0][j]).toBeCloseTo(g, 9);
    }
  });
});

describeNative('intra-op threads (native internals)', () => {
  const run = (f: (...a: w.Tensor[]) => w.Tensor, args: w.Tensor[], threads: number) => {
    w.setBackend('native');
    w.setThreads(threads);
    try {
      const v = w.compile(f, ...args).value(...args);
      return typeof v === 'number' ? Float64Array.of(v) : (v as w.Tensor).data();
    } finally { w.setThreads(initial); w.setBackend('ts'); }
  };

  it('nativeInfo().threads reports the count; WENGERT_THREADS sets it at load', () => {
    expect(addon!.threadsInfo().threads).toBe(w.nativeInfo().threads);
    expect(w.nativeInfo().threads).toBeGreaterThanOrEqual(1);
    expect(addon!.setThreads(0)).toBe(false);
    expect(addon!.setThreads(1e300)).toBe(false);
    if (process.env.WENGERT_THREADS) expect(w.nativeInfo().threads).toBe(Number(process.env.WENGERT_THREADS));
    const probe = (value: string) => {
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
        "import * as w from './src/index.ts'; console.log(JSON.stringify(w.nativeInfo()));"], { encoding: 'utf8', env: { ...process.env, WENGERT_THREADS: value } });
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as w.NativeInfo;
    };
    expect(probe('3').threads).toBe(3);
    const bad = probe('lots');
    expect(bad.threads).toBe(1);
    expect(bad.reason).toMatch(/WENGERT_THREADS=lots is not a whole number from 1 to 64/);
  });

  it('matmul: the same bits for 1, 2, 3 and 4 threads, split by rows and by columns (partial tiles and panels), at every SIMD level', () => {
    const levels = addon!.simdInfo().supported, before = addon!.simdInfo().level;
    try {
      for (const level of levels) {
        addon!.setSimd(level);
        for (const m of [96, 97, 143, 144, 145, 256, 257]) {
          const A = w.tensor(fill(m * 300, (i) => Math.sin(i * 0.7)), [m, 300]), B = w.tensor(fill(300 * 200, (i) => Math.cos(i * 0.3)), [300, 200]);
          const mm = (a: w.Tensor, b: w.Tensor) => w.matmul(a, b);
          const pooled = addon!.threadsInfo().pooled;
          const one = run(mm, [A, B], 1);
          expect(addon!.threadsInfo().pooled).toBe(pooled);   // one thread: the pool is not used
          for (const n of [2, 3, 4]) expect(sameBits(run(mm, [A, B], n), one), `${level} m=${m} threads=${n}`).toBe(true);
          expect(addon!.threadsInfo().pooled).toBeGreaterThan(pooled);   // ≥ 5.7·10⁶ flops: chunks on the pool
          // a transposed operand read in place
          const mt = (a: w.Tensor, b: w.Tensor) => w.matmul(w.transpose(b), w.transpose(a));
          expect(sameBits(run(mt, [A, B], 4), run(mt, [A, B], 1)), `${level} m=${m} transposed`).toBe(true);
        }
        // split by columns (n ≥ m), the last block of 1–3 columns at some thread counts (a partial panel)
        for (const n of [48, 49, 50, 51, 97]) {
          const A = w.tensor(fill(48 * 300, (i) => Math.sin(i * 0.3)), [48, 300]), B = w.tensor(fill(300 * n, (i) => Math.cos(i * 0.9)), [300, n]);
          const mm = (a: w.Tensor, b: w.Tensor) => w.matmul(a, b);
          const one = run(mm, [A, B], 1), pooled = addon!.threadsInfo().pooled;
          for (const t of [2, 3, 4]) expect(sameBits(run(mm, [A, B], t), one), `${level} 48×${n} threads=${t}`).toBe(true);
          expect(addon!.threadsInfo().pooled).toBeGreaterThan(pooled);
        }
      }
    } finally { addon!.setSimd(before); }
  });

  it('matmul grids: odd panel and tile counts, a one-column last block, several kc blocks, blocks wider than nc (every SIMD level)', () => {
    // [m, k, n]: C split by columns, by rows, 2 × 2 at 4 threads; one column past whole panels at
    // every level (nr 4, 8 or 16) leaves a one-column last block at some thread count; k = 1201:
    // 5–7 kc blocks, the last partial; 2 × 2100 and 1100 × 2100: blocks of 1050 columns, wider
    // than one nc block (1024)
    const shapes = [[9, 1201, 49], [16, 1201, 65], [23, 1201, 97], [16, 1201, 113], [49, 1201, 10], [55, 1201, 17], [103, 1201, 33],
      [100, 300, 100], [2, 150, 2100], [5, 70, 2049], [1100, 3, 2100]];
    const levels = addon!.simdInfo().supported, before = addon!.simdInfo().level;
    try {
      for (const level of levels) {
        addon!.setSimd(level);
        for (const [m, k, n] of shapes) {
          const A = w.tensor(fill(m * k, (i) => Math.sin(i * 0.7) * (1 + (i % 5))), [m, k]), B = w.tensor(fill(k * n, (i) => Math.cos(i * 0.3)), [k, n]);
          const mm = (a: w.Tensor, b: w.Tensor) => w.matmul(a, b), mt = (a: w.Tensor, b: w.Tensor) => w.matmul(w.transpose(b), w.transpose(a));
          const one = run(mm, [A, B], 1), oneT = run(mt, [A, B], 1), pooled = addon!.threadsInfo().pooled;
          for (const t of [2, 3, 4]) {
            expect(sameBits(run(mm, [A, B], t), one), `${level} ${m}×${k}·${k}×${n} threads=${t}`).toBe(true);
            expect(sameBits(run(mt, [A, B], t), oneT), `${level} (${k}×${n})ᵀ·(${m}×${k})ᵀ threads=${t}`).toBe(true);
          }
          expect(addon!.threadsInfo().pooled, `${m}×${k}·${k}×${n} on the pool`).toBeGreaterThan(pooled);
        }
      }
    } finally { addon!.setSimd(before); }
  });

  it('sum, max, min, prod over 10⁶ values: the same bits for every thread count, and the TS backend’s', () => {
    const x = w.tensor(fill(1_000_003, (i) => Math.sin(i * 1.1) * (1 + (i % 7))));
    const unit = w.tensor(fill(1_000_003, (i) => 1 + Math.sin(i) * 1e-6));
    for (const [name, f, arg] of [['sum', w.sum, x], ['max', w.max, x], ['min', w.min, x], ['prod', w.prod, unit]] as const) {
      const fn = (t: w.Tensor) => f(t);
      const one = run(fn, [arg], 1);
      const pooled = addon!.threadsInfo().pooled;
      for (const n of [2, 4]) expect(sameBits(run(fn, [arg], n), one), `${name} threads=${n}`).toBe(true);
      expect(addon!.threadsInfo().pooled, `${name} ran on the pool`).toBeGreaterThan(pooled);
      const ts = w.compile(fn, arg).value(arg).item();
      expect(Object.is(one[0], ts), `${name}: ${one[0]} vs TS ${ts}`).toBe(true);
    }
  });

  it('the Cholesky gradient (choleskyGrad): the same bits for 1, 2, 3 and 4 threads, the TS backend’s values to rounding', () => {
    // n = 400: its two large products per block split by rows (≥ 192) and by columns, on the pool
    const n = 400, G = fill(n * n, (i) => Math.sin(i * 0.37)), A = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += G[i * n + k] * G[j * n + k];
        A[i * n + j] = A[j * n + i] = s / n + (i === j ? 1 : 0);
      }
    const At = w.tensor(A, [n, n]), C = w.tensor(fill(n * n, (i) => Math.cos(i * 0.11)), [n, n]);
    const f = (a: w.Tensor) => w.sum(w.mul(w.linalg.cholesky(a), C));
    const grad = (threads: number) => {
      w.setThreads(threads);
      try { return (w.compile(f, At).grad(At) as w.Tensor).data(); } finally { w.setThreads(initial); }
    };
    w.setBackend('native');
    let one: Float64Array, pooled: number;
    try {
      one = grad(1);
      pooled = addon!.threadsInfo().pooled;
      for (const t of [2, 3, 4]) expect(sameBits(grad(t), one), `threads=${t}`).toBe(true);
      expect(addon!.threadsInfo().pooled).toBeGreaterThan(pooled);
    } finally { w.setBackend('ts'); }
    const ts = (w.compile(f, At).grad(At) as w.Tensor).data();
    let err = 0, scale = 0;
    for (let i = 0; i < ts.length; i++) { err = Math.max(err, Math.abs(one[i] - ts[i])); scale = Math.max(scale, Math.abs(ts[i])); }
    expect(err / scale).toBeLessThan(1e-12);
  });

  it('WENGERT_PROFILE=threads: the pool counts its regions and chunks (off: threadsProfile() is null)', () => {
    if (!process.env.WENGERT_PROFILE) expect(addon!.threadsProfile()).toBeNull();
    // a 256×300·300×200 matmul at 2 threads, 3 times: C's rows (the larger dimension) in one block per thread
    const script = `import * as w from './src/index.ts'; import { _addon } from './src/backends/index.ts';
      w.setBackend('native'); w.setThreads(2);
      const A = w.tensor(Float64Array.from({ length: 256 * 300 }, (_, i) => Math.sin(i)), [256, 300]);
      const B = w.tensor(Float64Array.from({ length: 300 * 200 }, (_, i) => Math.cos(i)), [300, 200]);
      const p = w.compile((a, b) => w.matmul(a, b), A, B);
      p.value(A, B); _addon().threadsProfile(true);
      for (let i = 0; i < 3; i++) p.value(A, B);
      console.log(JSON.stringify(_addon().threadsProfile()));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', env: { ...process.env, WENGERT_PROFILE: 'threads', WENGERT_THREADS: '1' } });
    expect(r.status, r.stderr).toBe(0);
    const prof = JSON.parse(r.stdout.trim().split('\n').pop()!) as ThreadsProfile;
    expect(prof.regions + prof.inlineRegions).toBe(3);  // one region per call
    expect(prof.recent.map((x) => x.chunks)).toEqual([2, 2, 2]);  // 256 rows: 2 blocks of 128 at 2 threads
    expect(prof.chunks).toBe(6);
    for (const x of prof.recent) {
      expect(x.spanNs).toBeGreaterThanOrEqual(x.callerNs + x.waitNs - 1);
      expect(x.workerChunks).toBeLessThanOrEqual(x.chunks);
      expect(x.fn).not.toBe('?');
    }
    expect(prof.workerChunks).toBe(prof.recent.reduce((s, x) => s + x.workerChunks, 0));
    expect(prof.workerCpuNs).toBeGreaterThan(0);
  });

  it('concurrent async evaluations while kernels use the pool: every result has the sync bits', async () => {
    w.setBackend('native');
    w.setThreads(2);
    try {
      const A = w.tensor(fill(200 * 300, (i) => Math.sin(i)), [200, 300]);
      const f = (x: w.Tensor) => w.sum(w.tanh(w.matmul(A, x)));
      const xs = Array.from({ length: 6 }, (_, k) => w.tensor(fill(300 * 40, (i) => Math.cos(i + k)), [300, 40]));
      const p = w.compile(f, xs[0]);
      const want = xs.map((x) => p.valueAndGrad(x) as [number, w.Tensor]);
      const got = await Promise.all(xs.map((x) => p.valueAndGradAsync(x) as Promise<[number, w.Tensor]>));
      got.forEach(([v, g], k) => {
        expect(Object.is(v, want[k][0])).toBe(true);
        expect(sameBits(g.data(), want[k][1].data())).toBe(true);
      });
    } finally { w.setThreads(initial); w.setBackend('ts'); }
  });
});
