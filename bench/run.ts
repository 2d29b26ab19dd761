// Benchmark runner: the workloads of shared/WORKLOADS.md on every available system, one process.
//   npx tsx bench/run.ts [--only W1,W3] [--systems wengert-ts,compiled-native] [--runs N] [--json out.json] [--wait-quiet seconds]
// Each figure: median of ≥ N timed calls (default 7) after ≥ 2 warm-up calls and ≥ 300 ms of
// warm-up; calls shorter than 1 ms are timed in batches (a sample = batch time / batch size).
// The systems of a workload are sampled round-robin (see runWorkload); before each sample of a
// call under 50 ms one untimed call absorbs the switch from the previous system.
// Adding a system (backend, compiled variant) = one line in bench/systems.ts.
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { busyJiffies, waitQuiet, type Busy } from './load.js';
import { ALL, type Workload, type WorkloadId } from './workloads.js';
import { SYSTEMS, type Instance } from './systems.js';
import type { GradResult } from './hand.js';

/** Issue 2 targets: wengert grad time ÷ hand-written JS grad time, per call including tracing. */
const TARGETS: Record<string, Partial<Record<WorkloadId, number>>> = {
  'wengert-ts': { W1: 15, W2: 1.5, W4: 3 },
};
const REFERENCE = 'hand-js';

interface Stats { median: number; min: number; samples: number; batch: number; /** cores used by other processes while this workload was timed */ otherLoad: number }
interface Row {
  workload: string; system: string; primal: Stats; grad: Stats;
  value: number; valueRelErr: number; gradRelErr: number; target?: number; load: number;
}

function parseArgs(argv: string[]) {
  const opts = { only: Object.keys(ALL) as WorkloadId[], runs: 7, json: '', waitQuiet: 0, systems: SYSTEMS.map((s) => s.name) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], next = () => argv[++i] ?? '';
    if (a === '--only') opts.only = next().split(',').map((s) => s.trim().toUpperCase()) as WorkloadId[];
    else if (a === '--runs') opts.runs = Math.max(1, Number(next()) | 0);
    else if (a === '--json') opts.json = next();
    else if (a === '--wait-quiet') opts.waitQuiet = Number(next());
    else if (a === '--systems') opts.systems = [REFERENCE, ...next().split(',').map((s) => s.trim()).filter((s) => s !== REFERENCE)];
    else throw new Error(`unknown flag ${a} (expected --only W1,W2 --systems a,b --runs N --json file --wait-quiet seconds)`);
  }
  for (const id of opts.only) if (!(id in ALL)) throw new Error(`unknown workload ${id}; expected one of ${Object.keys(ALL)}`);
  for (const n of opts.systems) if (!SYSTEMS.some((s) => s.name === n)) throw new Error(`unknown system ${n}; expected some of ${SYSTEMS.map((s) => s.name)}`);
  return opts;
}

let sink: unknown;
const now = () => performance.now();

/** One timed quantity (a system's grad or primal on one workload). */
class Series {
  readonly samples: number[] = [];
  batch = 1;
  n = 0;
  /** warm-up estimate of one call, ms */
  est = 0;
  constructor(readonly fn: () => unknown) {}

  /** ≥ 2 calls and ≥ 300 ms; calls under 1 ms are batched; cheap calls get up to 41 samples (~1 s) */
  warmUp(runs: number): void {
    const t0 = now();
    let calls = 0;
    while (calls < 2 || now() - t0 < 300) { sink = this.fn(); calls++; }
    const est = (this.est = (now() - t0) / calls);
    this.batch = est < 1 ? Math.ceil(1 / est) : 1;
    this.n = Math.max(runs, Math.min(41, Math.floor(1000 / (est * this.batch))));
  }

  sample(): void {
    // after another system ran, the first call pays for its allocator and cache state: discard it
    if (this.est < 50) sink = this.fn();
    const a = now();
    for (let b = 0; b < this.batch; b++) sink = this.fn();
    this.samples.push((now() - a) / this.batch);
  }

  stats(otherLoad: number): Stats {
    const xs = [...this.samples].sort((x, y) => x - y), n = xs.length;
    const median = n % 2 ? xs[n >> 1] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
    return { median, min: xs[0], samples: n, batch: this.batch, otherLoad };
  }
}

/** max_i |g − ref| / max_i |ref| over all gradient blocks together */
function relErr(g: GradResult, ref: GradResult): number {
  let num = 0, den = 0;
  if (g.grad.length !== ref.grad.length) return NaN;
  g.grad.forEach((b, k) => {
    const r = ref.grad[k];
    if (b.length !== r.length) { num = NaN; return; }
    for (let i = 0; i < b.length; i++) { num = Math.max(num, Math.abs(b[i] - r[i])); den = Math.max(den, Math.abs(r[i])); }
  });
  return num / den;
}

/**
 * Every system's grad and primal series are sampled round-robin (one sample each per round), so
 * load changes on the shared machine hit all columns alike and the ratios stay comparable.
 */
function runWorkload(wl: Workload, runs: number, quietSeconds: number, systems: readonly string[]): Row[] {
  const runs_: { name: string; inst: Instance; result: GradResult; primalValue: number; grad: Series; primal: Series }[] = [];
  for (const sys of SYSTEMS.filter((s) => systems.includes(s.name))) {
    const inst = sys.setup(wl);
    if (!inst) continue;
    runs_.push({
      name: sys.name, inst, result: inst.read(inst.grad()), primalValue: inst.value(inst.primal()),
      grad: new Series(() => inst.grad()), primal: new Series(() => inst.primal()),
    });
  }
  const series = runs_.flatMap((r) => [r.grad, r.primal]);
  for (const s of series) s.warmUp(runs);
  if (quietSeconds > 0) waitQuiet(quietSeconds);
  const load = loadavg()[0];
  const busy0: Busy = busyJiffies();
  for (let round = 0; series.some((s) => s.samples.length < s.n); round++) {
    for (const s of series) if (s.samples.length < s.n) s.sample();
  }
  const others = busyJiffies().othersSince(busy0);
  const ref = runs_[0].result;
  return runs_.map(({ name, result, primalValue, grad, primal }) => {
    const row: Row = {
      workload: `${wl.id} ${wl.name}`, system: name, primal: primal.stats(others), grad: grad.stats(others), value: result.value,
      valueRelErr: Math.max(Math.abs(result.value - ref.value), Math.abs(primalValue - ref.value)) / Math.abs(ref.value),
      gradRelErr: relErr(result, ref), target: TARGETS[name]?.[wl.id as WorkloadId], load,
    };
    process.stderr.write(`  ${wl.id} ${name}: grad ${fmt(row.grad.median)} ms, primal ${fmt(row.primal.median)} ms\n`);
    return row;
  });
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(2));
const fmtX = (r: number) => (r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)) + '×';

function table(rows: Row[]): string {
  const head = ['workload', 'system', 'primal ms', 'grad ms', 'grad/primal', 'grad vs hand', 'primal vs hand', 'target', 'grad relerr', 'runs', 'other load'];
  const body = rows.map((r) => {
    const ref = rows.find((x) => x.workload === r.workload && x.system === REFERENCE)!;
    const ratio = r.grad.median / ref.grad.median;
    const target = r.target === undefined ? '' : `≤ ${r.target}× ${ratio <= r.target ? 'met' : 'MISSED'}`;
    return [r.workload, r.system, fmt(r.primal.median), fmt(r.grad.median), fmtX(r.grad.median / r.primal.median),
      fmtX(ratio), fmtX(r.primal.median / ref.primal.median), target,
      r.system === REFERENCE ? '(reference)' : r.gradRelErr.toExponential(1), `${r.grad.samples}/${r.primal.samples}`,
      r.grad.otherLoad.toFixed(2)];
  });
  const width = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i])).join(' | ')} |`;
  return [line(head), `|${width.map((n) => '-'.repeat(n + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const rows: Row[] = [];
  for (const id of opts.only) {
    process.stderr.write(`${id}: building inputs\n`);
    rows.push(...runWorkload(ALL[id](), opts.runs, opts.waitQuiet, opts.systems));
  }
  const env = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString(), runs: opts.runs };
  console.log(`wengert benchmarks — ${env.date}, node ${env.node}, ${env.cpu} (${env.cores} cores), median of ≥ ${opts.runs} runs, float64, 1 thread`);
  console.log(table(rows));
  console.log('grad = value + full gradient per call (wengert: tracing + derivative program + run); primal = value only (wengert: f called eagerly).');
  console.log('grad relerr = max|g − g_hand| / max|g_hand| over all gradient blocks; runs = grad/primal samples;');
  console.log(`other load = cores used by other processes while the workload was timed (of ${cpus().length}).`);
  const bad = rows.filter((r) => !(r.gradRelErr <= 1e-9 && r.valueRelErr <= 1e-9));
  for (const r of bad) console.log(`WARNING ${r.workload} ${r.system}: gradient relerr ${r.gradRelErr}, value relerr ${r.valueRelErr}`);
  if (opts.json) writeFileSync(opts.json, JSON.stringify({ env, rows }, null, 2) + '\n');
  if (bad.length) process.exitCode = 1;
}

main();
void sink;
