// Native memory without finalizers: a native program is two ArrayBuffers (image, arena) that
// garbage collection frees like any other, so a synchronous loop that differentiates fresh
// closures stays flat (it grew by ~3.5 KB per program, +74 MB for 24 000, while Node-API
// finalizers waited for a turn of the event loop). Program.dispose() frees at once. Measured in a
// child process (--expose-gc) through RSS and ArrayBuffer bytes.
import { it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const INDEX = new URL('../src/index.ts', import.meta.url).href;
const BACKEND_INDEX = new URL('../src/backends/index.ts', import.meta.url).href;
const MB = 2 ** 20;

/** run an ES module body in a fresh node (tsx, --expose-gc) on `backend`; its last stdout line as JSON */
function child(backend: string, body: string): any {
  const code = `
    const w = await import(${JSON.stringify(INDEX)});
    const { backendRuns } = await import(${JSON.stringify(BACKEND_INDEX)});
    w.setBackend(${JSON.stringify(backend)});
    ${body}
    console.log(JSON.stringify({ nativeRuns: backendRuns().native }));`;
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const runs = JSON.parse(lines.pop()!).nativeRuns;
  if (backend === 'native') expect(runs, 'native backend did not run in the child').toBeGreaterThan(0);
  return JSON.parse(lines.pop()!);
}

describeBackends('fresh programs in a synchronous loop', (backend) => {
  it('20 000 fresh w.grad closures without yielding: RSS and ArrayBuffer bytes stay flat', () => {
    // no await anywhere in the loop: nothing may wait for the event loop to free memory
    const r = child(backend, `
      const x = new Float64Array([1, 2, 3]);
      const samples = [];
      for (let k = 0; k < 20000; k++) {
        const g = w.grad((t) => w.sum(w.mul(t, k)))(x);
        if (g[2] !== k) throw new Error('wrong gradient at ' + k);
        if (k % 2500 === 2499) { globalThis.gc(); globalThis.gc(); const m = process.memoryUsage(); samples.push({ rss: m.rss, ab: m.arrayBuffers }); }
      }
      console.log(JSON.stringify(samples));
    `);
    const s = r as { rss: number; ab: number }[];
    // gc() twice: V8 sweeps dead ArrayBuffers concurrently after a collection, so the byte count read
    // right after one gc() still holds up to ~15 MB of the last batch; the second gc() waits for it
    // steady state from the third sample (5 000 programs in): growth = mean of the last two samples
    // − mean of samples 3–4 (GC and allocator noise average out); finalizer-held programs grew
    // ~2.6 KB each (+30 MB here)
    const mean = (xs: typeof s, k: 'rss' | 'ab') => xs.reduce((t, v) => t + v[k], 0) / xs.length;
    const grow = (k: 'rss' | 'ab') => mean(s.slice(-2), k) - mean(s.slice(2, 4), k);
    expect(grow('rss'), JSON.stringify(s.map((v) => +(v.rss / MB).toFixed(1)))).toBeLessThan(12 * MB);
    // ~2 KB of image and arena per program: 30 MB if they were kept
    expect(grow('ab'), JSON.stringify(s.map((v) => +(v.ab / MB).toFixed(2)))).toBeLessThan(4 * MB);
  }, 180_000);   // a child process of 20 000 programs: ~20 s quiet, over 60 s at load 14

  it('Program.dispose() frees the native programs now; a disposed Program throws ERR_ARG', async () => {
    const n = 100_000;
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
    const p = w.compile((t: w.Tensor) => w.sum(w.square(w.sin(t))), x);
    const want = p.grad(x) as Float64Array;
    const pending = p.gradAsync(x);
    if (backend === 'native') expect(p.stats.memoryBytes).toBeGreaterThan(8 * n);
    p.dispose();
    expect(Array.from(await pending as Float64Array)).toEqual(Array.from(want));   // started before dispose: finishes
    expect(p.stats.memoryBytes).toBeLessThan(8 * n);   // only the closed-over data is left
    for (const call of [() => p.grad(x), () => p.value(x), () => p.valueAndGradInto(new Float64Array(n), x), () => p.hvp(x, x)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringMatching(/disposed/) }));
    }
    await expect(p.valueAsync(x)).rejects.toMatchObject({ code: 'ERR_ARG' });
    p.dispose();   // twice is fine
    const q = w.compile((t: w.Tensor) => w.sum(t), x);
    { using _q = q; expect(q.value(x).item()).toBeCloseTo(x.reduce((a, b) => a + b, 0), 9); }
    expect(() => q.value(x)).toThrow(/disposed/);
  });
});
