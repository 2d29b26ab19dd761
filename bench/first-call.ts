// Time to the first gradient of loop programs, each in a fresh Node process (what a user's script
// sees: recording, re-rolling, differentiation, planning and the first run, JIT cold):
//   w3-loop    W3 (RK4 Lotka–Volterra, 1000 steps) as a plain JS loop: w.compile + first valueAndGrad
//   w3-scan    the same model written with w.scan: w.compile + first valueAndGrad
//   osc-loop   a 5000-step damped-oscillator fit (plain JS loop, per-step observations): first w.grad
// Usage: npx tsx bench/first-call.ts [--runs 7] [--backend native|ts]; one case in this process:
//        npx tsx bench/first-call.ts --case w3-loop [--prof out.cpuprofile [--prof-interval µs]]  (CPU profile of the case alone;
//        sampling every 100 µs inflates the case ~3×, and the profile's `dispatch` is the inspector's own Profiler.stop)
// Each case reports wall ms and, on Linux, the main thread's CPU ms (what a loaded machine does not inflate by waiting),
// its run-queue wait (runnable but not running: wall ≈ CPU + wait) and the whole process's CPU (main + V8's background
// JIT and GC threads, which compete with the main thread for the cores).
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';
import type { Tensor } from '../src/index.js';

const STEPS = 1000, DT = 0.01;
type Pair = [Tensor, Tensor];

/** RK4 step of du = a u − b u v, dv = −c v + d u v */
function rk4(p: Tensor[], u: Tensor, v: Tensor): Pair {
  const [a, b, c, d] = p;
  const F = (u: Tensor, v: Tensor): Pair => {
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
const loss = (u: Tensor, v: Tensor) => w.add(w.square(w.sub(u, 1)), w.square(w.sub(v, 1)));

const w3Loop = (p: Tensor) => {
  const ps = w.unstack(p);
  let u = w.tensor(1), v = w.tensor(1);
  for (let s = 0; s < STEPS; s++) [u, v] = rk4(ps, u, v);
  return loss(u, v);
};
const w3Scan = (p: Tensor) => {
  const ps = w.unstack(p);
  const [{ u, v }] = w.scan(({ u, v }: { u: Tensor; v: Tensor }) => {
    const [u1, v1] = rk4(ps, u, v);
    return [{ u: u1, v: v1 }, null];
  }, { u: 1, v: 1 }, null, { length: STEPS });
  return loss(u, v);
};

// x'' = −k x − c x', semi-implicit Euler; loss = Σ (x_t − obs_t)²
const OSC_STEPS = 5000, OSC_DT = 0.002;
const obs = Float64Array.from({ length: OSC_STEPS }, (_, t) => Math.exp(-0.1 * t * OSC_DT) * Math.cos(2 * t * OSC_DT));
const oscLoop = (q: Tensor) => {
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

const CASES: Record<string, () => void> = {
  'w3-loop': () => { const p = w.compile(w3Loop, Float64Array.of(1.5, 1, 3, 1)); p.valueAndGrad(Float64Array.of(1.5, 1, 3, 1)); },
  'w3-scan': () => { const p = w.compile(w3Scan, Float64Array.of(1.5, 1, 3, 1)); p.valueAndGrad(Float64Array.of(1.5, 1, 3, 1)); },
  'osc-loop': () => { w.grad(oscLoop)([4, 0.2]); },
};

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** [CPU, run-queue wait] of the main thread in ms (Linux: /proc schedstat; elsewhere NaN): under load, wall time mostly measures waiting */
function mainCpu(): [number, number] {
  try { const f = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' '); return [Number(f[0]) / 1e6, Number(f[1]) / 1e6]; } catch { return [NaN, NaN]; }
}

const one = arg('case');
if (one) {
  const backend = arg('backend');
  if (backend) w.setBackend(backend as 'native' | 'ts');
  const prof = arg('prof'), session = prof ? new Session() : undefined;
  if (session) { session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: Number(arg('prof-interval') ?? 100) }); await session.post('Profiler.start'); }
  const t0 = performance.now(), [c0, w0] = mainCpu(), p0 = process.cpuUsage();
  CASES[one]();
  const ms = performance.now() - t0, [c1, w1] = mainCpu(), p = process.cpuUsage(p0);
  const cpu = c1 - c0, wait = w1 - w0, proc = (p.user + p.system) / 1e3;
  if (session) writeFileSync(prof!, JSON.stringify((await session.post('Profiler.stop')).profile));
  process.stdout.write(JSON.stringify({ ms, cpu, wait, proc, backend: w.getBackend() }));
} else {
  const runs = Number(arg('runs') ?? 7);
  const self = fileURLToPath(import.meta.url);
  console.log(`first call in a fresh process, median of ${runs} processes (load average ${loadavg()[0].toFixed(1)})`);
  for (const backend of ['native', 'ts']) {
    for (const name of Object.keys(CASES)) {
      const ms: number[] = [], cpu: number[] = [], wait: number[] = [], proc: number[] = [];
      for (let r = 0; r < runs; r++) {
        const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, '--case', name, '--backend', backend], { encoding: 'utf8' }));
        ms.push(out.ms);
        cpu.push(out.cpu ?? NaN);
        wait.push(out.wait ?? NaN);
        proc.push(out.proc ?? NaN);
      }
      const m = (xs: number[]) => median(xs).toFixed(1);
      console.log(`${name.padEnd(9)} ${backend.padEnd(6)} ${m(ms).padStart(7)} ms   (min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)}; ` +
        `main-thread CPU ${m(cpu)} ms, run-queue wait ${m(wait)} ms; process CPU ${m(proc)} ms)`);
    }
  }
}
