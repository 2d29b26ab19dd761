// The intra-op pool's breakdown for bench/threads.ts (run with WENGERT_PROFILE=threads): per
// evaluation, the time outside parallel regions (serial), the regions' spans, the caller's own
// chunks and its wait for the workers' last chunk (imbalance + hand-off), the workers' wake
// latency (job published → seat taken), their spinning between jobs, the CPU clocks of the main
// thread and of the workers; and two bounds for n threads:
//   Amdahl   (S + P/n) / wall₁        S: the n-thread serial wall, P = wall₁ − S
//   chunks   (S + P·Σ_r w_r·⌈c_r/n⌉/c_r) / wall₁  each region r's chunks (c_r, of equal cost, weight w_r
//            its share of the regions' spans) split whole
// Reaches into the addon (internal): a diagnostic, update it when threads_profile.h changes.
import { _addon } from '../src/backends/index.js';
import type { ThreadsProfile, PoolRegion } from '../src/backends/native/loader.js';
import { table } from './timing.js';

const addon = _addon();
export const profiling = () => addon?.threadsProfile() != null;

/** per evaluation, ms (counts: per evaluation too) */
export interface Breakdown {
  wall: number; serial: number; span: number; inline: number; caller: number; wait: number; wake: number;
  spin: number; mainCpu: number; workerCpu: number; regions: number; inlineRegions: number; idleJoins: number; sleeps: number;
  /** one evaluation's regions, in order */
  one: PoolRegion[];
}

const ms = (ns: number, evals: number) => ns / 1e6 / evals;

/** run() `evals` times with the counters reset, then once more alone for its regions */
export function profileBatch(run: () => unknown, evals: number): Breakdown {
  const a = addon!;
  a.threadsProfile(true);
  const c0 = a.threadCpuMs(), w0 = a.threadsProfile()!.workerCpuNs, t0 = performance.now();
  for (let i = 0; i < evals; i++) run();
  const wall = (performance.now() - t0) / evals;
  const p = a.threadsProfile(true) as ThreadsProfile;
  const mainCpu = (a.threadCpuMs() - c0) / evals;
  run();
  const one = a.threadsProfile(true)!.recent;
  const span = ms(p.spanNs, evals), inline = ms(p.inlineNs, evals);
  return {
    wall, serial: wall - span - inline, span, inline, caller: ms(p.callerNs, evals), wait: ms(p.waitNs, evals),
    wake: p.joins ? p.wakeNs / p.joins / 1e3 : 0, spin: ms(p.spinNs, evals), mainCpu, workerCpu: ms(p.workerCpuNs - w0, evals),
    regions: p.regions / evals, inlineRegions: p.inlineRegions / evals, idleJoins: p.idleJoins / evals, sleeps: p.sleeps / evals, one,
  };
}

/**
 * the bounds for n threads: the n-thread run's serial wall S (outside its regions), the rest of the
 * 1-thread wall (P = wall₁ − S) split perfectly (Amdahl), or each region's share of P split into
 * whole chunks of equal cost (its span's weight at n threads)
 */
export function bounds(b1: Breakdown, bn: Breakdown, n: number): { amdahl: number; chunks: number } {
  const S = Math.min(bn.serial, b1.wall), P = b1.wall - S, all = bn.one.reduce((s, r) => s + r.spanNs, 0);
  const split = all ? bn.one.reduce((s, r) => s + r.spanNs * Math.ceil(r.chunks / n) / r.chunks, 0) / all : 1 / n;
  return { amdahl: (S + P / n) / b1.wall, chunks: (S + P * split) / b1.wall };
}

const f3 = (x: number) => x.toFixed(3);

/** the breakdown rows of one workload: one per thread count */
export function breakdownRows(label: string, counts: number[], b: Breakdown[]): string[][] {
  return counts.map((n, i) => {
    const x = b[i], bd = n > 1 ? bounds(b[0], x, n) : null;
    return [label, String(n), f3(x.wall), f3(x.serial), f3(x.span + x.inline), f3(x.caller), f3(x.wait), x.wake.toFixed(1), f3(x.spin),
      `${x.regions.toFixed(0)}+${x.inlineRegions.toFixed(0)}`, x.idleJoins.toFixed(1), f3(x.mainCpu), f3(x.workerCpu),
      bd ? `${bd.amdahl.toFixed(2)}× / ${bd.chunks.toFixed(2)}×` : '', n > 1 ? `${(x.wall / b[0].wall).toFixed(2)}×` : ''];
  });
}

export const breakdownHeader = ['workload', 'threads', 'wall', 'serial', 'regions', 'caller chunks', 'caller wait', 'wake µs', 'worker spin',
  'regions pooled+inline', 'idle joins', 'main CPU', 'worker CPU', 'bound Amdahl / chunks', 'this ÷ 1'];

/** one evaluation's regions by function (first appearance order): µs */
export function regionTable(label: string, one: PoolRegion[]): string {
  const rows = new Map<string, number[]>();
  for (const r of one) {
    const key = `${r.fn} ×${r.chunks}${r.helpers ? '' : ' inline'}`;
    const x = rows.get(key) ?? [0, 0, 0, 0, 0];
    [r.spanNs / 1e3, r.callerNs / 1e3, r.waitNs / 1e3, r.workerChunks, 1].forEach((v, k) => { x[k] += v; });
    rows.set(key, x);
  }
  return `${label}: one evaluation's regions by function (chunk count), µs summed over its calls\n` +
    table(['function ×chunks', 'calls', 'span', 'caller chunks', 'caller wait', 'worker chunks'],
      [...rows].map(([k, x]) => [k, String(x[4]), x[0].toFixed(1), x[1].toFixed(1), x[2].toFixed(1), String(x[3])]));
}
