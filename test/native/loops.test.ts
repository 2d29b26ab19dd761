// Loops on the native executor (issue 14 item 5): every loop program of test/loops.test.ts and
// test/reroll.test.ts (test/native/loop-programs.ts) runs as ONE native program — its bodies run by
// the executor, no JS segment — with the TS backend's bits where the program is IEEE-exact
// arithmetic and within a few ulps where it calls sin/tanh/exp; whileLoop's maxIterations and
// bad gather indices inside bodies raise the TS kernels' ERR_ARG; 0-d bodies run in the tight
// scalar loop; async evaluations and worker threads run loops too.
import { it, expect, afterAll } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as w from '../../src/index.js';
import { backendRuns, nativeRefusal } from '../../src/backends/index.js';
import { programFor } from '../../src/backends/native/programs.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { tsPlan } from '../../src/plan/plan.js';
import { sizeOf } from '../../src/core/shape.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { reroll } from '../../src/plan/reroll.js';
import type { Graph } from '../../src/core/graph.js';
import { ode } from '../../bench/workloads.js';
import { describeNative, closeArrays } from './support.js';
import { LOOP_PROGRAMS, type LoopProgram } from './loop-programs.js';

type T = w.Tensor;
const flat = (x: unknown): number[] => (typeof x === 'number' ? [x] : x instanceof Float64Array ? Array.from(x)
  : x instanceof w.Tensor ? flat(x.toArray()) : Array.isArray(x) ? x.flatMap(flat) : x && typeof x === 'object' ? Object.values(x).flatMap(flat) : []);
const bits = (xs: number[]) => xs.map((v) => (Object.is(v, -0) ? '-0' : v.toString(16))).join(',');

/** f's results (value and gradients, Hessian when asked) on `backend`, and the runs it made */
function results(p: LoopProgram, backend: 'ts' | 'native'): { values: number[]; runs: ReturnType<typeof backendRuns> } {
  w.setBackend(backend);
  const before = backendRuns();
  const argnums = p.args.map((_, i) => i);
  const values = flat([w.valueAndGrad(p.f, { argnums })(...p.args), p.second ? w.hessian(p.f)(...p.args) : null]);
  const after = backendRuns();
  return { values, runs: { ts: after.ts - before.ts, native: after.native - before.native, segmented: after.segmented - before.segmented } };
}

/** the rolled forward graph of p and its value-and-gradient graph */
function graphsOf(p: LoopProgram): { fwd: Graph; grad: Graph; inputs: Float64Array[] } {
  const tr = traceFunction(p.f, p.args, 'test');
  const fwd = reroll(tr.graph).graph;
  return { fwd, grad: vjpGraph(fwd, fwd.inputs.map((_, i) => i), ['ones']), inputs: tr.inputs.map((t: T) => t._data!) };
}

const err = (code: string, re: RegExp) => expect.objectContaining({ code, message: expect.stringMatching(re) });

describeNative('loop programs run natively', (addon) => {
  afterAll(() => w.setBackend('native'));

  for (const p of LOOP_PROGRAMS) {
    it(`${p.name}: one native program per evaluation, ${p.exact ? 'the TS bits' : 'within a few ulps of TS'}`, () => {
      const want = results(p, 'ts'), got = results(p, 'native');
      expect(got.runs.native).toBeGreaterThan(0);
      expect(got.runs.segmented, 'a JS segment ran').toBe(0);
      expect(got.runs.ts, 'the TS backend ran').toBe(0);
      if (p.exact) expect(bits(got.values)).toBe(bits(want.values));
      else expect(closeArrays(Float64Array.from(want.values), Float64Array.from(got.values), 1e-13, 1e-15)).toBeNull();
      // the graphs hold loop equations and the addon takes them whole
      const { fwd, grad } = graphsOf(p);
      expect(grad.eqns.some((e) => ['scan', 'whileLoop', 'whileVjp'].includes(e.op.name))).toBe(true);
      for (const g of [fwd, grad]) expect(programFor(addon, g)).not.toBeNull();
    });
  }

  it('compiled programs replay loops natively (valueAndGrad, hvp, async) with the TS bits', async () => {
    const W3 = ode(200);
    w.setBackend('ts');
    const pt = w.compile(W3.f, ...W3.args);
    const want = [pt.valueAndGrad(...W3.args), pt.hvp(W3.args[0], [1, 0, -1, 2])];
    w.setBackend('native');
    const pn = w.compile(W3.f, ...W3.args);
    const before = backendRuns();
    const got = [pn.valueAndGrad(...W3.args), pn.hvp(W3.args[0], [1, 0, -1, 2]), await pn.valueAndGradAsync(...W3.args)];
    expect(backendRuns().segmented).toBe(before.segmented);
    expect(backendRuns().native - before.native).toBeGreaterThanOrEqual(3);
    expect(pn.stats.loops).toBeGreaterThanOrEqual(1);
    expect(pn.stats.backend).toBe('native');
    expect(bits(flat(got[0]))).toBe(bits(flat(want[0])));
    expect(bits(flat(got[1]))).toBe(bits(flat(want[1])));
    expect(bits(flat(got[2]))).toBe(bits(flat(want[0])));
  });

  it('0-d bodies (W3) run in the tight scalar loop: every body is one block of scalar instructions', () => {
    const W3 = ode(50);
    const { fwd, grad } = graphsOf({ name: 'W3', f: W3.f as (p: T) => T, args: W3.args, exact: true });
    for (const g of [fwd, grad]) {
      const info = programFor(addon, g)!.info();
      expect(info.bodies.length).toBeGreaterThanOrEqual(g === fwd ? 1 : 2);
      for (const b of info.bodies) { expect(b.steps).toBe(1); expect(b.scalarOps).toBeGreaterThan(10); }
    }
  });

  it('a loop whose body calls an opaque (JS) function runs as a JS segment between native stretches', () => {
    const twice = w.opaque((v) => v.map((t) => t * 2), { shape: (s) => s, vjp: (g) => [w.mul(g, 2)] });
    const f = (x: T) => w.sum(w.exp(w.scan((c: T) => [twice(w.sin(c)), null], w.mul(x, 0.1), null, { length: 3 })[0] as T));
    const want = (w.setBackend('ts'), flat(w.valueAndGrad(f)([0.3, 0.2])));
    w.setBackend('native');
    const before = backendRuns();
    const got = flat(w.valueAndGrad(f)([0.3, 0.2]));
    expect(backendRuns().segmented).toBeGreaterThan(before.segmented);
    expect(closeArrays(Float64Array.from(want), Float64Array.from(got), 1e-13, 1e-15)).toBeNull();
  });

  it("the 'check' backend runs loop programs natively and finds no mismatch", () => {
    w.setBackend('check');
    for (const p of LOOP_PROGRAMS.slice(0, 12)) expect(() => w.valueAndGrad(p.f, { argnums: p.args.map((_, i) => i) })(...p.args)).not.toThrow();
    w.setBackend('native');
  });

  it('a scan longer than the Int32 words hold is left to the TS backend (a refusal, not an error)', () => {
    const f = (x: T) => w.scan((c: T) => [w.add(c, 1), null], x, null, { length: 2 ** 31 })[0] as T;
    const g = traceFunction(f, [0], 'test').graph;
    expect(nativeRefusal(g)).toMatch(/a scan of 2147483648 iterations/);
  });

  it('one image, two arenas: a loop running on the thread pool and one on the main thread stay independent', async () => {
    const { grad, inputs } = graphsOf({ name: 'W3', f: ode(3000).f as (p: T) => T, args: ode(3000).args, exact: true });
    const { enc, consts } = encodeGraph(tsPlan(grad));
    const image = addon.decode(enc, consts) as ArrayBuffer;
    const a1 = addon.arena(image) as ArrayBuffer, a2 = addon.arena(image) as ArrayBuffer;
    const outs = () => grad.outputs.map((v) => new Float64Array(sizeOf(grad.shapes[v])));
    const other = inputs.map((x) => x.map((v) => v * 1.01));
    const want = [outs(), outs()];
    expect(addon.run(image, a1, inputs, want[0])).toBe(0);
    expect(addon.run(image, a1, other, want[1])).toBe(0);
    const pending = outs();
    const job = addon.runAsync(image, a2, inputs, pending);   // on the pool, arena a2
    for (let k = 0; k < 20; k++) { const o = outs(); expect(addon.run(image, a1, other, o)).toBe(0); expect(bits(flat(o))).toBe(bits(flat(want[1]))); }
    expect(await job).toBeNull();
    expect(bits(flat(pending))).toBe(bits(flat(want[0])));
  });

  it('many concurrent async evaluations of a loop program equal the sync ones', async () => {
    const p = LOOP_PROGRAMS.find((q) => q.name.startsWith('whileLoop inside'))!;
    w.setBackend('native');
    const prog = w.compile(p.f, ...p.args);
    const xs = Array.from({ length: 12 }, (_, k) => [0.5, 0.25, 1, 0.125].map((v) => v * (1 + k / 10)));
    const sync = xs.map((x) => flat(prog.valueAndGrad(x)));
    const async = await Promise.all(xs.map((x) => prog.valueAndGradAsync(x)));
    async.forEach((r, k) => expect(bits(flat(r))).toBe(bits(sync[k])));
  });
});

describeNative('loop errors on the native executor', () => {
  afterAll(() => w.setBackend('native'));
  const runaway = (x: T) => w.whileLoop((y: T) => w.greater(y, 0), (y: T) => w.add(y, 1), x, { maxIterations: 10 }) as T;
  const cases: [string, (x: T) => T][] = [
    ['whileLoop', runaway],
    ['whileLoop inside a scan body', (x: T) => w.scan((c: T) => [w.add(c, runaway(c)), null], x, null, { length: 3 })[0] as T],
    ['whileLoop inside a whileLoop body', (x: T) => w.whileLoop((s: T) => w.less(s, 3), (s: T) => w.add(s, w.add(1, w.mul(0.5, runaway(x)))), w.tensor(0)) as T],
  ];

  it('a whileLoop past maxIterations is the TS kernel\'s ERR_ARG, at any depth, in both modes', () => {
    for (const [name, f] of cases) {
      const ok = (['ts', 'native'] as const).map((backend) => {
        w.setBackend(backend);
        expect(() => w.grad(f)(1), `${name} ${backend}`).toThrow(err('ERR_ARG', /^whileLoop: the loop did not end within maxIterations = 10 iterations$/));
        const p = w.compile(f, -1);   // recorded where the loop ends at once
        expect(() => p.value(1), `${name} ${backend}`).toThrow(err('ERR_ARG', /^whileLoop: the loop did not end within maxIterations = 10 iterations$/));
        expect(() => p.valueAndGrad(1), `${name} ${backend}`).toThrow(err('ERR_ARG', /^whileLoop: the loop did not end within maxIterations = 10 iterations$/));
        return flat([p.value(-1), p.valueAndGrad(-0.5)]);   // the program (and its arena) still runs
      });
      expect(bits(ok[1]), name).toBe(bits(ok[0]));
    }
  });

  it('the error also comes back from async evaluations', async () => {
    w.setBackend('native');
    const p = w.compile(runaway, -1);
    await expect(p.valueAndGradAsync(5)).rejects.toThrow(err('ERR_ARG', /maxIterations = 10/));
    expect((await p.valueAndGradAsync(-2))[1]).toBe(1);
  });

  it('bad gather indices inside a loop body are the TS kernel\'s ERR_ARG', () => {
    const f = (x: T, idx: T) => w.sum(w.scan((c: T, i: T) => [w.add(c, w.gather(x, w.reshape(i, [1]), 0)), c], w.tensor([0]), idx)[1] as T);
    const msgs = (['ts', 'native'] as const).map((backend) => {
      w.setBackend(backend);
      const p = w.compile(f, [1, 2, 3], [0, 1]);
      expect(p.value([1, 2, 3], [2, 0]).item()).toBe(3);
      try { p.valueAndGrad([1, 2, 3], [0, 3]); } catch (e) { return [(e as w.WengertError).code, (e as Error).message]; }
      return null;
    });
    expect(msgs[0]).toEqual(['ERR_ARG', 'gather: expected integer indices in [0, 3) but received 3 at position 0']);
    expect(msgs[1]).toEqual(msgs[0]);
  });
});

describeNative('loop memory', () => {
  afterAll(() => w.setBackend('native'));
  const longScan = (n: number, checkpoint: 'none' | 'sqrt') => (p: T) => {
    const [c] = w.scan((c: T) => [w.add(w.mul(w.sin(c), p), 0.01), null], w.mul(p, 0.5), null, { length: n, checkpoint });
    return w.sum(c as T);
  };
  const p0 = Float64Array.from({ length: 64 }, (_, i) => 0.9 + 0.001 * i);

  it("stats.memoryBytes counts the bodies' regions; checkpoint 'sqrt' holds far less than 'none'", () => {
    w.setBackend('native');
    const bytes = (ck: 'none' | 'sqrt') => {
      const p = w.compile(longScan(20_000, ck), p0);
      const g = p.valueAndGrad(p0);
      return { bytes: p.stats.memoryBytes, g: flat(g) };
    };
    const none = bytes('none'), sqrt = bytes('sqrt');
    expect(bits(sqrt.g)).toBe(bits(none.g));                 // the same bits
    expect(none.bytes).toBeGreaterThan(20_000 * 64 * 8);     // every iteration's residuals
    expect(none.bytes / sqrt.bytes).toBeGreaterThan(20);
  });

  it("whileVjp's run-time tape grows to the trip count (10⁵ iterations)", () => {
    const f = (a: T) => w.whileLoop((s: { k: T; x: T }) => w.less(s.k, 100_000),
      (s: { k: T; x: T }) => ({ k: w.add(s.k, 1), x: w.add(w.mul(s.x, 0.99999), w.mul(a, 1e-5)) }), { k: 0, x: a }).x as T;
    const want = (w.setBackend('ts'), w.valueAndGrad(f)(0.5));
    const got = (w.setBackend('native'), w.valueAndGrad(f)(0.5));
    expect(bits(flat(got))).toBe(bits(flat(want)));
  });
});

// tsx's ESM entry (as test/workers.test.ts)
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const INDEX = new URL('../../src/index.ts', import.meta.url).href;
const WORKLOADS = new URL('../../bench/workloads.ts', import.meta.url).href;

describeNative('loops in worker threads', () => {
  it('workers compile and run rolled W3 (sync and async) with the main thread\'s bits', async () => {
    const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  (await import(${JSON.stringify(TSX_API)})).register();
  const w = await import(${JSON.stringify(INDEX)});
  const { ode } = await import(${JSON.stringify(WORKLOADS)});
  w.setBackend('native');
  const W = ode(300);
  const p = w.compile(W.f, ...W.args);
  const [v, g] = p.valueAndGrad(...W.args);
  const [va, ga] = await p.valueAndGradAsync(...W.args);
  parentPort.postMessage({ v, g: Array.from(g), va, ga: Array.from(ga), loops: p.stats.loops, backend: p.stats.backend });
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const W3 = ode(300);
    w.setBackend('native');
    const [v, g] = w.compile(W3.f, ...W3.args).valueAndGrad(...W3.args) as [number, Float64Array];
    const run = () => new Promise<any>((resolve, reject) => {
      const wk = new Worker(code, { eval: true });
      wk.once('message', (m) => { void wk.terminate(); if (m.error) reject(new Error(m.error)); else resolve(m); });
      wk.once('error', reject);
    });
    for (const m of await Promise.all([run(), run()])) {
      expect(m.loops).toBeGreaterThanOrEqual(1);
      expect(m.backend).toBe('native');
      expect(bits([m.v, ...m.g])).toBe(bits([v, ...g]));
      expect(bits([m.va, ...m.ga])).toBe(bits([v, ...g]));
    }
  });
});
