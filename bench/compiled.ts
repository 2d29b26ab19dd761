// The compiled tier vs the interpreter (docs/compiled.md): value + gradient medians of W1–W4 and
// the tiny 2-D Rosenbrock on each tier in one process, the hand-written JS beside them and, for W1
// and W3, hand-written C (bench/hand-native.c, compiled here as a Node-API module and timed in the
// same rounds); W1 also into a caller-owned gradient array (as the C does); compile time, time to ready
// from the disk cache (5 fresh Programs per workload: median and slowest, with the slowest's steps),
// and the event loop's delay while compiling. --pool-lookup: every cache lookup on a libuv pool
// thread (otherwise a small program looks its object up on the main thread), to compare.
//   npx tsx bench/compiled.ts [--quick] [--json out.json] [--only W1,W3] [--pool-lookup]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { HAND } from './hand.js';
import { lastSteps, stepClock, syncLookup } from '../src/backends/native/codegen/tier.js';
import { loaded } from '../src/backends/native/loader.js';
import { PerformanceObserver } from 'node:perf_hooks';
import { median, fmt, table } from './timing.js';

const quick = process.argv.includes('--quick');
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt > 0 ? process.argv[onlyAt + 1].split(',') : null;
if (process.argv.includes('--pool-lookup')) syncLookup.maxImageBytes = -1;
const HITS = quick ? 3 : 5;
// a hit's steps also carry the main thread's own CPU (CLOCK_THREAD_CPUTIME_ID) and the V8 collections that ran during the hit
if (loaded.addon) { const a = loaded.addon; stepClock.cpu = () => a.threadCpuMs(); }
const gcs: { start: number; ms: number }[] = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push({ start: e.startTime, ms: e.duration }); }).observe({ entryTypes: ['gc'] });
const dir = mkdtempSync(path.join(os.tmpdir(), 'wengert-bench-cache-'));
process.env.WENGERT_CACHE_DIR = path.join(dir, 'cache');  // an empty cache: "compile" compiles, the second Program hits
// hand-written C as a Node-API module of its own (bench/hand-native.c), called like the others
const handMod = path.join(dir, 'hand-native.node');
const nodeInclude = [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node'].find((d) => existsSync(path.join(d, 'node_api.h')));
execFileSync('cc', ['-O3', '-march=native', '-fopenmp-simd', '-shared', '-fPIC', `-I${nodeInclude}`, fileURLToPath(new URL('hand-native.c', import.meta.url)), '-o', handMod, '-lm']);
const handC = createRequire(import.meta.url)(handMod) as { w1(x: Float64Array, g: Float64Array): number; w3(p: Float64Array, g: Float64Array): number };

/** median ms per call after ≥ 300 ms of warm-up; calls under 50 µs are timed in batches (one clock read per batch) */
function timeCall(f: () => unknown): number {
  for (const t0 = performance.now(); performance.now() - t0 < (quick ? 100 : 300);) f();  // JIT warm-up
  const once = median(f, 5, quick ? 150 : 400);
  if (once > 0.05) return once;
  const batch = Math.min(20_000, Math.ceil(1 / Math.max(once, 1e-4)));
  return median(() => { for (let i = 0; i < batch; i++) f(); }, 7, quick ? 200 : 600) / batch;
}

interface Row {
  id: string; interp: number; compiled: number; hand: number | null; handC: number | null; compileMs: number; hitMs: number; hitMaxMs: number; hitSteps: string; maxDelayMs: number;
}
interface Extra { hand?: () => unknown; handC?: () => unknown; into?: Float64Array }

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

async function measure(id: string, f: (...a: any[]) => w.Tensor, args: w.Tree[], x: Extra): Promise<Row> {
  w.setBackend('native', { codegen: 'off' });
  const p = w.compile(f, ...args);  // stays on the interpreter
  p.valueAndGrad(...args);
  w.setBackend('native', { codegen: 'eager' });
  const q = w.compile(f, ...args);
  q.valueAndGrad(...args);
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const tier = await q.ready();
  const compileMs = performance.now() - t0;
  h.disable();
  if (tier !== 'compiled') throw new Error(`${id} stayed on the interpreter: ${w.nativeInfo().codegen.reason}`);
  // the same program again in fresh Programs: their objects come from the disk cache
  const hits: { ms: number; steps: string }[] = [];
  for (let i = 0; i < HITS; i++) {
    const r = w.compile(f, ...args);
    r.valueAndGrad(...args);
    const t1 = performance.now();
    await r.ready();
    // where a hit's time goes: each await of the build (main-thread wall ms (its CPU) + wait ms; V8 collections during the hit)
    const t2 = performance.now();
    await new Promise((r) => setImmediate(r));   // the gc observer's entries of the hit arrive
    const gc = gcs.filter((g) => g.start >= t1 && g.start < t2).reduce((a, g) => a + g.ms, 0);
    hits.push({ ms: t2 - t1, steps: lastSteps.map((x) => `${x.what} ${x.sync.toFixed(2)}(${x.cpu.toFixed(2)})+${x.wait.toFixed(2)}`).join(', ') + (gc ? `; GC ${gc.toFixed(2)}` : '') });
    r.dispose();
  }
  const slowest = hits.reduce((a, b) => (b.ms > a.ms ? b : a));
  const hitMs = mid(hits.map((x) => x.ms)), hitMaxMs = slowest.ms, hitSteps = slowest.steps;
  w.setBackend('native', { codegen: 'off' });  // p stays on the interpreter (eager would compile it at its next call)
  // round-robin: a shared machine's load shifts between rounds, not between the systems of one round
  const ti: number[] = [], tc: number[] = [], th: number[] = [], tC: number[] = [];
  const into = x.into;
  for (let k = 0; k < (quick ? 3 : 7); k++) {
    ti.push(timeCall(into ? () => p.valueAndGradInto(into, ...args) : () => p.valueAndGrad(...args)));
    tc.push(timeCall(into ? () => q.valueAndGradInto(into, ...args) : () => q.valueAndGrad(...args)));
    if (x.hand) th.push(timeCall(x.hand));
    if (x.handC) tC.push(timeCall(x.handC));
  }
  return { id, interp: mid(ti), compiled: mid(tc), hand: x.hand ? mid(th) : null, handC: x.handC ? mid(tC) : null, compileMs, hitMs, hitMaxMs, hitSteps, maxDelayMs: h.max / 1e6 };
}

const rows: Row[] = [];
const rosen2 = (v: w.Tensor) => {
  const x = w.at(v, 0), y = w.at(v, 1);
  return w.add(w.square(w.sub(1, x)), w.mul(100, w.square(w.sub(y, w.square(x)))));
};
const v2 = new Float64Array([-1.2, 1]);
if (!only || only.includes('R2')) {
  rows.push(await measure('Rosenbrock 2-D', rosen2, [v2], { hand: () => {
    const x = v2[0], y = v2[1], t = y - x * x;
    return [(1 - x) ** 2 + 100 * t * t, new Float64Array([-2 * (1 - x) - 400 * x * t, 200 * t])];
  } }));
}
const gW1 = new Float64Array(1_000_000), gW3 = new Float64Array(4);
const HANDC: Partial<Record<WorkloadId, (inputs: any) => () => unknown>> = {
  W1: (i: { x: Float64Array }) => () => handC.w1(i.x, gW1),
  W3: (i: { p: Float64Array }) => () => handC.w3(i.p, gW3),
};
for (const id of ['W1', 'W3', 'W4', 'W2'] as WorkloadId[]) {
  if (only && !only.includes(id)) continue;
  const wl = ALL[id]();
  const hand = HAND[id] as { grad(inp: unknown): unknown };
  const handCall = HANDC[id]?.(wl.inputs);
  rows.push(await measure(`${id} ${wl.name}`, wl.f, wl.args, { hand: () => hand.grad(wl.inputs), handC: handCall }));
  if (id === 'W1') rows.push(await measure('W1 into (valueAndGradInto)', wl.f, wl.args, { handC: handCall, into: new Float64Array(1_000_000) }));
}
rmSync(dir, { recursive: true, force: true });
const simd = w.nativeInfo().simd;
console.log(`value + gradient, median ms (SIMD ${simd}, load ${os.loadavg()[0].toFixed(1)}); compile = ready() with an empty cache; cache hit = ready() of ${HITS} fresh Programs, median / max${syncLookup.maxImageBytes < 0 ? ' (--pool-lookup)' : ''}`);
console.log(table(['workload', 'interpreter', 'compiled', 'compiled/interp', 'hand JS', 'hand C', 'compiled/hand C', 'compile ms', 'cache hit ms', 'max loop delay ms'],
  rows.map((r) => [r.id, fmt(r.interp), fmt(r.compiled), (r.compiled / r.interp).toFixed(2), r.hand === null ? '—' : fmt(r.hand),
    r.handC === null ? '—' : fmt(r.handC), r.handC === null ? '—' : (r.compiled / r.handC).toFixed(2),
    r.compileMs.toFixed(0), `${r.hitMs.toFixed(1)} / ${r.hitMaxMs.toFixed(1)}`, r.maxDelayMs.toFixed(1)])));
console.log('the slowest cache hit, step by step (main-thread wall ms (its CPU) + wait ms; V8 collections during the hit):');
for (const r of rows) console.log(`  ${r.id}: ${r.hitMaxMs.toFixed(1)} ms = ${r.hitSteps}`);
const at = process.argv.indexOf('--json');
if (at > 0) (await import('node:fs')).writeFileSync(process.argv[at + 1], JSON.stringify({ simd, load: os.loadavg()[0], rows }, null, 1));
