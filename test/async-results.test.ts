// Results of async calls: valueAndGradIntoAsync writes the gradient into caller arrays (the bits of
// the sync call, no new arrays); the native backend reuses the memory of collected result arrays
// (native/src/blocks.h), never one still held; async-only programs move to the compiled tier.
import { it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { describeNative } from './native/support.js';
import { sameBits } from './support/bits.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));
/** extended Rosenbrock (W1): ∂f/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2(1 − x_i) + 200 (x_i − x_{i−1}²) */
const rosenN = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
function rosenGrad(x: Float64Array): Float64Array {
  const n = x.length, g = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i < n - 1) g[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
    if (i > 0) g[i] += 200 * (x[i] - x[i - 1] * x[i - 1]);
  }
  return g;
}

describeBackends('valueAndGradIntoAsync', () => {
  it('writes the gradient into the given arrays: the sync bits, the analytic gradient, concurrent calls', async () => {
    const n = 50_000;
    const xs = Array.from({ length: 6 }, (_, k) => fill(n, (i) => 0.5 + 0.4 * Math.sin(i + k)));
    const p = w.compile(rosenN(n), xs[0]);
    const outs = xs.map(() => new Float64Array(n));
    const got = await Promise.all(xs.map((x, k) => p.valueAndGradIntoAsync(outs[k], x)));
    xs.forEach((x, k) => {
      const [v, g] = p.valueAndGrad(x) as [number, Float64Array];
      expect(Object.is(got[k], v), `call ${k}: ${got[k]} vs ${v}`).toBe(true);
      expect(sameBits(outs[k], g), `call ${k}: gradient bits`).toBe(true);
      const want = rosenGrad(x);
      outs[k].forEach((gi, i) => expect(Math.abs(gi - want[i])).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[i]))));
    });
  });

  it('trees of arrays mirror argument 0; a target that is also an input is still right; bad targets reject as the sync call throws', async () => {
    const f = (q: { a: w.Tensor; b: w.Tensor }, s: number) => w.mul(s, w.add(w.sum(w.square(q.a)), w.sum(w.mul(q.a, q.b))));
    const q = { a: new Float64Array([1, 2, 3]), b: new Float64Array([4, 5, 6]) };
    const p = w.compile(f, q, 2);
    const out = { a: new Float64Array(3), b: new Float64Array(3) };
    expect(await p.valueAndGradIntoAsync(out, q, 2)).toBe(2 * (14 + 32));
    expect(Array.from(out.a)).toEqual([2 * (2 + 4), 2 * (4 + 5), 2 * (6 + 6)]);  // s(2a + b)
    expect(Array.from(out.b)).toEqual([2, 4, 6]);                               // s·a
    // the gradient written over the input it is computed from (the input is copied at the call)
    const x = { a: new Float64Array([1, 2, 3]), b: new Float64Array([4, 5, 6]) };
    expect(await p.valueAndGradIntoAsync(x, x, 2)).toBe(92);
    expect(Array.from(x.a)).toEqual([12, 18, 24]);
    const before = Array.from(out.a);
    // the error the sync call raises (ERR_SIGNATURE naming the leaf), as a rejection
    for (const bad of [{ a: new Float64Array(2), b: new Float64Array(3) }, new Float64Array(6)]) {
      expect(() => p.valueAndGradInto(bad, q, 2)).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
      await expect(p.valueAndGradIntoAsync(bad, q, 2)).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    }
    expect(Array.from(out.a)).toEqual(before);
  });
});

describeNative('async result memory (native)', () => {
  it('a result still held is never reused: 40 calls while the results of the first 20 are kept', async () => {
    w.setBackend('native');
    const n = 40_000;  // 320 kB results: kept blocks
    const p = w.compile(rosenN(n), fill(n, Math.sin));
    const xs = Array.from({ length: 40 }, (_, k) => fill(n, (i) => Math.cos(i * (k + 1) * 1e-3)));
    const held: Float64Array[] = [];
    for (let k = 0; k < 40; k++) {
      const [, g] = (await p.valueAndGradAsync(xs[k])) as [number, Float64Array];
      if (k < 20) held.push(g);
      else new Float64Array(1 << 18).fill(k);  // garbage, so collections run meanwhile
    }
    held.forEach((g, k) => expect(sameBits(g, p.valueAndGrad(xs[k])[1] as Float64Array), `result ${k}`).toBe(true));
  });

  it('memory of collected results is reused: RSS stays flat over 300 async calls with 8 MB gradients', () => {
    const index = new URL('../src/index.ts', import.meta.url).href;
    const code = `
      const w = await import(${JSON.stringify(index)});
      w.setBackend('native');
      const n = 1_000_000, x = w.tensor(Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i)));
      const p = w.compile((x) => w.sum(w.square(w.sub(w.slice(x, [1], [n]), w.square(w.slice(x, [0], [n - 1]))))), x);
      const rss = [];
      for (let k = 0; k < 300; k++) {
        await Promise.all([p.valueAndGradAsync(x), p.valueAndGradAsync(x)]);
        if (k % 50 === 49) rss.push(process.memoryUsage().rss);
      }
      console.log(JSON.stringify(rss));`;
    const root = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const rss: number[] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    // 4.8 GB of results in all: growing, they would pass 1 GB; kept blocks are at most 256 MB (filled in the first calls)
    expect(Math.max(...rss) - rss[0], JSON.stringify(rss)).toBeLessThan(200e6);
  }, 120_000);

  it('external memory reported to V8 does not drift: after collections it is the program, the reported kept blocks and no more', () => {
    // V8 counts a result's bytes while the result lives; the cache reports a kept block's bytes
    // (napi_adjust_external_memory) while kept, up to 64 MB, and takes them back when it hands the
    // block out. Batch after batch of 8 MB results, once collections (and their finalizers) ran,
    // V8's external total must be what it was at the start plus the program's own buffers (image
    // and arenas) plus the reported kept bytes.
    const index = new URL('../src/index.ts', import.meta.url).href;
    const loader = new URL('../src/backends/native/loader.ts', import.meta.url).href;
    const code = `
      const w = await import(${JSON.stringify(index)});
      const { loaded } = await import(${JSON.stringify(loader)});
      w.setBackend('native');
      const n = 1_000_000, x = w.tensor(Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i)));
      const p = w.compile((x) => w.sum(w.square(w.sub(w.slice(x, [1], [n]), w.square(w.slice(x, [0], [n - 1]))))), x);
      const settle = async () => { for (let i = 0; i < 4; i++) { globalThis.gc(); await new Promise((r) => setImmediate(r)); } };
      const info = () => ({ ...loaded.addon.blocksInfo(), program: p.stats.memoryBytes });
      const got = [];
      await settle();
      got.push(info());
      for (let b = 0; b < 4; b++) {
        for (let k = 0; k < 12; k++) { await p.valueAndGradAsync(x); await Promise.all([p.valueAndGradAsync(x), p.valueAndGradAsync(x), p.valueAndGradAsync(x)]); }
        await settle();
        got.push(info());
      }
      console.log(JSON.stringify({ got }));`;
    const root = fileURLToPath(new URL('..', import.meta.url));
    const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    type Info = { kept: number; reported: number; external: number; program: number };
    const { got } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { got: Info[] };
    const MB = 2 ** 20, shown = JSON.stringify(got.map((g) => Object.values(g).map((v) => +(v / MB).toFixed(2))));
    expect(got[0].kept, shown).toBe(0);
    for (const g of got.slice(1)) {
      expect(g.kept, shown).toBeGreaterThan(0);  // results came back to the cache
      expect(g.kept, shown).toBeLessThanOrEqual(256 * MB);
      expect(g.reported, shown).toBeLessThanOrEqual(Math.min(64 * MB, g.kept));
      // within 64 kB (Node's own small bookkeeping; a kept block is ≥ 64 kB, a result here 8 MB)
      expect(Math.abs(g.external - g.reported - g.program - (got[0].external - got[0].program)), shown).toBeLessThan(64 * 1024);
    }
  }, 120_000);

  it('auto codegen: a program called only asynchronously moves to the compiled tier', async () => {
    if (!w.nativeInfo().codegen.available) return;
    w.setBackend('native', { codegen: 'auto' });
    try {
      const n = 200_000, x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
      const p = w.compile(rosenN(n), x);
      const t0 = performance.now();
      let g = new Float64Array(0);
      while (performance.now() - t0 < 20_000 && p.stats.tier !== 'compiled') [, g] = (await p.valueAndGradAsync(x)) as [number, Float64Array];
      expect(p.stats.tier).toBe('compiled');
      expect(sameBits(g, p.valueAndGrad(x)[1] as Float64Array)).toBe(true);
    } finally {
      w.setBackend('native', { codegen: 'eager' });
    }
  }, 60_000);
});
