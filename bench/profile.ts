// Where a wengert valueAndGrad call spends its time on the TS backend, phase by phase, and
// kernel by kernel in the planned derivative program.
//   npx tsx bench/profile.ts [--only W1,W4] [--runs N] [--top K]
// Phases mirror src/api/grad.ts: trace f → signature (derivative-program cache key) →
// [first call only: vjpGraph + TS plan] → run → results. Kernels: a second, instrumented run of
// the planned graph, timed per equation and grouped by op and shapes.
// Reaches into the internals: a diagnostic tool, update it when the pipeline changes.
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph, type Seed } from '../src/transforms/vjp.js';
import { signature } from '../src/core/signature.js';
import { tsPlan } from '../src/plan/plan.js';
import { runOnBackend, setBackend } from '../src/backends/index.js';
import { unflatten } from '../src/core/pytree.js';
import { Tensor } from '../src/core/tensor.js';
import type { Graph } from '../src/core/graph.js';
import { fmtShape } from '../src/core/shape.js';
import { ALL, type WorkloadId, type Workload } from './workloads.js';

const now = () => performance.now();
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

/** Run g with each op's kernel (no register file), timing every equation into `times`. */
function timedInterpret(g: Graph, inputs: readonly Float64Array[], times: Float64Array): void {
  const env: (Float64Array | undefined)[] = new Array(g.nvars);
  g.inputs.forEach((v, k) => { env[v] = inputs[k]; });
  for (const [v, t] of g.consts) env[v] = t._data!;
  g.eqns.forEach((e, k) => {
    const ins = e.ins.map((i) => env[i]!), shapes = e.ins.map((i) => g.shapes[i]);
    const t0 = now();
    env[e.out] = e.op.kernel(ins, shapes, g.shapes[e.out], e.attrs);
    times[k] = now() - t0;
  });
}

/** Median per-call kernel time grouped by `op in-shapes -> out-shape`, with the equation count. */
function byOp(g: Graph, runs: Float64Array[]): { key: string; ms: number; count: number }[] {
  const keys = g.eqns.map((e) => `${e.op.name} ${e.ins.map((i) => fmtShape(g.shapes[i])).join(',')} -> ${fmtShape(g.shapes[e.out])}`);
  const groups = new Map<string, number[]>();
  keys.forEach((k, i) => { const l = groups.get(k) ?? []; l.push(i); groups.set(k, l); });
  return [...groups].map(([key, idx]) => ({ key, count: idx.length, ms: median(runs.map((t) => idx.reduce((a, i) => a + t[i], 0))) }))
    .sort((a, b) => b.ms - a.ms);
}

function profile(wl: Workload, runs: number, top: number) {
  setBackend('ts');
  const phases: Record<string, number[]> = { trace: [], signature: [], run: [], results: [], total: [] };
  const kernelRuns: Float64Array[] = [];
  let dg: Graph | undefined, planned: Graph | undefined, fwdEqns = 0, firstMs = { vjpGraph: 0, plan: 0 };
  for (let r = -2; r < runs; r++) {
    const t0 = now();
    const tr = traceFunction(wl.f, wl.args, 'valueAndGrad');
    const t1 = now();
    const [s, e] = tr.argRanges[0];
    const wrt = Array.from({ length: e - s }, (_, i) => s + i);
    const seeds: Seed[] = tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null));
    signature(tr.graph, [wrt.length, ...wrt, -2, ...seeds.map((x) => (x ? 1 : 0))]);
    const t2 = now();
    if (!dg) {
      // first call: derivative program and its plan (cached by grad.ts / plan.ts afterwards)
      const a = now(); dg = vjpGraph(tr.graph, wrt, seeds); const b = now(); planned = tsPlan(dg); const c = now();
      firstMs = { vjpGraph: b - a, plan: c - b };
      fwdEqns = tr.graph.eqns.length;
    }
    const t3 = now();
    const outs = runOnBackend(dg, tr.inputs.map((t) => t._data!));
    const t4 = now();
    unflatten(tr.argDefs[0], outs.slice(1).map((d, k) => new Tensor(dg!.shapes[dg!.outputs[k + 1]], d)), true);
    const t5 = now();
    const times = new Float64Array(planned!.eqns.length);
    timedInterpret(planned!, tr.inputs.map((t) => t._data!), times);
    if (r < 0) continue;
    kernelRuns.push(times);
    phases.trace.push(t1 - t0); phases.signature.push(t2 - t1); phases.run.push(t4 - t3); phases.results.push(t5 - t4);
    phases.total.push(t1 - t0 + t2 - t1 + t5 - t3);
  }
  const total = median(phases.total);
  console.log(`\n${wl.id} ${wl.name}: forward ${fwdEqns} eqns; value+gradient program ${dg!.eqns.length} eqns, planned ${planned!.eqns.length}; medians of ${runs} calls`);
  console.log(`  first call only: vjpGraph ${firstMs.vjpGraph.toFixed(2)} ms, TS plan ${firstMs.plan.toFixed(2)} ms`);
  for (const [k, v] of Object.entries(phases)) console.log(`  ${k.padEnd(9)} ${median(v).toFixed(3).padStart(9)} ms  ${(100 * median(v) / total).toFixed(1).padStart(5)} %`);
  const rows = byOp(planned!, kernelRuns);
  const runMs = median(phases.run);
  console.log(`  kernels of the planned program (instrumented run, % of the run phase; top ${top} of ${rows.length} groups):`);
  for (const { key, ms, count } of rows.slice(0, top)) {
    console.log(`    ${ms.toFixed(3).padStart(9)} ms  ${(100 * ms / runMs).toFixed(1).padStart(5)} %  ${String(count).padStart(6)} ×  ${key.length > 150 ? key.slice(0, 147) + '...' : key}`);
  }
}

function main() {
  const argv = process.argv.slice(2);
  let only = Object.keys(ALL) as WorkloadId[], runs = 7, top = 12;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--only') only = argv[++i].split(',').map((s) => s.trim().toUpperCase()) as WorkloadId[];
    else if (argv[i] === '--runs') runs = Number(argv[++i]);
    else if (argv[i] === '--top') top = Number(argv[++i]);
    else throw new Error(`unknown flag ${argv[i]} (expected --only W1,W2 --runs N --top K)`);
  }
  for (const id of only) profile(ALL[id](), runs, top);
}

main();
