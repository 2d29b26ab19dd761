// Concurrent evaluations of one Program: async calls run in parallel, each on an arena of its own
// from a bounded pool (src/backends/native/arena-pool.ts), with the bits of the sync path; guards
// and re-recording stay correct while calls on different branches are in flight.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { describeNative, addon } from './native/support.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import { NativeProgram } from '../src/backends/native/program.js';
import { ArenaPool, arenaPoolSize } from '../src/backends/native/arena-pool.js';
import { sameBits } from './support/bits.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));
const rosenN = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};

describeBackends('concurrent evaluations of one Program', () => {
  it('8 concurrent valueAndGradAsync calls on different inputs equal the sync calls bit for bit', async () => {
    const n = 20_000;
    const xs = Array.from({ length: 8 }, (_, k) => fill(n, (i) => 0.5 + 0.4 * Math.sin(i + k)));
    const p = w.compile(rosenN(n), xs[0]);
    const want = xs.map((x) => p.valueAndGrad(x) as [number, Float64Array]);
    const got = await Promise.all(xs.map((x) => p.valueAndGradAsync(x) as Promise<[number, Float64Array]>));
    got.forEach(([v, g], k) => {
      expect(Object.is(v, want[k][0]), `call ${k}: ${v} vs ${want[k][0]}`).toBe(true);
      expect(sameBits(g, want[k][1]), `call ${k}: gradient bits`).toBe(true);
    });
    // the known value at x = 1 (every term 0) among concurrent calls
    const ones = new Float64Array(n).fill(1);
    const [v1, g1] = (await Promise.all([p.valueAndGradAsync(ones), p.valueAndGradAsync(xs[3])]))[0] as [number, Float64Array];
    expect(v1).toBe(0);
    expect(g1.every((v) => v === 0)).toBe(true);
  });

  it('guards under concurrency: calls on both branches in flight at once each get their branch', async () => {
    // a value-dependent branch (read with item()): every call's guard decides which recording answers
    const f = (x: w.Tensor) => (w.sum(x).item() > 0 ? w.sum(w.square(x)) : w.sum(w.mul(w.exp(x), 3)));
    const pos = fill(64, (i) => 1 + Math.sin(i) / 2), neg = fill(64, (i) => -1 - Math.cos(i) / 2);
    const p = w.compile(f, pos);
    const calls = Array.from({ length: 12 }, (_, k) => (k % 3 === 0 ? neg : pos));
    const got = await Promise.all(calls.map((x) => p.valueAndGradAsync(x) as Promise<[number, Float64Array]>));
    got.forEach(([v, g], k) => {
      const x = calls[k];
      if (x === pos) {
        expect(v).toBeCloseTo(x.reduce((s, t) => s + t * t, 0), 10);
        g.forEach((gi, i) => expect(gi).toBe(2 * x[i]));
      } else {
        expect(v).toBeCloseTo(x.reduce((s, t) => s + 3 * Math.exp(t), 0), 10);
        g.forEach((gi, i) => expect(gi).toBeCloseTo(3 * Math.exp(x[i]), 14));
      }
    });
    // the negative branch was recorded once, not once per concurrent call
    expect(p.stats.paths).toBe(2);
    expect(p.stats.retraces).toBe(1);
    // and the sync path agrees bit for bit afterwards
    const [vs, gs] = p.valueAndGrad(neg) as [number, Float64Array];
    expect(Object.is(vs, got[0][0])).toBe(true);
    expect(sameBits(gs, got[0][1])).toBe(true);
  });

  it('an error in one concurrent call rejects that call only', async () => {
    const p = w.compile((x: w.Tensor) => w.sum(w.square(x)), new Float64Array(4));
    const ok = p.valueAsync(new Float64Array([1, 2, 3, 4]));
    const bad = p.valueAsync(new Float64Array(5));
    const ok2 = p.valueAsync(new Float64Array([1, 1, 1, 1]));
    await expect(bad).rejects.toMatchObject({ name: 'WengertError' });
    expect((await ok).item()).toBe(30);   // a compiled Tensor output stays a Tensor
    expect((await ok2).item()).toBe(4);
  });
});

describeNative('concurrent evaluations (native internals)', () => {
  const graphOf = (n: number) => {
    const x = new Float64Array(n);
    const tr = traceFunction(rosenN(n), [x], 'test');
    return vjpGraph(tr.graph, [0], tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null)));
  };

  it('the pool size follows the libuv thread pool (UV_THREADPOOL_SIZE, default 4, at most 16)', () => {
    expect(arenaPoolSize({})).toBe(4);
    expect(arenaPoolSize({ UV_THREADPOOL_SIZE: '2' })).toBe(2);
    expect(arenaPoolSize({ UV_THREADPOOL_SIZE: '64' })).toBe(16);
    expect(arenaPoolSize({ UV_THREADPOOL_SIZE: 'x' })).toBe(4);
  });

  it('concurrent calls use several arenas at once, never more than the pool size, and reuse them', async () => {
    const n = 200_000;
    const prog = new NativeProgram(addon!, graphOf(n));
    const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
    const want = prog.run([x]);
    const before = prog.nativeBytes;
    const got = await Promise.all(Array.from({ length: 10 }, () => prog.runAsync([x])));
    for (const outs of got) outs.forEach((a, k) => expect(sameBits(a, want[k])).toBe(true));
    const { made, peak } = prog.asyncArenas;
    expect(made).toBeLessThanOrEqual(ArenaPool.size);
    expect(made).toBeGreaterThan(1);
    expect(peak).toBe(made);
    const arenaBytes = (before - prog.nativeBytes) / -made;
    expect(arenaBytes).toBeGreaterThan(8 * n);   // each arena holds the program's buffers
    // a second round makes no new arena
    await Promise.all(Array.from({ length: 10 }, () => prog.runAsync([x])));
    expect(prog.asyncArenas.made).toBe(made);
    prog.dispose();
    expect(prog.nativeBytes).toBe(0);
  });

  it('a pool of one runs calls one at a time, in call order', async () => {
    const order: number[] = [];
    let live = 0, most = 0;
    const freed: ArrayBuffer[] = [];
    const pool = new ArenaPool(() => new ArrayBuffer(8), (a) => freed.push(a), 1);
    const job = (k: number) => pool.use(async () => {
      most = Math.max(most, ++live);
      await new Promise((r) => setTimeout(r, 2));
      order.push(k);
      live--;
      return k;
    });
    expect(await Promise.all([0, 1, 2, 3].map(job))).toEqual([0, 1, 2, 3]);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(most).toBe(1);
    expect(pool.made).toBe(1);
    let closed = false;
    pool.close(() => { closed = true; });
    expect(closed).toBe(true);
    expect(freed.length).toBe(1);
  });

  it('close() waits for evaluations in flight and for those waiting for an arena', async () => {
    const freed: ArrayBuffer[] = [];
    const pool = new ArenaPool(() => new ArrayBuffer(16), (a) => freed.push(a), 2);
    const slow = () => pool.use(() => new Promise<number>((r) => setTimeout(() => r(1), 5)));
    const calls = [slow(), slow(), slow()];
    let closed = false;
    pool.close(() => { closed = true; });
    expect(closed).toBe(false);
    expect(await Promise.all(calls)).toEqual([1, 1, 1]);
    expect(closed).toBe(true);
    expect(freed.length).toBe(2);
    expect(pool.bytes).toBe(0);
  });

  it('an arena that could not be made rejects that call and leaves the pool usable', async () => {
    let fail = true;
    const pool = new ArenaPool(() => { if (fail) throw new Error('no memory'); return new ArrayBuffer(8); }, () => {}, 2);
    await expect(pool.use(async () => 1)).rejects.toThrow('no memory');
    fail = false;
    expect(await pool.use(async () => 2)).toBe(2);
    expect(pool.made).toBe(1);
  });
});
