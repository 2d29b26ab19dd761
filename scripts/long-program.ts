// Programs of ~10⁶ equations must record, plan and run on both backends. Two kinds:
//  - a plain JS loop (a repeated block: the planner rolls it into a loop);
//  - a sequence with no repeated block (ops picked by a seeded generator: stays 10⁶ equations).
// Prints the time and RSS of the first gradient of each.  Run: npx tsx scripts/long-program.ts [equations = 1e6]
import * as w from '../src/index.js';

const n = Number(process.argv[2] ?? 1e6);
const loop = (x: w.Tensor) => { let s = x; for (let i = 0; i < n / 3; i++) s = w.add(w.mul(s, 0.999), w.sin(s)); return s; };
const mixed = (x: w.Tensor) => {
  let s = x, r = 12345;
  const ops = [(t: w.Tensor) => w.sin(t), (t: w.Tensor) => w.mul(t, 0.999), (t: w.Tensor) => w.add(t, 0.001), (t: w.Tensor) => w.tanh(t), (t: w.Tensor) => w.cos(t)];
  for (let i = 0; i < n; i++) { r = (Math.imul(r, 1103515245) + 12345) >>> 0; s = ops[r % 5](s); }
  return s;
};
for (const [name, f] of [['plain JS loop', loop], ['no repeated block', mixed]] as const) {
  for (const b of w.nativeInfo().available ? (['ts', 'native'] as const) : (['ts'] as const)) {
    w.setBackend(b);
    const t0 = performance.now();
    const g = w.grad(f)(0.5);
    const ms = performance.now() - t0;
    console.log(`${name.padEnd(18)} ${b.padEnd(6)} ${n} equations: first gradient ${g.toPrecision(6)} in ${(ms / 1000).toFixed(1)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  }
}
