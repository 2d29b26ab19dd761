// Stencils on the compiled tier (docs/compiled.md): a fused chain, the full reductions of its rows
// and the pad-fed row of its gradient generated as one loop (native/src/codegen/stencil.cc) give
// the interpreter's bits — at every SIMD level this CPU has, at lengths around the tile (512) and
// reduction block (1024) boundaries, for sum/max/min/prod, pads shifted by 1 and 2, and inputs with
// zeros, −0, infinities and NaN (the cotangent products' special cases).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { compareTiers } from '../src/backends/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { programFor } from '../src/backends/native/programs.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import type { Tensor } from '../src/index.js';
import { leaveCodegen } from './support/codegen.js';

const addon = loaded.addon;
const d = addon && w.nativeInfo().codegen.available ? describe : describe.skip;
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'wengert-stencil-'));
const levels = addon ? addon.simdInfo().supported : [];

const rosen = (x: Tensor) => {
  const n = x.shape[0];
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
/** three slices: pads shifted by 0, 1 and 2 in the gradient; with a vector kernel (tanh) in the chain or inline ops only */
const wide3 = (vector: boolean) => (x: Tensor) => {
  const n = x.shape[0];
  const a = w.slice(x, [0], [n - 2]), b = w.slice(x, [1], [n - 1]), c = w.slice(x, [2], [n]);
  return w.sum(w.mul(w.square(w.sub(c, a)), vector ? w.tanh(b) : w.div(b, w.add(w.square(b), 1))));
};
const wide = wide3(true), wideInline = wide3(false);
const kinds = (x: Tensor) => {
  const n = x.shape[0];
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  const t = w.sub(w.mul(a, b), w.square(a));
  return w.add(w.max(t), w.min(w.mul(t, 3)));
};
const product = (x: Tensor) => {
  const n = x.shape[0];
  const t = w.sub(w.mul(w.slice(x, [0], [n - 1]), w.slice(x, [1], [n])), 0.25);
  return w.prod(w.add(w.mul(t, 1e-3), 1));
};

const data = (n: number, special: boolean) => Float64Array.from({ length: n }, (_, i) => {
  if (special && i % 97 === 5) return [0, -0, Infinity, -Infinity, NaN][(i / 97 | 0) % 5];
  return 0.5 + 0.4 * Math.sin(i);
});

/** the generated sources kept in the cache since `since` */
const sources = () => readdirSync(path.join(cacheRoot, 'cache')).filter((f) => f.endsWith('.c')).map((f) => readFileSync(path.join(cacheRoot, 'cache', f), 'utf8'));

/** value and gradient (or the value only) of f at x on both tiers, compared bit for bit */
async function same(f: (x: Tensor) => Tensor, x: Float64Array, grad: boolean) {
  const t = w.tensor(x);
  const tr = traceFunction(f, [t], 'stencil test');
  const g = grad ? vjpGraph(tr.graph, [0], ['ones']) : tr.graph;
  expect(await compareTiers(g, [x])).toBe('compiled');
}

d('stencils on the compiled tier', () => {
  beforeAll(() => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'cache');
    process.env.WENGERT_CODEGEN_QUIET = '1';
    process.env.WENGERT_CODEGEN_KEEP = '1';
    w.setBackend('native', { codegen: 'eager' });
  });
  afterAll(() => leaveCodegen(cacheRoot));

  it('W1\'s chain, sum and pad-fed gradient are one loop, with an interior path', async () => {
    const x = data(5000, false);
    await same(rosen, x, true);
    const src = sources().join('\n');
    expect(src).toMatch(/wg_rlanes0\(/);    // the sum in the chain's loop
    expect(src).toMatch(/static void p_st\d+_i\(/);  // interior tiles: the chain recomputed at the pads' shifts
    expect(src).not.toMatch(/if \(rt->threads > 1\)/);  // the stencil also runs when intra-op threads are on (it is faster than the chunked steps)
    const p = w.compile(rosen, x);
    const [v, g] = p.valueAndGrad(x) as [number, Float64Array];
    expect(await p.ready()).toBe('compiled');
    const [v1, g1] = p.valueAndGrad(x) as [number, Float64Array];
    expect(p.stats.tier).toBe('compiled');
    expect(Object.is(v, v1) && g.every((z, i) => Object.is(z, g1[i]))).toBe(true);
    // the analytic gradient, in float64
    const n = x.length;
    for (const i of [0, 1, 511, 512, 513, 1023, 1024, 4998, 4999]) {
      const t = i < n - 1 ? x[i + 1] - x[i] * x[i] : 0, tp = i > 0 ? x[i] - x[i - 1] * x[i - 1] : 0;
      const want = (i > 0 ? 200 * tp : 0) + (i < n - 1 ? -400 * x[i] * t - 2 * (1 - x[i]) : 0);
      expect(g1[i]).toBeCloseTo(want, 8);
    }
  }, 120_000);

  it(`value and gradient at lengths around the tile and block boundaries, at every SIMD level (${levels.join(', ')})`, async () => {
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const n of [3, 9, 513, 1025, 2049, 3100]) {
        await same(rosen, data(n, false), true);
        await same(rosen, data(n, false), false);
      }
    }
  }, 600_000);

  it(`pads shifted by 0, 1, 2; max, min and prod; zeros, −0, infinities and NaN, at every SIMD level (${levels.join(', ')})`, async () => {
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const n of [6, 1500]) {
        await same(wide, data(n, false), true);
        await same(wideInline, data(n, false), true);
        await same(kinds, data(n, false), false);
        await same(product, data(n, false), false);
      }
      await same(rosen, data(2100, true), true);
      await same(wide, data(2100, true), true);
      await same(wideInline, data(2100, true), true);
      await same(kinds, data(2100, true), false);
      await same(product, data(2100, true), false);
    }
    const src = sources().join('\n');
    for (const k of [1, 2, 3]) expect(src).toMatch(new RegExp(`wg_rlanes${k}\\(`));
  }, 600_000);

  // the NaN rule of + and · (docs/numerics.md): c(a, x) keeps a NaN a, so the sum's NaN is the one
  // of the leftmost operand of the canonical tree: the earliest block, in it the lowest lane (i mod 8)
  it(`two NaNs of different sign meeting in a chain's sum or product: the rule's NaN on both tiers, at every SIMD level (${levels.join(', ')})`, async () => {
    const sumChain = (x: Tensor) => w.sum(w.mul(w.add(x, 1), 2));
    const prodChain = (x: Tensor) => w.prod(w.mul(w.add(x, 1), 2));
    const cases: [number, [number, boolean][]][] = [[16, [[0, false], [8, true]]], [16, [[8, true], [1, false]]], [16, [[3, true], [2, false]]],
      [1030, [[1027, false], [5, true]]], [5000, [[4100, true], [2049, false], [3000, true]]], [3, [[2, true], [1, false]]]];
    const signBit = (v: number) => new Uint8Array(Float64Array.of(v).buffer)[7] >> 7;
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const [n, nans] of cases) {
        const x = data(n, false);
        const bytes = new Uint8Array(x.buffer);
        for (const [i, neg] of nans) { x[i] = NaN; bytes[8 * i + 7] = neg ? bytes[8 * i + 7] | 0x80 : bytes[8 * i + 7] & 0x7f; }
        const key = ([i]: [number, boolean]) => Math.floor(i / 1024) * 1e7 + (i % 8) * 1e6 + i;
        const want = [...nans].sort((a, b) => key(a) - key(b))[0][1] ? 1 : 0;
        for (const f of [sumChain, prodChain]) {
          await same(f, x, false);
          const p = w.compile(f, x);
          const v0 = (p.value(x) as Tensor).item();
          expect(await p.ready()).toBe('compiled');
          const v1 = (p.value(x) as Tensor).item();
          expect(p.stats.tier).toBe('compiled');
          expect([Number.isNaN(v0), signBit(v0), signBit(v1)]).toEqual([true, want, want]);
          p.dispose();
        }
      }
    }
  }, 600_000);

  // W1's gradient program is a stencil whose interior tiles add the sum's values by plain vector
  // adds and redo a tile under the rule when a lane ends NaN: NaNs of both signs in interior tiles
  // (x[i] NaN makes summands i − 1 and i NaN of x[i]'s sign), the sum's NaN the leftmost of the tree.
  // The value's bits are read from the output array (a NaN read into a JS number may lose its sign).
  it(`two NaNs of different sign in a stencil's interior tiles: the rule's NaN on both tiers, at every SIMD level (${levels.join(', ')})`, async () => {
    // lanes 5, 6 vs 0, 1 of one block (the later index wins); blocks 1 vs 2; lanes 3, 4 vs 7, 0 of block 2
    const cases: [number, boolean][][] = [[[1030, false], [1537, true]], [[1500, false], [2600, true]], [[2100, true], [3000, false]]];
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const nans of cases) {
        const x = data(5000, false);
        const bytes = new Uint8Array(x.buffer);
        for (const [i, neg] of nans) { x[i] = NaN; bytes[8 * i + 7] = neg ? bytes[8 * i + 7] | 0x80 : bytes[8 * i + 7] & 0x7f; }
        const summands = nans.flatMap(([i, neg]) => [[i - 1, neg], [i, neg]] as [number, boolean][]);
        const key = ([i]: [number, boolean]) => Math.floor(i / 1024) * 1e7 + (i % 8) * 1e6 + i;
        const want = [...summands].sort((a, b) => key(a) - key(b))[0][1] ? 1 : 0;
        const g = vjpGraph(traceFunction(rosen, [w.tensor(x)], 'stencil test').graph, [0], ['ones']);
        expect(await compareTiers(g, [x])).toBe('compiled');  // the interpreter's bits
        const [v] = programFor(addon!, g)!.run([x]);
        expect([Number.isNaN(v[0]), new Uint8Array(v.buffer, v.byteOffset, 8)[7] >> 7]).toEqual([true, want]);
      }
    }
    expect(sources().join('\n')).toMatch(/if \(!nan\)/);  // the interior loop's plain lanes and their redo
  }, 600_000);
});

d('constants in generated 0-d code', () => {
  beforeAll(() => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'cache0');
    process.env.WENGERT_CODEGEN_QUIET = '1';
    w.setBackend('native', { codegen: 'eager' });
  });
  afterAll(() => { w.setBackend('native', { codegen: 'off' }); w.setBackend('ts'); delete process.env.WENGERT_CACHE_DIR; });

  it('multiplying by −1 or 1 keeps a NaN\'s bits (the compiler would fold x·(−1) into −x)', async () => {
    const f = (v: Tensor) => {
      const x = w.at(v, 0), y = w.at(v, 1);
      return w.add(w.add(w.mul(x, -1), w.mul(y, 1)), w.mul(w.sub(x, y), -1));
    };
    for (const v of [[NaN, 1], [1, NaN], [-NaN, 2], [0.5, -0.25]]) {
      const x = Float64Array.from(v);
      // a NaN with its sign bit set
      if (Object.is(v[0], -NaN)) new Uint8Array(x.buffer)[7] |= 0x80;
      const tr = traceFunction(f, [w.tensor(x)], 'stencil test');
      expect(await compareTiers(vjpGraph(tr.graph, [0], ['ones']), [x])).toBe('compiled');
      expect(await compareTiers(tr.graph, [x])).toBe('compiled');
    }
  }, 120_000);
});

d('compiling off the main thread', () => {
  beforeAll(() => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'cache-dispose');
    process.env.WENGERT_CODEGEN_QUIET = '1';
  });
  afterAll(() => { w.setBackend('native', { codegen: 'off' }); w.setBackend('ts'); delete process.env.WENGERT_CACHE_DIR; });

  it('a Program disposed while its code is generated or compiled: nothing breaks, later calls are refused, a new Program compiles', async () => {
    const x = data(3000, false);
    w.setBackend('native', { codegen: 'eager' });
    const p = w.compile(rosen, x);
    const [v0] = p.valueAndGrad(x) as [number, Float64Array];  // starts the generator on the pool
    const pending = p.ready();
    p.dispose();
    expect(['compiled', 'interpreter']).toContain(await pending.catch(() => 'interpreter'));
    expect(() => p.valueAndGrad(x)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    const q = w.compile(rosen, x);
    q.valueAndGrad(x);
    expect(await q.ready()).toBe('compiled');
    const [v1] = q.valueAndGrad(x) as [number, Float64Array];
    expect(Object.is(v0, v1)).toBe(true);
  }, 120_000);
});
