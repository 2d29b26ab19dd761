// Async evaluation of compiled programs: the same results as the sync calls (bit for bit), an
// event loop that keeps running (native: the libuv thread pool), inputs copied at the call,
// concurrent calls on one Program, guards checked after async runs.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { newtonSqrt } from './support/functions.js';
import { runOnBackend } from '../src/backends/index.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import { describeNative } from './native/support.js';
import { NativeProgram } from '../src/backends/native/program.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));

/** extended Rosenbrock Σ 100(x[i+1] − x[i]²)² + (1 − x[i])², whole-array ops (W1) */
const rosenN = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
const rosen2 = (x: w.Tensor) => {
  const a = w.at(x, 0), b = w.at(x, 1);
  return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)));
};
const rosen2Grad = (a: number, b: number) => [-400 * a * (b - a * a) - 2 * (1 - a), 200 * (b - a * a)];

/** every leaf of a result (number, Float64Array, Tensor, tree) as a flat list of numbers */
function leaves(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (x instanceof Float64Array) return Array.from(x);
  if (x instanceof w.Tensor) return Array.from(x.data());
  if (Array.isArray(x)) return x.flatMap(leaves);
  return Object.values(x as object).flatMap(leaves);
}
/** bitwise equality (Object.is: NaN equals NaN, 0 differs from −0) */
const expectSameBits = (a: unknown, b: unknown) => {
  const x = leaves(a), y = leaves(b);
  expect(x.length).toBe(y.length);
  const bad = x.findIndex((v, i) => !Object.is(v, y[i]));
  expect(bad, bad >= 0 ? `index ${bad}: ${x[bad]} vs ${y[bad]}` : '').toBe(-1);
};

describeBackends('async evaluation', (backend) => {
  it('valueAsync / gradAsync / valueAndGradAsync equal the sync calls bit for bit', async () => {
    const n = 5000;
    const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
    const p = w.compile(rosenN(n), x);
    expectSameBits(await p.valueAsync(x), p.value(x));
    expectSameBits(await p.gradAsync(x), p.grad(x));
    expectSameBits(await p.valueAndGradAsync(x), p.valueAndGrad(x));
    // a structured argument, a second (data) argument and a non-scalar value
    const mlp = (q: { W: w.Tensor; b: w.Tensor }, X: w.Tensor) => w.mean(w.square(w.tanh(w.add(w.matmul(X, q.W), q.b))));
    const q = { W: w.tensor(fill(12, (i) => Math.cos(i)), [4, 3]), b: new Float64Array([0.1, -0.2, 0.3]) };
    const X = w.tensor(fill(20, (i) => Math.sin(i)), [5, 4]);
    const pm = w.compile(mlp, q, X);
    const [v, g] = await pm.valueAndGradAsync(q, X);
    expectSameBits([v, g], pm.valueAndGrad(q, X));
    expect(g.b).toBeInstanceOf(Float64Array);   // gradients mirror argument 0's leaves
    expect(g.W).toBeInstanceOf(w.Tensor);
    const pv = w.compile((x: w.Tensor) => w.mul(x, x), new Float64Array([1, 2, 3]));
    expectSameBits(await pv.valueAsync(new Float64Array([3, -1, 0.5])), [9, 1, 0.25]);
  });

  it('a timer keeps firing during 20 long async evaluations (W1, n = 10⁶)', async () => {
    const n = 1_000_000;
    const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
    const p = w.compile(rosenN(n), x);
    const [v0, g0] = p.valueAndGrad(x) as [number, Float64Array];
    let ticks = 0;
    const timer = setInterval(() => { ticks++; }, 1);
    const results: [number, Float64Array][] = [];
    try {
      if (backend === 'native') {
        // all 20 in flight at once: the main thread only queues them
        results.push(...(await Promise.all(Array.from({ length: 20 }, () => p.valueAndGradAsync(x)))));
        expect(ticks).toBeGreaterThanOrEqual(20);
      } else {
        // the TS backend runs on the main thread: the loop turns between evaluations
        for (let i = 0; i < 20; i++) results.push(await p.valueAndGradAsync(x));
        expect(ticks).toBeGreaterThanOrEqual(10);
      }
    } finally { clearInterval(timer); }
    for (const [v, g] of results) { expect(v).toBe(v0); expectSameBits(g, g0); }
  });

  it('100 concurrent async calls on one Program are all correct', async () => {
    const p = w.compile(rosen2, new Float64Array([0, 0]));
    const xs = Array.from({ length: 100 }, (_, i) => new Float64Array([Math.sin(i) * 1.5, Math.cos(3 * i)]));
    const calls = xs.map((x, i) => (i % 3 === 0 ? p.valueAsync(x) : p.valueAndGradAsync(x)));
    const got = await Promise.all(calls);
    got.forEach((r, i) => {
      const [a, b] = xs[i];
      const value = 100 * (b - a * a) ** 2 + (1 - a) ** 2;
      if (i % 3 === 0) { expect((r as w.Tensor).item()).toBeCloseTo(value, 10); expectSameBits((r as w.Tensor).item(), p.value(xs[i]).item()); return; }
      const [v, g] = r as [number, Float64Array];
      expect(v).toBeCloseTo(value, 10);
      rosen2Grad(a, b).forEach((want, k) => expect(g[k]).toBeCloseTo(want, 9));
      expectSameBits(r, p.valueAndGrad(xs[i]));
    });
    expect(p.stats.retraces).toBe(0);
  });

  it('changing the input arrays after the call does not change the result', async () => {
    const n = 100_000;   // large inputs are read in place by the native program: the call must copy them
    const x = fill(n, (i) => Math.cos(i));
    const p = w.compile((q: { x: w.Tensor; s: w.Tensor }) => w.mul(w.sum(w.sin(q.x)), w.sum(q.s)), { x, s: [1, 2] });
    const s = [1, 2];
    const want = p.valueAndGrad({ x, s });
    const pending = p.valueAndGradAsync({ x, s });
    const small = new Float64Array([0.25, -0.5]);
    const p2 = w.compile(rosen2, small);
    const want2 = p2.grad(small);
    const pending2 = p2.gradAsync(small);
    x.fill(7); s[0] = 100; small.fill(3);
    expectSameBits(await pending, want);
    expectSameBits(await pending2, want2);
  });

  it('the ReverseDiff trap through gradAsync: guards are checked after the async run', async () => {
    const f = (x: w.Tensor) => (x.item() < 0 ? w.mul(x, 0) : x);
    const p = w.compile(f, -1.3);
    expect(await p.gradAsync(1.34)).toBe(1);   // first call on the other branch: re-recorded
    expect(p.stats.retraces).toBe(1);
    expect(p.stats.lastRetraceReason).toMatch(/changed from -1.3 to 1.34/);
    expect(await p.gradAsync(-1.3)).toBe(0);
    expect(await p.gradAsync(1.34)).toBe(1);
    expect(p.stats.retraces).toBe(1);
    expect(p.stats.paths).toBe(2);
    // an outcome guard (compare as a tensor): one path per side, concurrent calls on both sides
    const q = w.compile((x: w.Tensor) => (w.less(x, 0).item() ? w.mul(x, 0) : x), -1.3);
    const xs = Array.from({ length: 40 }, (_, i) => (i % 2 ? 1 : -1) * (i + 0.5));
    const gs = await Promise.all(xs.map((x) => q.gradAsync(x)));
    gs.forEach((g, i) => expect(g).toBe(xs[i] < 0 ? 0 : 1));
    expect(q.stats.paths).toBe(2);
    // sync calls interleaved with async ones
    const last = q.gradAsync(-2);
    expect(q.grad(-0.1)).toBe(0);
    expect(q.grad(0.1)).toBe(1);
    expect(await last).toBe(0);
  });

  it('a first call on the other branch re-records, sync or async (guards never defined by another input)', async () => {
    const f = (x: w.Tensor) => (w.less(x, 0).item() ? w.mul(x, 0) : x);
    const ps = w.compile(f, -1.3), pa = w.compile(f, -1.3);
    expect(ps.grad(1.34)).toBe(1);
    expect(await pa.gradAsync(1.34)).toBe(1);
    expect([ps.stats.retraces, pa.stats.retraces]).toEqual([1, 1]);
    expect(ps.grad(-2)).toBe(0);
    expect(await pa.gradAsync(-2)).toBe(0);
    expect([ps.stats.retraces, pa.stats.retraces]).toEqual([1, 1]);
    // a value read with several guards: the message names the one that changed
    const g = w.compile((x: w.Tensor) => (w.greater(w.sum(x), 0).item() && w.less(w.at(x, 1), 5).item() ? w.sum(w.square(x)) : w.sum(x)), new Float64Array([1, 2]));
    expect(g.grad(new Float64Array([1, 7]))).toEqual(new Float64Array([1, 1]));
    expect(g.stats.lastRetraceReason).toMatch(/'less' f64\[\] changed from 1 to 0/);
  });

  it('a Newton square root with value-dependent iteration counts, async', async () => {
    const nsqrt = newtonSqrt;
    const p = w.compile(nsqrt, 2);
    const as = [2, 100, 1e6, 0.25, 2, 1e6];
    const got = await Promise.all(as.map((a) => p.valueAndGradAsync(a)));
    got.forEach(([v, g], i) => {
      expect(v).toBeCloseTo(Math.sqrt(as[i]), 12);
      expect(g).toBeCloseTo(0.5 / Math.sqrt(as[i]), 12);
    });
    expect(p.stats.retraces).toBeGreaterThan(0);
  });

  it('errors reject the promise (never a sync throw); the Program stays usable', async () => {
    const p = w.compile(rosen2, new Float64Array([1, 2]));
    let pending: Promise<unknown> | undefined;
    expect(() => { pending = p.gradAsync(new Float64Array(3)); }).not.toThrow();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_SIGNATURE' });
    // a bad gather index is the user's data: ERR_ARG from either backend
    const pg = w.compile((x: w.Tensor, i: w.Tensor) => w.sum(w.gather(x, i)), new Float64Array([1, 2, 3]), new Float64Array([0, 2]));
    await expect(pg.valueAsync(new Float64Array([1, 2, 3]), new Float64Array([0, 5]))).rejects.toMatchObject({ code: 'ERR_ARG' });
    expect(await pg.valueAsync(new Float64Array([1, 2, 3]), new Float64Array([2, 2])).then((t) => t.item())).toBe(6);
    // f throwing while re-recording
    const q = w.compile((x: w.Tensor) => { if (x.item() > 10) throw new RangeError('too big'); return w.square(x); }, 1);
    await expect(q.gradAsync(11)).rejects.toThrow('too big');
    expect(await q.gradAsync(3)).toBe(6);
    expect((await p.valueAsync(new Float64Array([1, 1]))).item()).toBe(0);
  });

  it('sync calls while async calls of the same Program are in flight', async () => {
    const n = 200_000;
    const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
    const p = w.compile(rosenN(n), x);
    const want = p.valueAndGrad(x);
    const pending = Array.from({ length: 4 }, () => p.valueAndGradAsync(x));
    expectSameBits(p.valueAndGrad(x), want);   // waits for the running evaluation, then runs
    for (const r of await Promise.all(pending)) expectSameBits(r, want);
  });

  it('a program with an opaque function (JS code) runs async on the main thread', async () => {
    const cube = w.opaque((v) => v.map((t) => t ** 3), { shape: (s) => s, vjp: (g, { inputs }) => [w.mul(g, w.mul(3, w.square(inputs[0])))] });
    const p = w.compile((x: w.Tensor) => w.sum(cube(w.sin(x))), new Float64Array([0.1, 0.2]));
    const x = new Float64Array([0.3, -1.2]);
    expectSameBits(await p.valueAndGradAsync(x), p.valueAndGrad(x));
  });

  it('gradInto writes the result into the caller arrays, also when they overlap an input', () => {
    const n = 1000;
    const x = fill(n, (i) => 0.5 + 0.4 * Math.sin(i));
    const p = w.compile(rosenN(n), x);
    const want = p.grad(x) as Float64Array;
    const out = new Float64Array(n);
    expect(p.valueAndGradInto(out, x)).toBe(p.value(x).item());
    expectSameBits(out, want);
    const y = x.slice();
    expect(p.gradInto(y, y)).toBe(y);   // the input itself as the output
    expectSameBits(y, want);
  });
});

describeNative('async evaluation (native internals)', () => {
  const graphOf = (f: (x: w.Tensor) => w.Tensor, x: Float64Array) => {
    const tr = traceFunction(f, [x], 'test');
    return vjpGraph(tr.graph, [0], tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null)));
  };

  it('runOnBackend with outputs writes straight into them (the arrays returned are those given)', () => {
    w.setBackend('native');
    try {
      const n = 4096;
      const x = fill(n, (i) => Math.sin(i));
      const g = graphOf(rosenN(n), x);
      const outs = g.outputs.map((v) => new Float64Array(g.shapes[v].reduce((a, b) => a * b, 1)));
      const got = runOnBackend(g, [x], outs);
      got.forEach((a, k) => expect(a).toBe(outs[k]));
      const fresh = runOnBackend(g, [x]);
      fresh.forEach((a, k) => expectSameBits(a, outs[k]));
    } finally { w.setBackend('ts'); }
  });

  it('dispose during an async run: the program lives until the run ends, later calls are refused', async () => {
    const n = 300_000;
    const x = fill(n, (i) => Math.cos(i));
    const { _addon } = await import('../src/backends/index.js');
    const prog = new NativeProgram(_addon()!, graphOf(rosenN(n), x));
    const want = prog.run([x]);
    const pending = [prog.runAsync([x]), prog.runAsync([x])];
    prog.dispose();
    expect(() => prog.run([x])).toThrow(/disposed/);
    for (const got of await Promise.all(pending)) got.forEach((a, k) => expectSameBits(a, want[k]));
    await expect(prog.runAsync([x])).rejects.toMatchObject({ code: 'ERR_NATIVE', message: expect.stringMatching(/disposed/) });
  });

  it('the check backend compares async native results with the TS interpreter', async () => {
    w.setBackend('check');
    try {
      const x = fill(3000, (i) => 0.5 + 0.4 * Math.sin(i));
      const p = w.compile(rosenN(3000), x);
      const [v, g] = await p.valueAndGradAsync(x);
      expect(v).toBe(p.value(x).item());
      expect((g as Float64Array).length).toBe(3000);
    } finally { w.setBackend('ts'); }
  });
});
