// The main thread while a program compiles (docs/compiled.md): the compiler runs in a child
// process, so what blocks the event loop is the work the tier does on the main thread — generating
// the C source (the addon's codeSource), hashing, the cache's small file operations and loading the
// object (codeAttach: dlopen). Per workload, with an empty cache: that synchronous work (timed
// around the addon calls: wall and process CPU time, the latter free of the shared machine's
// preemptions), and the event loop's delay (monitorEventLoopDelay, 1 ms resolution)
// while `ready()` is awaited, beside the same monitor over an idle wait of the same length (the
// machine's own scheduling noise).
//   NODE_OPTIONS=--expose-gc npx tsx bench/codegen-stall.ts [--json out.json]
// (with --expose-gc the garbage of the interpreter's run is collected before each compile, so a
// collection the compile's first allocation would trigger is not counted as the tier's work)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { ALL, type WorkloadId } from './workloads.js';
import { table } from './timing.js';

const addon = loaded.addon;
if (!addon) throw new Error('the native addon is not loaded');
const sync = { source: 0, attach: 0, sourceCpu: 0, attachCpu: 0, bytes: 0 };
const cpuMs = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;
/** f timed: wall ms and process CPU ms added to sync[wall], sync[cpu] */
function timed<T>(f: () => T, wall: 'source' | 'attach', cpu: 'sourceCpu' | 'attachCpu'): T {
  const c0 = process.cpuUsage(), t0 = performance.now();
  const r = f();
  sync[wall] += performance.now() - t0;
  sync[cpu] += cpuMs(process.cpuUsage(c0));
  return r;
}
const codeSource = addon.codeSource.bind(addon), codeAttach = addon.codeAttach.bind(addon);
addon.codeSource = (image) => {
  const s = timed(() => codeSource(image), 'source', 'sourceCpu');
  if (typeof s === 'string') sync.bytes = s.length;
  return s;
};
addon.codeAttach = (image, file) => timed(() => codeAttach(image, file), 'attach', 'attachCpu');
// the generator's main-thread part: validating the image and queueing the work
const codeSourceAsync = addon.codeSourceAsync.bind(addon);
addon.codeSourceAsync = (image) => {
  const pending = timed(() => codeSourceAsync(image), 'source', 'sourceCpu');
  return pending.then((s) => { if (typeof s === 'string') sync.bytes = s.length; return s; });
};

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

const rows: (string | number)[][] = [];
const raw: object[] = [];
for (const [id, f, args] of cases) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wengert-stall-'));
  process.env.WENGERT_CACHE_DIR = dir;
  w.setBackend('native', { codegen: 'off' });
  const p = w.compile(f, ...args);
  p.valueAndGrad(...args);
  sync.source = sync.attach = sync.sourceCpu = sync.attachCpu = 0;
  // recorded, differentiated, planned and run once before the monitor starts: only the compile is measured
  const q = w.compile(f, ...args);
  q.valueAndGrad(...args);
  (globalThis as { gc?: () => void }).gc?.();
  w.setBackend('native', { codegen: 'eager' });
  const compiling = await delay(async () => {
    if ((await q.ready()) !== 'compiled') throw new Error(`${id}: ${w.nativeInfo().codegen.reason}`);
  });
  w.setBackend('native', { codegen: 'off' });
  const idle = await delay(() => new Promise((r) => setTimeout(r, compiling.ms)));
  rmSync(dir, { recursive: true, force: true });
  const r = { id, sourceMs: sync.source, sourceCpuMs: sync.sourceCpu, attachMs: sync.attach, attachCpuMs: sync.attachCpu,
    sourceKB: sync.bytes / 1024, compileMs: compiling.ms, processCpuMs: compiling.cpu,
    maxDelay: compiling.max, p99Delay: compiling.p99, idleMax: idle.max, idleP99: idle.p99 };
  raw.push(r);
  const two = (a: number, b: number) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
  rows.push([id, r.sourceKB.toFixed(0), two(r.sourceMs, r.sourceCpuMs), two(r.attachMs, r.attachCpuMs), r.compileMs.toFixed(0), r.processCpuMs.toFixed(1),
    r.p99Delay.toFixed(1), r.maxDelay.toFixed(1), r.idleP99.toFixed(1), r.idleMax.toFixed(1)]);
}
console.log(`main thread while compiling (empty cache), ms; load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}; ${os.cpus().length} CPUs`);
console.log(table(['program', 'source KB', 'codeSource wall / CPU', 'codeAttach wall / CPU', 'ready()', 'process CPU in ready()', 'delay p99', 'delay max', 'idle p99', 'idle max'], rows));
const at = process.argv.indexOf('--json');
if (at > 0) writeFileSync(process.argv[at + 1], JSON.stringify({ load: os.loadavg(), rows: raw }, null, 1));
