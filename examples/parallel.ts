// Data-parallel gradient sums over worker_threads (docs/parallel.md): a least-squares fit of
// y = a·exp(−b·x) + c to 2 000 000 points whose residuals are split into 8 fixed shards. Each worker
// compiles the same loss once and returns (value, gradient) of the shards it is handed; the main
// thread sums the partials in shard order, so the result has the same bits with 1, 2 or 4 workers
// and with none (the same shard loop in this thread).
//   npx tsx examples/parallel.ts [workers=2]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import * as w from '../src/index.js';

const N = 2_000_000, SHARDS = 8, SHARD = N / SHARDS;

/** Σ over one shard of (a·exp(−b·x) + c − y)²; θ = [a, b, c] */
const loss = (theta: w.Tensor, x: w.Tensor, y: w.Tensor) => {
  const [a, b, c] = [w.at(theta, 0), w.at(theta, 1), w.at(theta, 2)];
  return w.sum(w.square(w.sub(w.add(w.mul(a, w.exp(w.mul(w.neg(b), x))), c), y)));
};

interface Task { shard: number; theta: Float64Array }
interface Partial { shard: number; value: number; grad: Float64Array }

/** what a worker does: one compiled program, shards of the shared data by index */
function shardEvaluator(xs: Float64Array, ys: Float64Array) {
  const view = (a: Float64Array, s: number) => a.subarray(s * SHARD, (s + 1) * SHARD);
  const p = w.compile(loss, new Float64Array(3), view(xs, 0), view(ys, 0));
  return ({ shard, theta }: Task): Partial => {
    const [value, grad] = p.valueAndGrad(theta, view(xs, shard), view(ys, shard)) as [number, Float64Array];
    return { shard, value, grad };
  };
}

/** A minimal pool: tasks go to idle workers in order; results come back keyed by shard. */
class Pool {
  private idle: Worker[] = [];
  private queue: { task: Task; done: (p: Partial) => void }[] = [];
  constructor(readonly workers: Worker[]) { this.idle = [...workers]; }
  run(task: Task): Promise<Partial> {
    return new Promise((done) => { this.queue.push({ task, done }); this.pump(); });
  }
  private pump(): void {
    while (this.idle.length && this.queue.length) {
      const wk = this.idle.pop()!, { task, done } = this.queue.shift()!;
      wk.once('message', (p: Partial) => { this.idle.push(wk); done(p); this.pump(); });
      wk.postMessage(task);
    }
  }
  close(): Promise<number[]> { return Promise.all(this.workers.map((wk) => wk.terminate())); }
}

/** the loss and gradient at θ: every shard's partial, summed in shard order (fixed, whoever computed it) */
async function valueAndGrad(theta: Float64Array, partial: (t: Task) => Promise<Partial> | Partial): Promise<[number, Float64Array]> {
  const parts = await Promise.all(Array.from({ length: SHARDS }, (_, shard) => partial({ shard, theta })));
  let value = 0;
  const grad = new Float64Array(3);
  for (const p of parts.sort((a, b) => a.shard - b.shard)) {
    value += p.value;
    for (let k = 0; k < 3; k++) grad[k] += p.grad[k];
  }
  return [value, grad];
}

/** gradient descent with Armijo backtracking (enough for a 3-parameter fit; w.leastSquares does better in one thread) */
async function fit(partial: (t: Task) => Promise<Partial> | Partial, iterations = 60): Promise<{ theta: Float64Array; value: number }> {
  let theta = Float64Array.of(1, 1, 0), step = 1e-6;
  let [f, g] = await valueAndGrad(theta, partial);
  for (let i = 0; i < iterations; i++) {
    const g2 = g.reduce((s, v) => s + v * v, 0);
    for (;;) {
      const trial = theta.map((t, k) => t - step * g[k]);
      const [ft, gt] = await valueAndGrad(trial, partial);
      if (ft <= f - 0.5 * step * g2) { theta = trial; f = ft; g = gt; step *= 2; break; }
      step /= 2;
      if (step < 1e-20) return { theta, value: f };
    }
  }
  return { theta, value: f };
}

/** a worker running this file; as TypeScript (npx tsx) it first registers tsx's loader in the worker */
function startWorker(data: unknown): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL(import.meta.url), { workerData: data });
  const api = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const code = `(async () => { (await import(${JSON.stringify(api)})).register(); await import(${JSON.stringify(import.meta.url)}); })()`;
  return new Worker(code, { eval: true, workerData: data });
}

async function main() {
  const workers = Number(process.argv[2] ?? 2);
  // the data, once, in shared memory: workers read it in place
  const xs = new Float64Array(new SharedArrayBuffer(8 * N)), ys = new Float64Array(new SharedArrayBuffer(8 * N));
  for (let i = 0; i < N; i++) { xs[i] = (4 * i) / N; ys[i] = 2.5 * Math.exp(-1.3 * xs[i]) + 0.5 + 0.01 * Math.sin(7919 * i); }

  const local = shardEvaluator(xs, ys);
  await valueAndGrad(Float64Array.of(1, 1, 0), local);
  let t = performance.now();
  const one = await fit(local);
  const tOne = performance.now() - t;

  const pool = new Pool(Array.from({ length: workers }, () => startWorker({ xs, ys })));
  await valueAndGrad(Float64Array.of(1, 1, 0), (task) => pool.run(task));   // workers compile (not timed)
  t = performance.now();
  const many = await fit((task) => pool.run(task));
  const tMany = performance.now() - t;
  await pool.close();

  const same = one.theta.every((v, k) => Object.is(v, many.theta[k])) && Object.is(one.value, many.value);
  console.log(`fit of y = a·exp(−b·x) + c to ${N} points in ${SHARDS} shards (backend ${w.getBackend()}):`);
  console.log(`  this thread: a b c = ${Array.from(one.theta).map((v) => v.toFixed(6)).join(' ')}, loss ${one.value.toExponential(6)} (${tOne.toFixed(0)} ms)`);
  console.log(`  ${workers} workers:   a b c = ${Array.from(many.theta).map((v) => v.toFixed(6)).join(' ')}, loss ${many.value.toExponential(6)} (${tMany.toFixed(0)} ms)`);
  console.log(`  same bits: ${same}`);
  if (!same) process.exitCode = 1;
}

if (!isMainThread) {
  const { xs, ys } = workerData as { xs: Float64Array; ys: Float64Array };
  const evaluate = shardEvaluator(xs, ys);
  parentPort!.on('message', (t: Task) => parentPort!.postMessage(evaluate(t)));
} else {
  await main();
}
