// W4 (logistic regression, 100 000 × 100) on the compiled tier beside hand-written C: value +
// gradient per call on the interpreter, on the compiled tier (the row-blocked matrix–vector pass,
// docs/compiled.md) and in bench/logreg-hand.c (one pass over X, compiled here with
// `cc -O3 -march=native`, run as a child process between wengert's own rounds).
//   npx tsx bench/matvec.ts [--quick] [--json out.json]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';
import { logreg } from './workloads.js';

const quick = process.argv.includes('--quick');
const jsonAt = process.argv.indexOf('--json');
const here = dirname(fileURLToPath(import.meta.url));
const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
process.env.WENGERT_CACHE_DIR = mkdtempSync(join(tmpdir(), 'wengert-matvec-'));

const W = logreg();
const { m, k } = W.inputs;
const exe = join(mkdtempSync(join(tmpdir(), 'wengert-hand-')), 'logreg-hand');
execFileSync('cc', ['-O3', '-march=native', join(here, 'logreg-hand.c'), '-o', exe, '-lm']);
const hand = (reps: number) => execFileSync(exe, [String(m), String(k), String(reps)], { encoding: 'utf8' }).trim().split(' ').map(Number);

w.setBackend('native', { codegen: 'off' });
const interp = w.compile(W.f, ...W.args);
w.setBackend('native', { codegen: 'eager' });
const compiled = w.compile(W.f, ...W.args);
compiled.valueAndGrad(...W.args);
const tier = await compiled.ready();
const timeOf = (f: () => unknown, reps: number) => { const t: number[] = []; for (let i = 0; i < reps; i++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); } return mid(t); };

console.log(`W4 logreg ${m} × ${k}, value + gradient; compiled tier: ${tier}; load average ${load()}`);
const rounds = quick ? 3 : 9, reps = quick ? 5 : 11;
const R = { interp: [] as number[], compiled: [] as number[], hand: [] as number[] };
let handValue = 0;
for (let r = 0; r < rounds; r++) {
  R.interp.push(timeOf(() => interp.valueAndGrad(...W.args), reps));
  R.compiled.push(timeOf(() => compiled.valueAndGrad(...W.args), reps));
  const [ms, v] = hand(reps);
  R.hand.push(ms);
  handValue = v;
}
const [value] = compiled.valueAndGrad(...W.args) as [number, unknown];
const row = { tier, interpMs: mid(R.interp), compiledMs: mid(R.compiled), handMs: mid(R.hand), compiledOverHand: mid(R.compiled) / mid(R.hand), interpOverHand: mid(R.interp) / mid(R.hand), valueRelDiff: Math.abs(value - handValue) / Math.abs(handValue), load: loadavg() };
console.log(`interpreter ${row.interpMs.toFixed(2)} ms, compiled ${row.compiledMs.toFixed(2)} ms, hand C ${row.handMs.toFixed(2)} ms: compiled / hand ${row.compiledOverHand.toFixed(2)}× (target ≤ 1.1×: ${row.compiledOverHand <= 1.1 ? 'met' : 'not met'}), interpreter / hand ${row.interpOverHand.toFixed(2)}×; value vs hand ${row.valueRelDiff.toExponential(1)} relative; load average after ${load()}`);
if (jsonAt >= 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify(row, null, 2) + '\n');
