// Soak: 10⁶ replays of a small compiled program (2-D Rosenbrock, valueAndGradInto) with RSS and
// heap sampled every 10⁵; after warm-up the process must not grow. A script, not a timed test.
//   npx tsx bench/soak.ts [--backend native|ts] [--calls 1000000] [--every 100000] [--async]
// --async: every 10th call is a valueAndGradAsync (awaited), to soak the async path as well.
// Exit code 1 when RSS grows by more than 16 MB between the first and the last sample.
import * as w from '../src/index.js';

const arg = (name: string, dflt: string) => { const i = process.argv.indexOf(name); return i >= 0 ? process.argv[i + 1] : dflt; };
const backend = arg('--backend', w.nativeInfo().available ? 'native' : 'ts') as w.BackendName;
const calls = Number(arg('--calls', '1000000')), every = Number(arg('--every', '100000'));
const withAsync = process.argv.includes('--async');
w.setBackend(backend);

const rosen = (x: w.Tensor) => {
  const a = w.at(x, 0), b = w.at(x, 1);
  return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)));
};
const p = w.compile(rosen, new Float64Array([-1.2, 1]));
const x = new Float64Array(2), g = new Float64Array(2);
const MB = (b: number) => (b / 2 ** 20).toFixed(1);

console.log(`soak: ${calls} replays of 2-D Rosenbrock valueAndGradInto on ${backend}${withAsync ? ' (every 10th async)' : ''}, node ${process.version}`);
console.log('calls      | rss MB | heapUsed MB | external MB | ns/call | checksum');
const samples: number[] = [];
let t = performance.now(), sum = 0;
for (let i = 1; i <= calls; i++) {
  x[0] = Math.sin(i) * 1.5;
  x[1] = Math.cos(i);
  if (withAsync && i % 10 === 0) sum += (await p.valueAndGradAsync(x))[0];
  else sum += p.valueAndGradInto(g, x) + g[0] * 1e-9;
  if (i % every === 0) {
    const m = process.memoryUsage(), now = performance.now();
    samples.push(m.rss);
    console.log(`${String(i).padEnd(10)} | ${MB(m.rss).padStart(6)} | ${MB(m.heapUsed).padStart(11)} | ${MB(m.external).padStart(11)} | ${((now - t) * 1e6 / every).toFixed(0).padStart(7)} | ${sum.toExponential(6)}`);
    t = now;
  }
}
const growth = samples[samples.length - 1] - samples[0];
console.log(`RSS from the first sample (after ${every} calls, warm) to the last: ${growth >= 0 ? '+' : ''}${MB(growth)} MB; stats: ${JSON.stringify({ ...p.stats, lastRetraceReason: undefined })}`);
if (growth > 16 * 2 ** 20) { console.log('FAIL: RSS grew'); process.exitCode = 1; }
