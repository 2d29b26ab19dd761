// Cost of guard checking: W3 (RK4 Lotka–Volterra, 1000 steps of 0-d ops) with a value-dependent
// step-size rule added. Per step an error estimate err = dt·(|k1u − k4u| + |k1v − k4v|) is
// compared with a tolerance; the step is taken with h = dt when err < tol, else with two half
// steps' worth of damping (h = dt/2). Three compiled variants of the same arithmetic:
//   plain    W3 as in WORKLOADS.md (no rule)
//   guarded  `if (w.less(err, tol).item()) ...`: 1000 outcome guards, checked on every replay
//   where    h = w.where(w.less(err, tol), dt, dt/2): branch-free, no guards
// guarded − plain bounds the cost of guard checking from above (it includes computing err, 7 extra
// 0-d ops per step); guarded − where compares with the branch-free form of the same rule (where
// adds a select and a run-time h/6 per step). Also: the cost of a replay whose guards fail.
//   npx tsx bench/guards.ts [--backends native,ts]
import { cpus } from 'node:os';
import * as w from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { ode } from './workloads.js';

type Backend = 'native' | 'ts';
const now = () => performance.now();
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b), n = s.length; return n % 2 ? s[n >> 1] : (s[n / 2 - 1] + s[n / 2]) / 2; };
const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms >= 1 ? ms.toFixed(2) : ms.toPrecision(2));

const STEPS = 1000, DT = 0.01, TOL = 1e-3;

/** W3 with the step-size rule; `mode` picks how the rule's outcome enters the program */
function adaptive(mode: 'guarded' | 'where') {
  return (p: Tensor) => {
    const [a, b, c, d] = w.unstack(p);
    const F = (u: Tensor, v: Tensor): [Tensor, Tensor] => {
      const uv = w.mul(u, v);
      return [w.sub(w.mul(a, u), w.mul(b, uv)), w.add(w.neg(w.mul(c, v)), w.mul(d, uv))];
    };
    let u = w.tensor(1), v = w.tensor(1);
    for (let s = 0; s < STEPS; s++) {
      const [k1u, k1v] = F(u, v);
      const [k2u, k2v] = F(w.add(u, w.mul(DT / 2, k1u)), w.add(v, w.mul(DT / 2, k1v)));
      const [k3u, k3v] = F(w.add(u, w.mul(DT / 2, k2u)), w.add(v, w.mul(DT / 2, k2v)));
      const [k4u, k4v] = F(w.add(u, w.mul(DT, k3u)), w.add(v, w.mul(DT, k3v)));
      const err = w.mul(DT, w.add(w.abs(w.sub(k1u, k4u)), w.abs(w.sub(k1v, k4v))));
      const ok = w.less(err, TOL);
      const h: Tensor | number = mode === 'where' ? w.where(ok, DT, DT / 2) : ok.item() ? DT : DT / 2;
      u = w.add(u, w.mul(w.div(h, 6), w.add(w.add(k1u, w.mul(2, k2u)), w.add(w.mul(2, k3u), k4u))));
      v = w.add(v, w.mul(w.div(h, 6), w.add(w.add(k1v, w.mul(2, k2v)), w.add(w.mul(2, k3v), k4v))));
    }
    return w.add(w.square(w.sub(u, 1)), w.square(w.sub(v, 1)));
  };
}

/** median ms of fn over ≥ 7 runs and ≥ 500 ms, after 300 ms of warm-up */
function time(fn: () => unknown): number {
  let t0 = now();
  while (now() - t0 < 300) fn();
  const xs: number[] = [];
  t0 = now();
  while (xs.length < 7 || (now() - t0 < 500 && xs.length < 201)) { const t = now(); fn(); xs.push(now() - t); }
  return median(xs);
}

function run(backend: Backend) {
  w.setBackend(backend);
  const wl = ode(STEPS);
  const p0 = wl.args[0] as Float64Array;
  const plain = w.compile(wl.f, p0);
  const where = w.compile(adaptive('where'), p0);
  let t = now();
  const guarded = w.compile(adaptive('guarded'), p0);
  const record = now() - t;
  const [vg, gg] = guarded.valueAndGrad(p0) as [number, Float64Array];
  const [vw, gw] = where.valueAndGrad(p0) as [number, Float64Array];
  const relErr = Math.max(Math.abs(vg - vw) / Math.abs(vw), ...Array.from(gg, (x, i) => Math.abs(x - gw[i]) / Math.abs(gw[i])));
  const outcomes = guarded.stats.guards;
  const rows = [
    ['plain (no rule)', time(() => plain.valueAndGrad(p0)), plain.stats.guards],
    ['where (branch-free rule)', time(() => where.valueAndGrad(p0)), where.stats.guards],
    ['guarded (item() per step)', time(() => guarded.valueAndGrad(p0)), outcomes],
  ] as const;
  // a replay whose guards fail: alternate between inputs whose outcomes differ (two paths kept)
  const p1 = Float64Array.of(1.5, 1.0, 3.0, 1.3);
  const g2 = w.compile(adaptive('guarded'), p0);
  g2.valueAndGrad(p0);
  t = now();
  g2.valueAndGrad(p1);
  const retrace = now() - t;
  const alternate = time(() => { g2.valueAndGrad(p0); g2.valueAndGrad(p1); }) / 2;
  return { backend, rows, record, retrace, alternate, relErr, retraces: g2.stats.retraces, paths: g2.stats.paths };
}

const backends = (process.argv.includes('--backends') ? process.argv[process.argv.indexOf('--backends') + 1].split(',') : ['native', 'ts'])
  .filter((b) => b === 'ts' || w.nativeInfo().available) as Backend[];
console.log(`wengert guard bench — ${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model}, SIMD ${w.nativeInfo().simd ?? '-'}`);
console.log(`W3 + step-size rule (err < ${TOL}), ${STEPS} steps; compiled valueAndGrad replay, median ms\n`);
for (const b of backends) {
  const r = run(b);
  const [plain, where, guarded] = r.rows;
  console.log(`[${b}]`);
  for (const [name, ms, guards] of r.rows) console.log(`  ${name.padEnd(28)} ${fmt(ms).padStart(7)} ms   guards ${guards}`);
  const perGuard = (ms: number) => `${(ms / guarded[2] * 1e6).toFixed(0)} ns per guard`;
  console.log(`  guarded − plain (guards + computing err): ${fmt(guarded[1] - plain[1])} ms per call, ${perGuard(guarded[1] - plain[1])}`);
  console.log(`  guarded − where (branch-free rule): ${(guarded[1] - where[1]).toFixed(3)} ms per call, ${perGuard(guarded[1] - where[1])}`);
  console.log(`  record (compile) of the guarded program: ${fmt(r.record)} ms; a failing replay (re-record + run): ${fmt(r.retrace)} ms`);
  console.log(`  alternating between two paths (guards fail on the first path tried half the time): ${fmt(r.alternate)} ms per call; retraces ${r.retraces}, paths ${r.paths}`);
  console.log(`  guarded vs where: max relative difference ${r.relErr.toExponential(1)}\n`);
}
