// A program of ~10⁶ equations (a plain JS loop of scalar ops, not rolled into a loop) must record,
// plan and run on both backends: prints the time and peak RSS of the first gradient.
// Run: npx tsx scripts/long-program.ts [steps = 333334]   (3 equations per step)
import * as w from '../src/index.js';

const steps = Number(process.argv[2] ?? 333_334);
const f = (x: w.Tensor) => { let s = x; for (let i = 0; i < steps; i++) s = w.add(w.mul(s, 0.999), w.sin(s)); return s; };
for (const b of w.nativeInfo().available ? (['ts', 'native'] as const) : (['ts'] as const)) {
  w.setBackend(b);
  const t0 = performance.now();
  const g = w.grad(f)(0.5);
  const ms = performance.now() - t0;
  console.log(`${b.padEnd(6)} ${3 * steps} equations: first gradient ${g} in ${(ms / 1000).toFixed(1)} s, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
}
