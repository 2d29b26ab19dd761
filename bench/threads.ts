// Intra-op threads: value + gradient of the reference workloads with setThreads(1) and (2), the
// same bits checked, on the interpreter or the compiled tier. The thread counts are interleaved
// round by round (a shared machine's load moves); each figure is the median over the rounds of the
// mean time of one evaluation in a batch, wall and CPU (all threads of the process); "best" is the
// ratio of the fastest rounds (on a busy machine, the rounds where the process's threads ran).
// --into: also valueAndGradInto (the gradient written into arrays made once: no result allocation,
// which runs on the main thread and is serial; its rows are labelled "into").
// WENGERT_PROFILE=threads: after the timings, the pool's breakdown per evaluation and the bounds
// for 2 threads (bench/threads-profile.ts), and one evaluation's parallel regions in order.
//   npx tsx bench/threads.ts [--only W1,W2,W4] [--threads 1,2] [--tier interpreter|compiled] [--rounds 15] [--into]
import { cpus, loadavg } from 'node:os';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { fmt, table } from './timing.js';
import { profiling, profileBatch, breakdownRows, breakdownHeader, regionTable, type Breakdown } from './threads-profile.js';

const argv = process.argv.slice(2);
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const ids = (arg('--only')?.split(',') ?? ['W1', 'W2', 'W4']) as WorkloadId[];
const counts = (arg('--threads') ?? '1,2').split(',').map(Number);
const tier = arg('--tier') ?? 'interpreter';
const rounds = Number(arg('--rounds') ?? 15);
const modes = argv.includes('--into') ? ['fresh', 'into'] : ['fresh'];
const flat = (g: unknown): number[] => (typeof g === 'number' ? [g] : g instanceof Float64Array ? Array.from(g) : g instanceof w.Tensor ? Array.from(g.data()) : Object.values(g as object).flatMap(flat));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const median = (x: number[]) => [...x].sort((a, b) => a - b)[x.length >> 1];
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
/** arrays shaped as a gradient (valueAndGradInto's targets) */
const targets = (g: unknown): w.GradTargets => (g instanceof Float64Array ? new Float64Array(g.length) : g instanceof w.Tensor ? new Float64Array(g.size)
  : Array.isArray(g) ? g.map(targets) : Object.fromEntries(Object.entries(g as object).map(([k, v]) => [k, targets(v)])));

if (!w.nativeInfo().available) { console.log(`native backend unavailable: ${w.nativeInfo().reason}`); process.exit(0); }
w.setBackend('native', { codegen: tier === 'compiled' ? 'eager' : 'off' });
console.log(`wengert threads bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model} (${cpus().length} cores), SIMD ${w.nativeInfo().simd}, ${tier} tier, ${rounds} rounds, load ${load()}`);
const rows: string[][] = [], prof: string[][] = [], regions: string[] = [];
for (const [id, mode] of ids.flatMap((id) => modes.map((m) => [id, m] as const))) {
  const wl = ALL[id]();
  const p = w.compile(wl.f, ...wl.args);
  const out = targets(p.valueAndGrad(...wl.args)[1]);
  const run = mode === 'into' ? () => [p.valueAndGradInto(out, ...wl.args), out] : () => p.valueAndGrad(...wl.args);
  const label = `${id} ${wl.name}${mode === 'into' ? ' into' : ''}`;
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
  if (profiling()) {
    const b: Breakdown[] = counts.map((n) => { w.setThreads(n); run(); return profileBatch(run, batch); });
    prof.push(...breakdownRows(label, counts, b));
    regions.push(regionTable(`${label}, ${counts[counts.length - 1]} threads`, b[b.length - 1].one));
  }
  rows.push([label, ...counts.map((_, i) => `${fmt(mw[i])} (${fmt(mc[i])})`), ...mw.slice(1).map((t) => `${(t / mw[0]).toFixed(2)}×`),
    ...best.slice(1).map((t) => `${(t / best[0]).toFixed(2)}×`)]);
  if (tier === 'compiled' && p.stats.tier !== 'compiled') throw new Error(`${id} did not run compiled`);
}
w.setThreads(1);
console.log(`\nvalue + gradient, median ms wall (CPU ms of all threads), ${tier} tier, same bits for every count`);
console.log(table(['workload', ...counts.map((n) => `${n} thread${n > 1 ? 's' : ''}`), ...counts.slice(1).map((n) => `${n} ÷ 1`),
  ...counts.slice(1).map((n) => `best ${n} ÷ 1`)], rows));
if (prof.length) {
  console.log(`\nthe pool's breakdown per evaluation (WENGERT_PROFILE), ms unless marked; bounds for n threads (bench/threads-profile.ts)`);
  console.log(table(breakdownHeader, prof));
  for (const r of regions) console.log(`\n${r}`);
}
console.log(`load average after: ${load()}`);
