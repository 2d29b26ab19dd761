// The compiled tier vs the interpreter (issue 13; docs/compiled.md): value + gradient medians of
// W1–W4 and the tiny 2-D Rosenbrock on each tier in one process, the hand-written JS beside them;
// compile time, time to ready from the disk cache, and the event loop's delay while compiling.
//   npx tsx bench/compiled.ts [--quick] [--json out.json]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { ALL, type WorkloadId } from './workloads.js';
import { HAND } from './hand.js';
import { median, fmt, table } from './timing.js';

const quick = process.argv.includes('--quick');
const dir = mkdtempSync(path.join(os.tmpdir(), 'wengert-bench-cache-'));
process.env.WENGERT_CACHE_DIR = dir;
w.setBackend('native', { codegen: 'off' });

interface Row { id: string; interp: number; compiled: number; hand: number | null; compileMs: number; hitMs: number; maxDelayMs: number }

async function measure(id: string, f: (...a: any[]) => w.Tensor, args: unknown[], hand: (() => unknown) | null): Promise<Row> {
  w.setBackend('native', { codegen: 'off' });
  const p = w.compile(f, ...args);
  const interp = median(() => p.valueAndGrad(...args), 9, quick ? 500 : 2000);
  w.setBackend('native', { codegen: 'eager' });
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  const tier = await p.ready();
  const compileMs = performance.now() - t0;
  h.disable();
  if (tier !== 'compiled') throw new Error(`${id} stayed on the interpreter: ${w.nativeInfo().codegen.reason}`);
  const compiled = median(() => p.valueAndGrad(...args), 9, quick ? 500 : 2000);
  // the same program again in a fresh Program: its objects come from the disk cache
  const q = w.compile(f, ...args);
  q.valueAndGrad(...args);
  const t1 = performance.now();
  await q.ready();
  const hitMs = performance.now() - t1;
  const handMs = hand ? median(hand, 9, quick ? 500 : 2000) : null;
  return { id, interp, compiled, hand: handMs, compileMs, hitMs, maxDelayMs: h.max / 1e6 };
}

const rows: Row[] = [];
const rosen2 = (v: w.Tensor) => {
  const x = w.at(v, 0), y = w.at(v, 1);
  return w.add(w.square(w.sub(1, x)), w.mul(100, w.square(w.sub(y, w.square(x)))));
};
const v2 = new Float64Array([-1.2, 1]);
rows.push(await measure('Rosenbrock 2-D', rosen2, [v2], () => {
  const x = v2[0], y = v2[1], t = y - x * x;
  return [(1 - x) ** 2 + 100 * t * t, new Float64Array([-2 * (1 - x) - 400 * x * t, 200 * t])];
}));
for (const id of ['W1', 'W3', 'W4', 'W2'] as WorkloadId[]) {
  const wl = ALL[id]();
  const hand = HAND[id] as { grad(inp: unknown): unknown };
  rows.push(await measure(`${id} ${wl.name}`, wl.f, wl.args, () => hand.grad(wl.inputs)));
}
rmSync(dir, { recursive: true, force: true });
const simd = w.nativeInfo().simd;
console.log(`value + gradient, median ms (SIMD ${simd}, load ${os.loadavg()[0].toFixed(1)}); compile = ready() with an empty cache`);
console.log(table(['workload', 'interpreter', 'compiled', 'compiled/interp', 'hand JS', 'compile ms', 'cache hit ms', 'max loop delay ms'],
  rows.map((r) => [r.id, fmt(r.interp), fmt(r.compiled), (r.compiled / r.interp).toFixed(2), r.hand === null ? '—' : fmt(r.hand),
    r.compileMs.toFixed(0), r.hitMs.toFixed(1), r.maxDelayMs.toFixed(1)])));
const at = process.argv.indexOf('--json');
if (at > 0) (await import('node:fs')).writeFileSync(process.argv[at + 1], JSON.stringify({ simd, load: os.loadavg()[0], rows }, null, 1));
