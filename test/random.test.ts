// w.random: Threefry-2x32 against its published known answers (Salmon et al., Random123) and JAX's
// keys; the same bits on both backends, every SIMD level, eager, traced, compiled and under vmap;
// keys are arguments (a compiled program draws anew from a new key); statistics: moments and
// Kolmogorov–Smirnov distances against the uniform and normal CDFs.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { threefry, normalOf } from '../src/ops/threefry.js';
import { erfc } from '../src/ops/special.js';
import { describeBackends } from './support/backends.js';
import { _addon } from '../src/backends/index.js';

type T = w.Tensor;
const bits = (t: T) => Array.from(new Uint32Array(t.data().buffer));

it('Threefry-2x32-20 gives the Random123 known answers', () => {
  const out = new Uint32Array(2);
  const kat: [number[], number[], number[]][] = [   // key, counter, result
    [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
  ];
  for (const [k, c, want] of kat) { threefry(k[0], k[1], c[0], c[1], out); expect(Array.from(out)).toEqual(want); }
});

it("keys are JAX's: PRNGKey(seed) words and split(PRNGKey(0))", () => {
  expect(w.random.key(0).toArray()).toEqual([0, 0]);
  expect(w.random.key(42).toArray()).toEqual([0, 42]);
  expect(w.random.key(-1).toArray()).toEqual([4294967295, 4294967295]);
  expect(w.random.key(2 ** 40 + 5).toArray()).toEqual([256, 5]);
  expect(w.random.split(w.random.key(0)).toArray()).toEqual([[4146024105, 967050713], [2718843009, 1272950319]]);
  const [k1, k2] = w.random.split(w.random.key(0));   // Tensors iterate over axis 0
  expect(k1.toArray()).toEqual([4146024105, 967050713]);
  expect(k2.shape).toEqual([2]);
  expect(() => w.random.key(0.5)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
});

it('the inverse-CDF transform is symmetric and reaches ±8.2σ', () => {
  expect(normalOf(0.5)).toBe(0);
  // u = (m + ½)·2⁻⁵² (what the draws use) and 1 − u are both exact: the transform is odd around ½
  for (const m of [0, 1, 12345, 2 ** 40, 2 ** 51 - 7]) { const u = (m + 0.5) * 2 ** -52; expect(normalOf(u)).toBe(-normalOf(1 - u)); }
  expect(normalOf(2 ** -53)).toBeCloseTo(-8.2095361516, 8);
  expect(normalOf(0.975)).toBeCloseTo(1.959963984540054, 14);
});

describeBackends('random numbers', (backend) => {
  const key = w.random.key(2024);

  it('the same bits eager, traced, compiled, in a loop body and under vmap', () => {
    const draw = (k: T) => [w.random.uniform(k, [3, 4]), w.random.normal(k, [5]), w.random.bits(k, [3]), w.random.permutation(k, 6)];
    const eager = draw(key).map(bits);
    const p = w.compile(draw, key);
    expect(p.value(key).map(bits)).toEqual(eager);
    expect(w.vjp((k: T) => draw(k), key)[0].map(bits)).toEqual(eager);
    const keys = w.random.split(key, 3);
    const mapped = w.vmap((k: T) => w.random.normal(k, [4]))(keys);
    expect(bits(mapped)).toEqual(Array.from(keys).flatMap((k) => bits(w.random.normal(k, [4]))));
    // keys drawn inside a loop body from the counter: split per iteration
    const [, ys] = w.scan((k: T, _x: T) => { const [a, b] = w.random.split(k); return [a, w.random.normal(b, [2])]; }, key, null, { length: 3 });
    let k = key; const want: number[] = [];
    for (let i = 0; i < 3; i++) { const [a, b] = w.random.split(k); want.push(...bits(w.random.normal(b, [2]))); k = a; }
    expect(bits(ys)).toEqual(want);
    // the same loop compiled (a loop equation in the program: the native executor runs its body)
    const loop = w.compile((k0: T) => w.scan((k: T, _x: T) => { const [a, b] = w.random.split(k); return [a, w.random.normal(b, [2])]; }, k0, null, { length: 3 })[1], key);
    expect(bits(loop.value(key))).toEqual(want);
  });

  it('a compiled program draws anew from a new key (keys are arguments: no hidden state)', () => {
    const p = w.compile((k: T) => w.random.normal(k, [4]), key);
    const [k0] = w.random.split(key);
    const a = p.value(key), b = p.value(k0);
    expect(bits(a)).not.toEqual(bits(b));
    expect(bits(p.value(key))).toEqual(bits(a));
  });

  it('uniform and normal: moments and Kolmogorov–Smirnov against the CDFs', () => {
    const n = 100_000;
    const u = w.random.uniform(key, [n]).data();
    const [, k1] = w.random.split(key);
    const z = w.random.normal(k1, [n]).data();
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    const moment = (a: Float64Array, k: number, m: number) => a.reduce((s, v) => s + (v - m) ** k, 0) / a.length;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(moment(u, 2, 0.5) - 1 / 12)).toBeLessThan(0.002);
    const mz = mean(z);
    expect(Math.abs(mz)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(moment(z, 2, mz) - 1)).toBeLessThan(0.02);
    expect(Math.abs(moment(z, 3, mz))).toBeLessThan(0.05);
    expect(Math.abs(moment(z, 4, mz) - 3)).toBeLessThan(0.1);
    // KS: sup |F_n − F| ≤ 1.63/√n at the 1% level
    const ks = (a: Float64Array, cdf: (x: number) => number) => {
      const s = Float64Array.from(a).sort();
      let d = 0;
      s.forEach((v, i) => { const F = cdf(v); d = Math.max(d, Math.abs(F - i / s.length), Math.abs(F - (i + 1) / s.length)); });
      return d;
    };
    expect(ks(u, (x) => x)).toBeLessThan(1.63 / Math.sqrt(n));
    expect(ks(z, (x) => 0.5 * erfc(-x / Math.SQRT2))).toBeLessThan(1.63 / Math.sqrt(n));
  });

  it('uniform(lo, hi) stays in [lo, hi); permutation is a permutation; split keys differ', () => {
    const r = w.random.uniform(key, [1000], -2, 3).data();
    expect(r.every((v) => v >= -2 && v < 3)).toBe(true);
    const perm = Array.from(w.random.permutation(key, 50).data()).sort((a, b) => a - b);
    expect(perm).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(w.random.permutation(key, w.tensor([[1, 1], [2, 2], [3, 3]])).shape).toEqual([3, 2]);
    const ks = w.random.split(key, 8).toArray() as number[][];
    expect(new Set(ks.map((k) => k.join())).size).toBe(8);
  });

  it('permutation(key, x) shuffles rows in the order of permutation(key, n); every ordering is equally likely', () => {
    const x = w.tensor([[0, 10], [1, 11], [2, 12], [3, 13], [4, 14]]);
    const order = Array.from(w.random.permutation(key, 5).data());
    expect(w.random.permutation(key, x).toArray()).toEqual(order.map((i) => [i, 10 + i]));
    // 4! = 24 orderings of 4 items over 4800 keys (one program under vmap): χ² with 23 degrees of freedom
    const n = 4800, perms = w.vmap((k: T) => w.random.permutation(k, 4))(w.random.split(key, n)).toArray() as number[][];
    const counts = new Map<string, number>();
    for (const p of perms) counts.set(p.join(), (counts.get(p.join()) ?? 0) + 1);
    expect(counts.size).toBe(24);
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - n / 24) ** 2 / (n / 24), 0);
    expect(chi2).toBeLessThan(49.7);   // the 0.999 quantile of χ²(23)
  });

  it('invalid keys are ERR_ARG eager, traced and compiled', () => {
    const bad = w.tensor([1.5, 3]);
    const err = expect.objectContaining({ code: 'ERR_ARG' });
    expect(() => w.random.normal(bad, [2])).toThrow(err);
    const p = w.compile((k: T) => w.random.uniform(k, [2]), key);
    expect(() => p.value(w.tensor([-1, 0]))).toThrow(err);
    expect(() => p.value(w.tensor([0, 2 ** 32]))).toThrow(err);
    expect(() => w.random.normal(w.tensor([1, 2, 3]), [2])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(backend).toBeTruthy();
  });
});

it('the same bits at every SIMD level as the TS backend (the transforms are elementary operations, never FMA-contracted)', () => {
  const addon = _addon();
  if (!addon) return;
  const key = w.random.key(7), initial = addon.simdInfo().level;
  const draw = (k: T) => [w.random.normal(k, [4097]), w.random.uniform(k, [33]), w.random.bits(k, [5])];
  w.setBackend('ts');
  const want = draw(key).map(bits);
  try {
    w.setBackend('native');
    for (const level of addon.simdInfo().supported) {
      expect(addon.setSimd(level)).toBe(true);
      const p = w.compile(draw, key);   // a fresh program decodes at this level
      expect(p.value(key).map(bits), level).toEqual(want);
    }
  } finally { addon.setSimd(initial); w.setBackend('ts'); }
});
