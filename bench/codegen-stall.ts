// The main thread while a program compiles (docs/compiled.md): the compiler runs in a child
// process, so what blocks the event loop is the work the tier does on the main thread between its
// awaits — a small program's cache lookup (the source generated and hashed on the main thread:
// codeSource; a larger one's is queued to the pool: codeSourceAsync), spawning the compiler,
// the cache's small file operations, attaching the object (codeAttach). Per workload, with an empty
// cache, the compiler at the lowest priority (the default) and at the normal one, interleaved:
// the tier's longest synchronous step (wall and the main thread's CPU time: the wall time of a
// preempted step is the machine's) and their sum (timestamps around every await of the build: the tier's
// lastSteps), the time to ready(), and the event loop's delay (monitorEventLoopDelay, 1 ms
// resolution) while `ready()` is awaited, beside the same monitor over an idle wait of the same
// length (the machine's own scheduling noise).
//   NODE_OPTIONS=--expose-gc npx tsx bench/codegen-stall.ts [--rounds 3] [--json out.json]
// (with --expose-gc the garbage of the interpreter's run is collected before each compile, so a
// collection the compile's first allocation would trigger is not counted as the tier's work)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { lastSteps, stepClock } from '../src/backends/native/codegen/tier.js';
import { compilePriority } from '../src/backends/native/codegen/compiler.js';
import { ALL, type WorkloadId } from './workloads.js';
import { table } from './timing.js';

const addon = loaded.addon;
if (!addon) throw new Error('the native addon is not loaded');
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
// the main thread's own CPU time (CLOCK_THREAD_CPUTIME_ID), free of the other threads' and of preemption
stepClock.cpu = () => addon.threadCpuMs();
const roundsAt = process.argv.indexOf('--rounds');
const rounds = roundsAt > 0 ? Number(process.argv[roundsAt + 1]) : 3;

/** the event loop's delay (ms: max, p99) while `during` runs, and the process's CPU ms meanwhile (the compiler's child excluded) */
async function delay(during: () => Promise<unknown>): Promise<{ max: number; p99: number; ms: number; cpu: number }> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now(), c0 = process.cpuUsage();
  await during();
  const ms = performance.now() - t0, cpu = cpuMs(process.cpuUsage(c0));
  h.disable();
  return { max: h.max / 1e6, p99: h.percentile(99) / 1e6, ms, cpu };
}

const rosen2 = (v: w.Tensor) => {
  const x = w.at(v, 0), y = w.at(v, 1);
  return w.add(w.square(w.sub(1, x)), w.mul(100, w.square(w.sub(y, w.square(x)))));
};
const cases: [string, (...a: any[]) => w.Tensor, w.Tree[]][] = [['Rosenbrock 2-D', rosen2, [new Float64Array([-1.2, 1])]]];
for (const id of ['W1', 'W3', 'W4', 'W2'] as WorkloadId[]) { const wl = ALL[id](); cases.push([`${id} ${wl.name}`, wl.f, wl.args]); }

interface Run { ms: number; maxStep: number; maxStepCpu: number; maxStepWhat: string; syncSum: number; p99: number; max: number; idleP99: number; idleMax: number; cpu: number }

/** one compile of f with an empty cache, the compiler at `nice` */
async function once(f: (...a: any[]) => w.Tensor, args: w.Tree[], nice: number, id: string): Promise<Run> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wengert-stall-'));
  process.env.WENGERT_CACHE_DIR = dir;
  compilePriority.nice = nice;
  w.setBackend('native', { codegen: 'off' });
  // recorded, differentiated, planned and run once before the monitor starts: only the compile is measured
  const q = w.compile(f, ...args);
  q.valueAndGrad(...args);
  (globalThis as { gc?: () => void }).gc?.();
  w.setBackend('native', { codegen: 'eager' });
  const compiling = await delay(async () => {
    if ((await q.ready()) !== 'compiled') throw new Error(`${id}: ${w.nativeInfo().codegen.reason}`);
  });
  w.setBackend('native', { codegen: 'off' });
  const steps = [...lastSteps];
  const idle = await delay(() => new Promise((r) => setTimeout(r, compiling.ms)));
  rmSync(dir, { recursive: true, force: true });
  q.dispose();
  const top = steps.reduce((a, b) => (b.sync > a.sync ? b : a));
  return { ms: compiling.ms, maxStep: top.sync, maxStepCpu: top.cpu, maxStepWhat: top.what, syncSum: steps.reduce((a, b) => a + b.sync, 0),
    p99: compiling.p99, max: compiling.max, idleP99: idle.p99, idleMax: idle.max, cpu: compiling.cpu };
}

const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows: (string | number)[][] = [];
const raw: object[] = [];
for (const [id, f, args] of cases) {
  const runs: Record<number, Run[]> = { 19: [], 0: [] };
  for (let k = 0; k < rounds; k++) for (const nice of k % 2 ? [0, 19] : [19, 0]) runs[nice].push(await once(f, args, nice, id));
  for (const nice of [19, 0]) {
    const r = runs[nice];
    raw.push({ id, nice, runs: r });
    const worst = r.reduce((a, b) => (b.maxStep > a.maxStep ? b : a));
    rows.push([id, nice, `${worst.maxStep.toFixed(2)} / ${worst.maxStepCpu.toFixed(2)} (${worst.maxStepWhat})`, mid(r.map((x) => x.syncSum)).toFixed(2), mid(r.map((x) => x.ms)).toFixed(0),
      mid(r.map((x) => x.p99)).toFixed(1), Math.max(...r.map((x) => x.max)).toFixed(1), mid(r.map((x) => x.idleP99)).toFixed(1), Math.max(...r.map((x) => x.idleMax)).toFixed(1)]);
  }
}
console.log(`main thread while compiling (empty cache), ms, ${rounds} compiles each (medians; maxima over them); load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${os.cpus().length} CPUs`);
console.log(table(['program', 'compiler nice', 'longest tier step, wall / CPU (max)', 'tier steps in all', 'ready()', 'delay p99', 'delay max', 'idle p99', 'idle max'], rows));
const at = process.argv.indexOf('--json');
if (at > 0) writeFileSync(process.argv[at + 1], JSON.stringify({ load: os.loadavg(), rows: raw }, null, 1));
