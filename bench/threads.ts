// Intra-op threads: value + gradient of the reference workloads with setThreads(1) and (2), the
// same bits checked, on the interpreter or the compiled tier. The thread counts are interleaved
// round by round (a shared machine's load moves); each figure is the median over the rounds of the
// mean time of one evaluation in a batch, wall and CPU (all threads of the process); "best" is the
// ratio of the fastest rounds (on a busy machine, the rounds where the process's threads ran).
//   npx tsx bench/threads.ts [--only W1,W2,W4] [--threads 1,2] [--tier interpreter|compiled] [--rounds 15]
import { cpus, loadavg } from 'node:os';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { fmt, table } from './timing.js';

const argv = process.argv.slice(2);
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const ids = (arg('--only')?.split(',') ?? ['W1', 'W2', 'W4']) as WorkloadId[];
const counts = (arg('--threads') ?? '1,2').split(',').map(Number);
const tier = arg('--tier') ?? 'interpreter';
const rounds = Number(arg('--rounds') ?? 15);
const flat = (g: unknown): number[] => (typeof g === 'number' ? [g] : g instanceof Float64Array ? Array.from(g) : g instanceof w.Tensor ? Array.from(g.data()) : Object.values(g as object).flatMap(flat));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };

if (!w.nativeInfo().available) { console.log(`native backend unavailable: ${w.nativeInfo().reason}`); process.exit(0); }
w.setBackend('native', { codegen: tier === 'compiled' ? 'eager' : 'off' });
console.log(`wengert threads bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model} (${cpus().length} cores), SIMD ${w.nativeInfo().simd}, ${tier} tier, ${rounds} rounds, load ${load()}`);
const rows: string[][] = [];
for (const id of ids) {
  const wl = ALL[id]();
  const p = w.compile(wl.f, ...wl.args);
  const run = () => p.valueAndGrad(...wl.args);
  run();
  if (tier === 'compiled' && (await p.ready()) !== 'compiled') throw new Error(`${id} stayed on the interpreter: ${w.nativeInfo().codegen.reason}`);
  let ref: number[] | null = null;
  for (const n of counts) {
    w.setThreads(n);
    const bits = flat(run());
    if (ref && !bits.every((x, i) => Object.is(x, ref![i]))) throw new Error(`${id}: threads=${n} changed the bits`);
    ref ??= bits;
    run();
  }
  // a batch: enough calls for ~20 ms at 1 thread
  w.setThreads(counts[0]);
  const t0 = performance.now();
  run();
  const batch = Math.max(1, Math.round(20 / (performance.now() - t0)));
  const wall: number[][] = counts.map(() => []), cpu: number[][] = counts.map(() => []);
  for (let r = 0; r < rounds; r++) {
    counts.forEach((n, i) => {
      w.setThreads(n);
      run();
      const c0 = cpuMs(), s = performance.now();
      for (let b = 0; b < batch; b++) run();
      wall[i].push((performance.now() - s) / batch);
      cpu[i].push((cpuMs() - c0) / batch);
    });
  }
  const mw = wall.map(median), mc = cpu.map(median), best = wall.map((x) => Math.min(...x));
  rows.push([`${id} ${wl.name}`, ...counts.map((_, i) => `${fmt(mw[i])} (${fmt(mc[i])})`), ...mw.slice(1).map((t) => `${(t / mw[0]).toFixed(2)}×`),
    ...best.slice(1).map((t) => `${(t / best[0]).toFixed(2)}×`)]);
  if (tier === 'compiled' && p.stats.tier !== 'compiled') throw new Error(`${id} did not run compiled`);
}
w.setThreads(1);
console.log(`\nvalue + gradient, median ms wall (CPU ms of all threads), ${tier} tier, same bits for every count`);
console.log(table(['workload', ...counts.map((n) => `${n} thread${n > 1 ? 's' : ''}`), ...counts.slice(1).map((n) => `${n} ÷ 1`),
  ...counts.slice(1).map((n) => `best ${n} ÷ 1`)], rows));
console.log(`load average after: ${load()}`);
