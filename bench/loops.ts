// Loops on the native executor (issue 14 item 5), side by side in one process:
//   1. W3 (RK4 Lotka–Volterra, 1000 steps, 0-d ops; a plain JS loop the planner rolls into a scan):
//      compiled native valueAndGrad replay with the loop run as a JS segment between native stretches
//      (the TS kernels, as before this change), with the loop run by the native executor, and the
//      unrolled program (WENGERT_REROLL=0 behaviour); the README's figure before loops existed was
//      0.615 ms for the unrolled program.
//   2. Memory of a 100 000-step scan with a 64-element carry: p.stats.memoryBytes with
//      checkpoint 'sqrt' vs 'none' (and the time of one valueAndGrad).
// Each figure: median over rounds; within a round the variants run in turn (≥ 2 warm-up calls each).
// Wall time, and CPU time of this process (on a shared machine, wall time also counts the time
// spent waiting for a core; CPU time does not).
//   npx tsx bench/loops.ts [--rounds N] [--json out.json]
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import * as w from '../src/index.js';
import { ode } from './workloads.js';
import { setReroll } from '../src/plan/reroll.js';
import { _setNativeLoops } from '../src/backends/native/programs.js';
import { backendRuns } from '../src/backends/index.js';
import { fmt, table } from './timing.js';

type T = w.Tensor;
const args = process.argv.slice(2);
const flag = (name: string, dflt: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const rounds = Number(flag('--rounds', '15'));
const jsonOut = flag('--json', '');

if (!w.nativeInfo().available) throw new Error(`the native addon is not available: ${w.nativeInfo().reason}`);
w.setBackend('native');

const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** ms per call, wall and CPU: medians of `rounds` samples, each the mean of a batch lasting ≥ 20 ms */
function sampler(f: () => unknown): { sample(): void; median(): number; cpu(): number } {
  f(); f();
  const t0 = performance.now();
  f();
  const batch = Math.max(1, Math.ceil(20 / Math.max(performance.now() - t0, 1e-3)));
  const wall: number[] = [], cpu: number[] = [];
  return {
    sample() {
      const s = performance.now(), c = cpuMs();
      for (let i = 0; i < batch; i++) f();
      wall.push((performance.now() - s) / batch);
      cpu.push((cpuMs() - c) / batch);
    },
    median: () => median(wall),
    cpu: () => median(cpu),
  };
}

function w3(): Record<string, number> {
  const W = ode(1000);
  _setNativeLoops(false);
  const segments = w.compile(W.f, ...W.args);
  segments.valueAndGrad(...W.args);
  _setNativeLoops(true);
  const native = w.compile(W.f, ...W.args);
  setReroll(false);
  const unrolled = w.compile(W.f, ...W.args);
  setReroll(true);
  const before = backendRuns().segmented;
  const same = JSON.stringify([segments, native, unrolled].map((p) => Array.from(p.valueAndGrad(...W.args) as unknown as [number, Float64Array]).flatMap((x) => (typeof x === 'number' ? [x] : Array.from(x)))));
  if (backendRuns().segmented - before !== 1) throw new Error('expected exactly one segmented run (the JS-segment variant)');
  const vals = JSON.parse(same) as number[][];
  if (vals.some((v) => JSON.stringify(v) !== JSON.stringify(vals[0]))) throw new Error('the three W3 variants give different bits');
  const s = { segments: sampler(() => segments.valueAndGrad(...W.args)), native: sampler(() => native.valueAndGrad(...W.args)), unrolled: sampler(() => unrolled.valueAndGrad(...W.args)) };
  for (let r = 0; r < rounds; r++) for (const x of Object.values(s)) x.sample();
  console.log(`W3 loops: ${native.stats.loops} (rolled) / ${unrolled.stats.loops} (unrolled); memoryBytes ${native.stats.memoryBytes} / ${unrolled.stats.memoryBytes}`);
  return {
    segments: s.segments.median(), native: s.native.median(), unrolled: s.unrolled.median(),
    segmentsCpu: s.segments.cpu(), nativeCpu: s.native.cpu(), unrolledCpu: s.unrolled.cpu(),
    nativeBytes: native.stats.memoryBytes, unrolledBytes: unrolled.stats.memoryBytes,
  };
}

function memory(steps: number): Record<string, number> {
  const p0 = Float64Array.from({ length: 64 }, (_, i) => 0.9 + 0.001 * i);
  const loss = (checkpoint: 'none' | 'sqrt') => (p: T) => {
    const [c] = w.scan((c: T) => [w.add(w.mul(w.sin(c), p), 0.01), null], w.mul(p, 0.5), null, { length: steps, checkpoint });
    return w.sum(c as T);
  };
  const out: Record<string, number> = {};
  const grads: string[] = [];
  for (const ck of ['none', 'sqrt'] as const) {
    const p = w.compile(loss(ck), p0);
    grads.push(JSON.stringify(Array.from(p.grad(p0) as Float64Array)));
    const s = sampler(() => p.valueAndGrad(p0));
    for (let r = 0; r < Math.min(rounds, 5); r++) s.sample();
    out[`${ck}Bytes`] = p.stats.memoryBytes;
    out[`${ck}Ms`] = s.median();
    p.dispose();
  }
  if (grads[0] !== grads[1]) throw new Error("checkpoint 'sqrt' and 'none' give different gradients");
  return out;
}

const r3 = w3();
const mem = memory(100_000);
console.log(`\nW3 compiled native valueAndGrad replay (ode, 1000 steps; median of ${rounds} rounds)`);
console.log(table(['variant', 'ms (wall)', 'ms (CPU)'], [
  ['rolled, loop as a JS segment (before)', fmt(r3.segments), fmt(r3.segmentsCpu)],
  ['rolled, loop on the native executor (after)', fmt(r3.native), fmt(r3.nativeCpu)],
  ['unrolled (WENGERT_REROLL=0)', fmt(r3.unrolled), fmt(r3.unrolledCpu)],
  ['README before loops existed (unrolled)', '0.615', ''],
]));
console.log(`\nscan of 100 000 steps, 64-element carry: p.stats.memoryBytes and one valueAndGrad`);
console.log(table(['checkpoint', 'memoryBytes', 'ms'], [
  ['none', mem.noneBytes.toLocaleString('en'), fmt(mem.noneMs)],
  ['sqrt', mem.sqrtBytes.toLocaleString('en'), fmt(mem.sqrtMs)],
]));
console.log(`'none' / 'sqrt' = ${(mem.noneBytes / mem.sqrtBytes).toFixed(1)}×`);
console.log(`load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} on ${cpus().length} cores`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), simd: w.nativeInfo().simd, rounds, loadavg: loadavg(), w3: r3, memory: mem }, null, 2) + '\n');
