// Leak soak (npm run soak): ≥ 1e6 gradient evaluations across several programs — compiled sync,
// compiled async (libuv pool, many in flight), traced w.valueAndGrad, program churn (thousands of
// compiled Programs dropped without dispose, in a synchronous loop: garbage collection alone must
// free them) and worker_threads running their own programs — with RSS, external and heap memory
// sampled throughout. Prints the curve and fails when memory grows after warm-up (within any
// phase, beyond its first two samples).
//   npx tsx scripts/soak.ts [--scale 1] [--max-growth-mb 16]
// --fresh N: only a synchronous loop of N fresh programs (w.grad of a new closure each time, never
// yielding to the event loop; 10⁶ in the deep run), RSS sampled every N/16 after a forced GC.
//   npx tsx scripts/soak.ts --fresh 1000000
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as w from '../src/index.js';

setFlagsFromString('--expose-gc');
const gc: () => void = runInNewContext('gc');
const arg = (name: string, def: number) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? Number(process.argv[i + 1]) : def; };
const SCALE = isMainThread ? arg('scale', 1) : (workerData as { scale: number }).scale;
const MB = 2 ** 20;

type T = w.Tensor;
const vec = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
/** the programs: 0-d arithmetic, a 1000-vector fused chain, a 32×32 matmul layer, a reduction/softmax mix */
const PROGRAMS: [string, (...a: T[]) => T, () => Float64Array[], number[][]][] = [
  ['scalar', (x, y) => w.add(w.mul(w.sin(x), w.exp(y)), w.div(w.square(x), w.add(w.square(y), 1))), () => [vec(1, () => 0.3), vec(1, () => -0.7)], [[], []]],
  ['vector1000', (x) => w.sum(w.tanh(w.add(w.mul(x, x), w.sigmoid(x)))), () => [vec(1000, (i) => Math.sin(i))], [[1000]]],
  ['matmul32', (W, x) => w.sum(w.square(w.tanh(w.matmul(W, x)))), () => [vec(1024, (i) => Math.cos(i) / 8), vec(32 * 4, (i) => Math.sin(i))], [[32, 32], [32, 4]]],
  ['softmax', (x) => w.sum(w.mul(w.logSoftmax(x, 1), w.softmax(x, 0))), () => [vec(64 * 16, (i) => Math.sin(i * 0.1))], [[64, 16]]],
];
const argsOf = (k: number) => PROGRAMS[k][2]().map((d, i) => (PROGRAMS[k][3][i].length ? w.tensor(d, PROGRAMS[k][3][i]) : d[0]));

let evals = 0;
const samples: { phase: string; evals: number; rss: number; ext: number; heap: number }[] = [];
function sample(phase: string): void {
  gc();
  const m = process.memoryUsage();
  samples.push({ phase, evals, rss: m.rss / MB, ext: m.external / MB, heap: m.heapUsed / MB });
  if (isMainThread) {
    const s = samples[samples.length - 1];
    console.log(`${phase.padEnd(10)} ${String(evals).padStart(9)} evals  rss ${s.rss.toFixed(1).padStart(7)} MB  external ${s.ext.toFixed(1).padStart(6)} MB  heap ${s.heap.toFixed(1).padStart(6)} MB`);
  }
}

function syncPhase(n: number, phase: string): void {
  const progs = PROGRAMS.map((p, k) => ({ p: w.compile(p[1], ...argsOf(k)), a: argsOf(k) }));
  for (let i = 0; i < n; i++) {
    const { p, a } = progs[i % progs.length];
    p.valueAndGrad(...a);
    evals++;
    if (isMainThread && (i + 1) % Math.floor(n / 8) === 0) sample(phase);
  }
}

async function asyncPhase(n: number, inFlight: number): Promise<boolean> {
  const progs = PROGRAMS.map((p, k) => ({ p: w.compile(p[1], ...argsOf(k)), a: argsOf(k) }));
  if (typeof (progs[0].p as any).valueAndGradAsync !== 'function') return false;
  let next = 0;
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const { p, a } = progs[i % progs.length];
      await (p as any).valueAndGradAsync(...a);
      evals++;
      if (isMainThread && (i + 1) % Math.floor(n / 8) === 0) sample('async');
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return true;
}

function tracedPhase(n: number): void {
  const vgs = PROGRAMS.map((p) => w.valueAndGrad(p[1], { argnums: p[3].map((_, i) => i) }));
  const args = PROGRAMS.map((_, k) => argsOf(k));
  for (let i = 0; i < n; i++) {
    vgs[i % vgs.length](...args[i % vgs.length]);
    evals++;
    if ((i + 1) % Math.floor(n / 8) === 0) sample('traced');
  }
}

/**
 * fresh closures compiled and dropped in a synchronous loop: each holds a native program (an image
 * and an arena, both ArrayBuffers) until garbage collection frees it — no turn of the event loop
 */
function churnPhase(n: number): void {
  for (let i = 0; i < n; i++) {
    const c = i * 1e-6;
    const p = w.compile((x: T) => w.sum(w.sin(w.add(x, c))), w.tensor(vec(256, Math.sin)));
    p.grad(w.tensor(vec(256, Math.cos)));
    evals++;
    if ((i + 1) % Math.floor(n / 8) === 0) sample('churn');
  }
}

/** --fresh: w.grad of a new closure per iteration, never yielding (the loop of issue 11) */
function freshPhase(n: number): void {
  const x = new Float64Array([1, 2, 3]);
  for (let k = 0; k < n; k++) {
    const g = w.grad((t: T) => w.sum(w.mul(t, k)))(x) as Float64Array;
    if (g[2] !== k) throw new Error(`fresh program ${k}: wrong gradient ${g[2]}`);
    evals++;
    if ((k + 1) % Math.floor(n / 16) === 0) sample('fresh');
  }
}

/** a worker runs this file through tsx's loader (workers do not inherit the CLI's hooks) */
const WORKER_BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;

const fresh = arg('fresh', 0);
if (!isMainThread) {
  syncPhase((workerData as { n: number }).n, 'worker');
  parentPort!.postMessage(evals);
} else if (fresh > 0) {
  const t0 = Date.now();
  console.log(`soak --fresh: ${fresh} fresh programs in one synchronous loop, backend ${w.nativeInfo().available ? `native (${w.nativeInfo().simd})` : 'ts'}`);
  w.setBackend(w.nativeInfo().available ? 'native' : 'ts');
  sample('start');
  freshPhase(fresh);
  // steady state from the third sample on (the first eighth warms caches and the heap)
  const ss = samples.filter((x) => x.phase === 'fresh').slice(2);
  const growth = (k: 'rss' | 'ext' | 'heap') => Math.max(...ss.map((x) => x[k])) - ss[0][k];
  const result = { programs: fresh, seconds: (Date.now() - t0) / 1000, rssFirstMB: +ss[0].rss.toFixed(1), rssLastMB: +ss[ss.length - 1].rss.toFixed(1),
    rssMaxGrowthMB: +growth('rss').toFixed(2), externalMaxGrowthMB: +growth('ext').toFixed(2), heapMaxGrowthMB: +growth('heap').toFixed(2) };
  console.log(JSON.stringify(result, null, 1));
  const maxGrowth = arg('max-growth-mb', 16);
  const ok = growth('rss') < maxGrowth && growth('ext') < maxGrowth && growth('heap') < maxGrowth / 4;
  console.log(ok ? 'soak --fresh: flat' : `soak --fresh: FAILED (grew by ${maxGrowth} MB or more)`);
  process.exit(ok ? 0 : 1);
} else {
  const t0 = Date.now();
  console.log(`soak: backend ${w.nativeInfo().available ? `native (${w.nativeInfo().simd})` : 'ts'}, scale ${SCALE}`);
  w.setBackend(w.nativeInfo().available ? 'native' : 'ts');
  sample('start');
  syncPhase(40_000 * SCALE, 'warm-up');
  const base = samples[samples.length - 1];
  syncPhase(400_000 * SCALE, 'sync');
  const hasAsync = await asyncPhase(200_000 * SCALE, 32);
  if (!hasAsync) console.log('async: Program.valueAndGradAsync not available, skipped');
  tracedPhase(60_000 * SCALE);
  churnPhase(20_000 * SCALE);
  // two workers with their own programs (sync evaluations), sampled from the main thread every 0.5 s
  const perWorker = 150_000 * SCALE;
  const workers = [0, 1].map(() => new Worker(WORKER_BOOT, { eval: true, workerData: { n: perWorker, scale: SCALE } }));
  const done = workers.map((wk) => new Promise<number>((res, rej) => { wk.once('message', res); wk.once('error', rej); }));
  const timer = setInterval(() => sample('workers'), 500);
  evals += (await Promise.all(done)).reduce((a, b) => a + b, 0);
  clearInterval(timer);
  sample('workers');
  await Promise.all(workers.map((wk) => wk.terminate()));
  syncPhase(40_000 * SCALE, 'after');
  sample('end');
  const end = samples[samples.length - 1];
  const peak = samples.reduce((m, s) => Math.max(m, s.rss), 0);
  // steady state: within each phase, from its first sample (a quarter in: its own warm-up) to its last
  const phases = [...new Set(samples.map((s) => s.phase))].filter((p) => !['start', 'end', 'warm-up'].includes(p));
  const perPhase = Object.fromEntries(phases.map((p) => {
    // the first two samples are the phase's own warm-up (new programs, worker isolates starting);
    // growth = mean of the last two samples − mean of the next two (allocator and in-flight noise averages out)
    const ss = samples.filter((s) => s.phase === p).slice(2);
    const mean = (xs: typeof ss, k: 'rss' | 'ext' | 'heap') => xs.reduce((t, s) => t + s[k], 0) / Math.max(1, xs.length);
    const a = ss.slice(0, 2), b = ss.slice(-2);
    const d = (k: 'rss' | 'ext' | 'heap') => +(mean(b, k) - mean(a, k)).toFixed(2);
    return [p, { evals: (b[b.length - 1]?.evals ?? 0) - (a[0]?.evals ?? 0), rssMB: d('rss'), externalMB: d('ext'), heapMB: d('heap') }];
  }));
  const maxGrowth = arg('max-growth-mb', 16);
  console.log(JSON.stringify({ evaluations: evals, seconds: (Date.now() - t0) / 1000, async: hasAsync, rssAfterWarmupMB: +base.rss.toFixed(1),
    rssEndMB: +end.rss.toFixed(1), rssPeakMB: +peak.toFixed(1), growthWithinPhases: perPhase }, null, 1));
  const ok = evals >= 1e6 * SCALE && Object.values(perPhase).every((g) => g.rssMB < maxGrowth && g.externalMB < maxGrowth && g.heapMB < maxGrowth / 4);
  console.log(ok ? 'soak: no growth after warm-up' : `soak: FAILED (a phase grew by ${maxGrowth} MB or more, or too few evaluations)`);
  process.exit(ok ? 0 : 1);
}
