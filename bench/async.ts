// Compiled programs: first call vs replay (W1–W4, native and TS), and the event loop during
// async evaluations.
//   npx tsx bench/async.ts [--only W1,W3] [--backends native,ts] [--skip-first] [--skip-loop]
// First call: each (workload, backend) in a fresh process (no warm caches of that graph), after
// warming up wengert itself on a small unrelated program: record (w.compile) and the first
// valueAndGrad (derivative program, plan, encode, native decode, run), then the median replay.
// Event loop: perf_hooks.monitorEventLoopDelay (1 ms resolution) while 20 W1 valueAndGrad
// evaluations run: sync (a setImmediate between calls, as a server handling requests would),
// async awaited one by one, async all in flight at once; and the event-loop utilization (the
// share of the run the main thread was busy).
import { spawnSync } from 'node:child_process';
import { monitorEventLoopDelay, performance as perf } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';

type Backend = 'native' | 'ts';
const now = () => performance.now();
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(2));

interface First { workload: string; backend: Backend; record: number; firstCall: number; replay: number; replays: number }

/** in the child: one (workload, backend) from a fresh process */
function measureFirst(id: WorkloadId, backend: Backend): First {
  w.setBackend(backend);
  // warm up wengert's own code (JIT) on an unrelated small program
  const warm = w.compile((x: w.Tensor) => w.sum(w.mul(w.tanh(x), w.exp(w.neg(x)))), new Float64Array(64));
  for (let i = 0; i < 20; i++) warm.valueAndGrad(new Float64Array(64).fill(i / 20));
  const wl = ALL[id]();
  let t = now();
  const p = w.compile(wl.f, ...wl.args);
  const record = now() - t;
  t = now();
  p.valueAndGrad(...wl.args);
  const firstCall = now() - t;
  const xs: number[] = [];
  const t0 = now();
  while (xs.length < 7 || (now() - t0 < 1000 && xs.length < 41)) { t = now(); p.valueAndGrad(...wl.args); xs.push(now() - t); }
  return { workload: `${id} ${wl.name}`, backend, record, firstCall, replay: median(xs), replays: xs.length };
}

function firstCalls(ids: WorkloadId[], backends: Backend[]): First[] {
  const out: First[] = [];
  for (const id of ids) for (const b of backends) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', id, b], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`child ${id} ${b} failed: ${r.stderr}`);
    const row = JSON.parse(r.stdout.trim().split('\n').pop()!) as First;
    process.stderr.write(`  ${row.workload} ${b}: record ${fmt(row.record)} ms, first call ${fmt(row.firstCall)} ms, replay ${fmt(row.replay)} ms\n`);
    out.push(row);
  }
  return out;
}

interface Delay { mode: string; backend: Backend; totalMs: number; p50: number; p99: number; max: number; busy: number }

async function loopDelay(backend: Backend): Promise<Delay[]> {
  w.setBackend(backend);
  const wl = ALL.W1();
  const x = wl.args[0] as Float64Array;
  const xt = w.tensor(x);
  const p = w.compile(wl.f, x);
  for (let i = 0; i < 3; i++) { p.valueAndGrad(x); await p.valueAndGradAsync(x); }
  const modes: [string, () => Promise<unknown>][] = [
    ['sync (setImmediate between calls)', async () => { for (let i = 0; i < 20; i++) { p.valueAndGrad(x); await yieldToLoop(); } }],
    ['async, awaited one by one', async () => { for (let i = 0; i < 20; i++) await p.valueAndGradAsync(x); }],
    ['async, 20 in flight (Float64Array: copied at the call)', () => Promise.all(Array.from({ length: 20 }, () => p.valueAndGradAsync(x)))],
    ['async, 20 in flight (Tensor: no copy)', () => Promise.all(Array.from({ length: 20 }, () => p.valueAndGradAsync(xt)))],
  ];
  const rows: Delay[] = [];
  for (const [mode, run] of modes) {
    const h = monitorEventLoopDelay({ resolution: 1 });
    // a timer keeps the loop sampling even when nothing else is pending
    const keep = setInterval(() => {}, 1);
    h.enable();
    // the histogram records the time between its timer's firings: let it fire once before the
    // run, or a block right at the start goes unrecorded
    await new Promise((r) => setTimeout(r, 3));
    const t = now(), elu0 = perf.eventLoopUtilization();
    await run();
    const totalMs = now() - t, busy = perf.eventLoopUtilization(elu0).utilization;
    // let the timer that was due during a block fire and record its delay
    await new Promise((r) => setTimeout(r, 5));
    h.disable();
    clearInterval(keep);
    const ms = (ns: number) => ns / 1e6;
    rows.push({ mode, backend, totalMs, p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), busy });
    process.stderr.write(`  ${backend} ${mode}: total ${fmt(totalMs)} ms, delay p99 ${fmt(ms(h.percentile(99)))} ms\n`);
  }
  return rows;
}

function table(head: string[], body: string[][]): string {
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), `|${width.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

async function main() {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') { console.log(JSON.stringify(measureFirst(argv[1] as WorkloadId, argv[2] as Backend))); return; }
  const arg = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const ids = (arg('--only')?.split(',') ?? Object.keys(ALL)) as WorkloadId[];
  const backends = ((arg('--backends')?.split(',') ?? ['native', 'ts']) as Backend[]).filter((b) => b === 'ts' || w.nativeInfo().available);
  console.log(`wengert async/compile bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model} (${cpus().length} cores), SIMD ${w.nativeInfo().simd ?? '-'}`);
  if (!argv.includes('--skip-first')) {
    const rows = firstCalls(ids, backends);
    console.log('\nFirst call vs replay (valueAndGrad; fresh process per row; ms)');
    console.log(table(['workload', 'backend', 'record (compile)', 'first call', 'record + first', 'replay (median)', 'first ÷ replay'],
      rows.map((r) => [r.workload, r.backend, fmt(r.record), fmt(r.firstCall), fmt(r.record + r.firstCall), fmt(r.replay), `${((r.record + r.firstCall) / r.replay).toFixed(1)}×`])));
  }
  if (!argv.includes('--skip-loop')) {
    const rows: Delay[] = [];
    for (const b of backends) rows.push(...(await loopDelay(b)));
    console.log('\nEvent-loop delay during 20 W1 valueAndGrad evaluations (monitorEventLoopDelay, 1 ms resolution; ms)');
    console.log(table(['backend', 'mode', 'total', 'delay p50', 'delay p99', 'delay max', 'main thread busy'],
      rows.map((r) => [r.backend, r.mode, fmt(r.totalMs), fmt(r.p50), fmt(r.p99), fmt(r.max), `${(100 * r.busy).toFixed(0)}%`])));
    console.log('main thread busy = event-loop utilization (perf_hooks) over the run; delays include GC and, on a shared machine, waiting for a core.');
    console.log('The TS backend runs on the main thread: its async calls only yield once before each evaluation.');
  }
}

await main();
