// One case of bench/first-call.ts in this (fresh) process, as a user's script runs it: plain Node
// importing the built dist/ (`--lib src` imports src/ instead and needs `node --import tsx`;
// `--lib <dir>` imports <dir>/index.js, e.g. an older build kept for a side-by-side comparison).
//   node bench/first-call-case.mjs --case w3-loop [--backend native|ts] [--lib dist|src|<dir>]
//        [--prof out.cpuprofile [--prof-interval µs]]   (CPU profile of the case alone)
//        [--heap out.heapprofile [--heap-interval bytes]]  (sampled allocations of the case: what a recording allocates)
//        [--perf-ctl fifo]   (writes enable/disable around the case: `perf record -D -1 --control fifo:<fifo> -- node
//                             --perf-basic-prof bench/first-call-case.mjs ...` samples the case's on-CPU time alone)
// Prints one JSON line: wall ms, the main thread's CPU and run-queue wait (Linux), the whole
// process's CPU (main + V8's JIT and GC threads) and the main thread's GC pauses during the case.
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { Session } from 'node:inspector/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const lib = arg('lib') ?? 'dist';
const root = new URL('..', import.meta.url);
const entry = lib === 'src' ? new URL('src/index.ts', root) : lib === 'dist' ? new URL('dist/index.js', root) : pathToFileURL(resolve(lib, 'index.js'));
const w = await import(entry.href);

const STEPS = 1000, DT = 0.01;
/** RK4 step of du = a u − b u v, dv = −c v + d u v */
function rk4(p, u, v) {
  const [a, b, c, d] = p;
  const F = (u, v) => {
    const uv = w.mul(u, v);
    return [w.sub(w.mul(a, u), w.mul(b, uv)), w.add(w.neg(w.mul(c, v)), w.mul(d, uv))];
  };
  const [k1u, k1v] = F(u, v);
  const [k2u, k2v] = F(w.add(u, w.mul(DT / 2, k1u)), w.add(v, w.mul(DT / 2, k1v)));
  const [k3u, k3v] = F(w.add(u, w.mul(DT / 2, k2u)), w.add(v, w.mul(DT / 2, k2v)));
  const [k4u, k4v] = F(w.add(u, w.mul(DT, k3u)), w.add(v, w.mul(DT, k3v)));
  return [
    w.add(u, w.mul(DT / 6, w.add(w.add(k1u, w.mul(2, k2u)), w.add(w.mul(2, k3u), k4u)))),
    w.add(v, w.mul(DT / 6, w.add(w.add(k1v, w.mul(2, k2v)), w.add(w.mul(2, k3v), k4v)))),
  ];
}
const loss = (u, v) => w.add(w.square(w.sub(u, 1)), w.square(w.sub(v, 1)));

const w3Loop = (p) => {
  const ps = w.unstack(p);
  let u = w.tensor(1), v = w.tensor(1);
  for (let s = 0; s < STEPS; s++) [u, v] = rk4(ps, u, v);
  return loss(u, v);
};
const w3Scan = (p) => {
  const ps = w.unstack(p);
  const [{ u, v }] = w.scan(({ u, v }) => {
    const [u1, v1] = rk4(ps, u, v);
    return [{ u: u1, v: v1 }, null];
  }, { u: 1, v: 1 }, null, { length: STEPS });
  return loss(u, v);
};

// x'' = −k x − c x', semi-implicit Euler; loss = Σ (x_t − obs_t)²
const OSC_STEPS = 5000, OSC_DT = 0.002;
const obs = Float64Array.from({ length: OSC_STEPS }, (_, t) => Math.exp(-0.1 * t * OSC_DT) * Math.cos(2 * t * OSC_DT));
const oscLoop = (q) => {
  const [k, c] = w.unstack(q);
  const o = w.tensor(obs);
  let x = w.tensor(1), v = w.tensor(0), l = w.tensor(0);
  for (let t = 0; t < OSC_STEPS; t++) {
    v = w.add(v, w.mul(OSC_DT, w.neg(w.add(w.mul(k, x), w.mul(c, v)))));
    x = w.add(x, w.mul(OSC_DT, v));
    l = w.add(l, w.square(w.sub(x, w.at(o, t))));
  }
  return l;
};

export const CASES = {
  'w3-loop': () => { const p = w.compile(w3Loop, Float64Array.of(1.5, 1, 3, 1)); p.valueAndGrad(Float64Array.of(1.5, 1, 3, 1)); },
  'w3-scan': () => { const p = w.compile(w3Scan, Float64Array.of(1.5, 1, 3, 1)); p.valueAndGrad(Float64Array.of(1.5, 1, 3, 1)); },
  'osc-loop': () => { w.grad(oscLoop)([4, 0.2]); },
};

/** [CPU, run-queue wait] of the main thread in ms (Linux: /proc schedstat; elsewhere NaN) */
function mainCpu() {
  try { const f = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' '); return [Number(f[0]) / 1e6, Number(f[1]) / 1e6]; } catch { return [NaN, NaN]; }
}

const name = arg('case');
if (!CASES[name]) throw new Error(`--case ${Object.keys(CASES).join('|')}`);
const backend = arg('backend');
if (backend) w.setBackend(backend);
const gcs = [];
const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcs.push(e); });
observer.observe({ entryTypes: ['gc'] });
const prof = arg('prof');
let session = prof ? new Session() : undefined;
if (session) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: Number(arg('prof-interval') ?? 100) });
  await session.post('Profiler.start');
}
const heap = arg('heap');
if (heap) {
  session ??= new Session();
  if (!prof) session.connect();
  await session.post('HeapProfiler.startSampling', { samplingInterval: Number(arg('heap-interval') ?? 4096), includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
}
const perfCtl = arg('perf-ctl');
if (perfCtl) writeFileSync(perfCtl, 'enable\n');
const t0 = performance.now(), [c0, w0] = mainCpu(), p0 = process.cpuUsage();
CASES[name]();
const t1 = performance.now(), [c1, w1] = mainCpu(), p = process.cpuUsage(p0);
if (perfCtl) writeFileSync(perfCtl, 'disable\n');
if (prof) writeFileSync(prof, JSON.stringify((await session.post('Profiler.stop')).profile));
if (heap) writeFileSync(heap, JSON.stringify((await session.post('HeapProfiler.stopSampling')).profile));
await new Promise((r) => setTimeout(r, 0));   // gc entries arrive asynchronously
observer.disconnect();
// GC pauses of the main thread that began during the case (kind 1: scavenge, 2 and 4: mark-compact and its incremental steps)
const during = gcs.filter((e) => e.startTime >= t0 && e.startTime < t1);
const sum = (kinds) => during.filter((e) => kinds.includes(e.detail?.kind ?? e.kind)).reduce((s, e) => s + e.duration, 0);
process.stdout.write(JSON.stringify({
  ms: t1 - t0, cpu: c1 - c0, wait: w1 - w0, proc: (p.user + p.system) / 1e3, gc: sum([1, 2, 4, 8, 16]),
  scavenge: sum([1]), gcs: during.length, backend: w.getBackend(),
}));
