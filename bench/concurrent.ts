// Concurrent evaluations of one Program (target: 8 concurrent async calls on one W1 Program ≥ 1.7×
// the throughput of the same 8 calls awaited one by one, on 2 cores, setThreads(1)).
//   npx tsx bench/concurrent.ts [--calls 8] [--rounds 24] [--warm 8] [--only W1,W2] [--tier compiled|interpreter]
// After `warm` untimed rounds, each round times the 8 calls awaited one by one, then all 8 in flight
// at once (alternating, so a shared machine's load hits both alike), for valueAndGradAsync (new
// gradient arrays per call), the same with each result given back once used (w.release), and
// valueAndGradIntoAsync (each call writes into gradient arrays of its own, reused round after
// round); means over the rounds (throughput: total time), CPU time of the process beside wall time (in brackets: the
// main thread's own CPU; the rest is the pool threads' evaluations and V8's helper threads), the main thread's
// garbage-collection pauses (PerformanceObserver 'gc': the marking V8 starts for the external
// memory of new result arrays), the load average before and after. Tensor arguments (no copy at
// the call); the tier is checked after the runs.
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { fmt, table } from './timing.js';
import { loaded } from '../src/backends/native/loader.js';

const argv = process.argv.slice(2);
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const calls = Number(arg('--calls') ?? 8), rounds = Number(arg('--rounds') ?? 24), warm = Number(arg('--warm') ?? 8);
const ids = (arg('--only')?.split(',') ?? ['W1', 'W2']) as WorkloadId[];
const tier = arg('--tier') ?? 'compiled';
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
/** CPU time of the calling (main) thread */
const mainMs = () => loaded.addon?.threadCpuMs() ?? 0;

interface Timed { wall: number; cpu: number; main: number; t0: number; t1: number }
const gcs: { start: number; ms: number; major: boolean }[] = [];
new PerformanceObserver((l) => {
  for (const e of l.getEntries()) gcs.push({ start: e.startTime, ms: e.duration, major: ((e as { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR });
}).observe({ entryTypes: ['gc'] });
/** main-thread GC pause ms and major collections within a timed run */
const gcIn = (x: Timed) => {
  const in_ = gcs.filter((g) => g.start >= x.t0 && g.start < x.t1);
  return { ms: in_.reduce((a, g) => a + g.ms, 0), major: in_.filter((g) => g.major).length };
};

/** gradient arrays mirroring argument 0 (a Tensor, Float64Array or a tree of them) */
function mirror(a: unknown): unknown {
  if (a instanceof w.Tensor) return new Float64Array(a.size);
  if (a instanceof Float64Array) return new Float64Array(a.length);
  return Object.fromEntries(Object.entries(a as object).map(([k, v]) => [k, mirror(v)]));
}

async function timed(run: () => Promise<unknown>): Promise<Timed> {
  const c = cpuMs(), m = mainMs(), t = performance.now();
  await run();
  const t1 = performance.now();
  return { wall: t1 - t, cpu: cpuMs() - c, main: mainMs() - m, t0: t, t1 };
}

async function main() {
  if (!w.nativeInfo().available) { console.log(`native backend unavailable: ${w.nativeInfo().reason}`); return; }
  w.setBackend('native', { codegen: tier === 'compiled' ? 'eager' : 'off' });
  w.setThreads(1);  // the target compares concurrent calls with intra-op threads off
  console.log(`wengert concurrency bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model} (${cpus().length} cores), ` +
    `SIMD ${w.nativeInfo().simd}, ${tier} tier, UV_THREADPOOL_SIZE ${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const rows: string[][] = [];
  for (const id of ids) {
    const wl = ALL[id]();
    const args = wl.args.map((a) => (a instanceof Float64Array ? w.tensor(a) : a));
    const p = w.compile(wl.f, ...args);
    if (tier === 'compiled' && (await p.ready()) !== 'compiled') throw new Error(`${id} stayed on the interpreter: ${w.nativeInfo().codegen.reason}`);
    const [v0] = p.valueAndGrad(...args) as [number, unknown];
    const outs = Array.from({ length: calls }, () => mirror(args[0]));
    const kinds = {
      'new arrays': (k: number) => p.valueAndGradAsync(...args).then(([v]: [number, unknown]) => v),
      // the result's memory given back as soon as it is used (w.release): no collection needed to reuse it
      released: (k: number) => p.valueAndGradAsync(...args).then(([v, g]: [number, unknown]) => (w.release(g), v)),
      into: (k: number) => p.valueAndGradIntoAsync(outs[k] as never, ...args),
    };
    for (const [kind, call] of Object.entries(kinds)) {
      const seq: Timed[] = [], par: Timed[] = [];
      const oneByOne = async () => seq.push(await timed(async () => { for (let k = 0; k < calls; k++) await call(k); }));
      const inFlight = async () => par.push(await timed(async () => {
        const got = await Promise.all(Array.from({ length: calls }, (_, k) => call(k)));
        if (got.some((v) => !Object.is(v, v0))) throw new Error('a concurrent call differs from the sync one');
      }));
      // the order alternates: V8's collections (about every 16 W1 calls) then fall on both sides
      // warm-up rounds first (not timed): the result-block cache fills over the first collections
      for (let r = 0; r < warm + rounds; r++) {
        if (r % 2) { await inFlight(); await oneByOne(); } else { await oneByOne(); await inFlight(); }
        if (r < warm) { seq.pop(); par.pop(); }
      }
      if (p.stats.tier !== (tier === 'compiled' ? 'compiled' : 'interpreter')) throw new Error(`${id} ran on the ${p.stats.tier}`);
      await new Promise((r) => setImmediate(r));  // the observer's last entries
      const s = mean(seq.map((x) => x.wall)), c = mean(par.map((x) => x.wall));
      const gc = (xs: Timed[]) => { const ms = mean(xs.map((x) => gcIn(x).ms)); return `${ms ? fmt(ms) : 0} (${mean(xs.map((x) => gcIn(x).major)).toFixed(1)})`; };
      const cpu = (xs: Timed[]) => `${fmt(mean(xs.map((x) => x.cpu)))} (${fmt(mean(xs.map((x) => x.main)))})`;
      rows.push([`${id} ${wl.name}, ${kind}`, fmt(s), cpu(seq), gc(seq), fmt(c), cpu(par), gc(par), `${(s / c).toFixed(2)}×`]);
      process.stderr.write(`  ${id} ${kind}: one by one ${fmt(s)} ms, ${calls} in flight ${fmt(c)} ms, load ${loadavg()[0].toFixed(2)}\n`);
    }
  }
  console.log(`\n${calls} valueAndGradAsync / valueAndGradIntoAsync calls on one Program, ${tier} tier, mean of ${rounds} rounds (ms; CPU = process CPU time (main thread's))`);
  console.log(table(['workload', 'one by one', 'CPU (main)', 'GC (major)', `${calls} in flight`, 'CPU (main)', 'GC (major)', 'throughput gain'], rows));
  console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
}

await main();
