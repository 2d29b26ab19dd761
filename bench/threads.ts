// Intra-op threads: value + gradient of the reference workloads with setThreads(1) and (2), the
// same bits checked. Only matmul and long row reductions are threaded (native/src/kernels/threaded.cc).
//   npx tsx bench/threads.ts [--only W1,W2,W4] [--threads 1,2]
import { cpus, loadavg } from 'node:os';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { median, fmt, table } from './timing.js';

const argv = process.argv.slice(2);
const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const ids = (arg('--only')?.split(',') ?? ['W1', 'W2', 'W4']) as WorkloadId[];
const counts = (arg('--threads') ?? '1,2').split(',').map(Number);
const flat = (g: unknown): number[] => (g instanceof Float64Array ? Array.from(g) : g instanceof w.Tensor ? Array.from(g.data()) : Object.values(g as object).flatMap(flat));

if (!w.nativeInfo().available) { console.log(`native backend unavailable: ${w.nativeInfo().reason}`); process.exit(0); }
w.setBackend('native');
console.log(`wengert threads bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model} (${cpus().length} cores), SIMD ${w.nativeInfo().simd}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
const rows: string[][] = [];
for (const id of ids) {
  const wl = ALL[id]();
  const p = w.compile(wl.f, ...wl.args);
  const times: number[] = [];
  let ref: number[] | null = null;
  for (const n of counts) {
    w.setThreads(n);
    const [v, g] = p.valueAndGrad(...wl.args) as [number, unknown];
    const bits = [v, ...flat(g)];
    if (ref && !bits.every((x, i) => Object.is(x, ref![i]))) throw new Error(`${id}: threads=${n} changed the bits`);
    ref ??= bits;
    times.push(median(() => p.valueAndGrad(...wl.args), 11, 3000));
  }
  rows.push([`${id} ${wl.name}`, ...times.map(fmt), ...times.slice(1).map((t) => `${(t / times[0]).toFixed(2)}×`)]);
}
console.log('\nvalue + gradient, median ms (same bits for every count)');
console.log(table(['workload', ...counts.map((n) => `${n} thread${n > 1 ? 's' : ''}`), ...counts.slice(1).map((n) => `${n} ÷ 1`)], rows));
console.log(`load average after: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
