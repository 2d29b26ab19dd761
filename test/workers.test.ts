// worker_threads: each thread loads its own addon instance and runs compiled programs (sync and
// async) with the main thread's results; terminating a worker while its async evaluations run on
// the thread pool leaves the process alive and able to run programs.
import { it, expect } from 'vitest';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

// tsx's ESM entry (require.resolve finds the CommonJS one, which cannot register from a worker)
const TSX_API = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
const INDEX = new URL('../src/index.ts', import.meta.url).href;

/** worker code (CommonJS, eval'd): loads wengert's TS sources, then runs `body` (async, gets w and workerData) */
const workerCode = (body: string) => `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  (await import(${JSON.stringify(TSX_API)})).register();
  const w = await import(${JSON.stringify(INDEX)});
  ${body}
})().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));
`;

const ROSEN = `
  const rosen = (n) => (x) => {
    const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
    return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
  };
  const input = (n, k) => Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i + k));
`;

function firstMessage<T>(wk: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    wk.once('message', (m) => (m && m.error ? reject(new Error(m.error)) : resolve(m)));
    wk.once('error', reject);
  });
}

const rosenN = (n: number) => (x: w.Tensor) => {
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
};
const input = (n: number, k: number) => Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i + k));
const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, 2 * a.length));

describeBackends('worker threads', (backend) => {
  it('two workers compile and run programs (sync and async) with the main thread\'s results', async () => {
    const n = 5000;
    const code = workerCode(`${ROSEN}
      w.setBackend(workerData.backend);
      const p = w.compile(rosen(${n}), input(${n}, 0));
      const out = [];
      for (let k = 0; k < 3; k++) {
        const [v, g] = p.valueAndGrad(input(${n}, k));
        const [va, ga] = await p.valueAndGradAsync(input(${n}, k));
        out.push({ v, g, va, ga });
      }
      parentPort.postMessage({ out, info: w.nativeInfo(), backend: w.getBackend() });
    `);
    const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: { backend } }));
    try {
      const replies = await Promise.all(workers.map((wk) => firstMessage<{ out: { v: number; g: Float64Array; va: number; ga: Float64Array }[]; info: w.NativeInfo; backend: string }>(wk)));
      const p = w.compile(rosenN(n), input(n, 0));
      for (const r of replies) {
        expect(r.backend).toBe(backend);
        expect(r.info.available).toBe(w.nativeInfo().available);
        r.out.forEach(({ v, g, va, ga }, k) => {
          const [v0, g0] = p.valueAndGrad(input(n, k)) as [number, Float64Array];
          expect(v).toBe(v0);
          expect(va).toBe(v0);
          expect(bits(g)).toEqual(bits(g0));
          expect(bits(ga)).toEqual(bits(g0));
        });
      }
    } finally {
      await Promise.all(workers.map((wk) => wk.terminate()));
    }
  });

  it('terminating a worker during long async evaluations does not crash the process', async () => {
    const n = 1_000_000;
    // three programs, 20 W1-sized evaluations each, all in flight when the parent terminates it
    const code = workerCode(`${ROSEN}
      w.setBackend(workerData.backend);
      const x = input(${n}, 0);
      const ps = [0, 1, 2].map(() => w.compile(rosen(${n}), x));
      const all = [];
      for (let i = 0; i < 20; i++) for (const p of ps) all.push(p.valueAndGradAsync(x));
      parentPort.postMessage('started');
      await Promise.all(all);
      parentPort.postMessage('finished');
    `);
    for (const delay of [0, 5, 30]) {
      const wk = new Worker(code, { eval: true, workerData: { backend } });
      expect(await firstMessage(wk)).toBe('started');
      await new Promise((r) => setTimeout(r, delay));
      await wk.terminate();
    }
    // the parent still runs programs, sync and async
    const m = 10_000, x = input(m, 3);
    const p = w.compile(rosenN(m), x);
    const [v, g] = p.valueAndGrad(x) as [number, Float64Array];
    const [va, ga] = await p.valueAndGradAsync(x);
    expect(va).toBe(v);
    expect(bits(ga)).toEqual(bits(g));
    expect(v).toBeGreaterThan(0);
  }, 240_000);   // three workers each compile 10⁶-value programs and run 60 of them: minutes on a loaded 2-core machine
});
