// Deep property run (`npm run test:deep`): 1e5 random programs (test/support/programs.ts) on the TS and
// native backends, cycling the native SIMD level per case, checked against each other and against
// finite differences (second order for guarded singular functions and integer powers), then the local
// derivatives of every smooth unary op at the operands the programs gave it against closed forms.
// Runs in chunks of 1000 cases with their own seeds; a failing chunk shrinks its counterexample,
// prints it (with w.show) and the run goes on. Exit code 1 when any chunk or the local check failed.
//   npx tsx scripts/property-deep.ts [--cases 100000] [--seed 1] [--max-steps 16] [--chunks 9,12 (re-run those)]
import fc from 'fast-check';
import * as w from '../src/index.js';
import { _addon, backendRuns } from '../src/backends/index.js';
import { specArb, checkProgram, checkLocalDerivatives, newTally, DEFAULT_CHECK, type Backend } from '../test/support/programs.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const cases = arg('cases', 100_000), seed0 = arg('seed', 1), maxSteps = arg('max-steps', 16);
const addon = _addon();
const backends: Backend[] = addon ? ['ts', 'native'] : ['ts'];
const levels = addon ? addon.simdInfo().supported : [];
const opts = { ...DEFAULT_CHECK, backends };
const tally = newTally();
const perLevel: Record<string, number> = {};
const failures: string[] = [];
const t0 = Date.now();
const CHUNK = 1000;
const ci = process.argv.indexOf('--chunks');
const only = ci > 0 ? new Set(process.argv[ci + 1].split(',').map(Number)) : null;

console.log(`property-deep: ${cases} cases, backends ${backends.join('+')}, SIMD levels ${levels.join(', ') || '-'}, max ${maxSteps} steps`);
for (let c = 0; c * CHUNK < cases; c++) {
  if (only && !only.has(c)) continue;
  const n = Math.min(CHUNK, cases - c * CHUNK);
  let i = 0;
  const r = fc.check(fc.property(specArb({ maxSteps: c % 2 ? maxSteps : 8 }), (s) => {
    if (addon) { const lv = levels[i++ % levels.length]; addon.setSimd(lv); perLevel[lv] = (perLevel[lv] ?? 0) + 1; }
    checkProgram(s, opts, tally);
  }), { numRuns: n, seed: seed0 * 1_000_003 + c });
  if (r.failed) {
    const msg = `chunk ${c} (seed ${seed0 * 1_000_003 + c}), after ${r.numShrinks} shrinks:\n${(r.errorInstance as Error)?.message ?? String(r.errorInstance)}`;
    failures.push(msg);
    console.log(`\n--- FAILURE ${failures.length} ---\n${msg}\n`);
  }
  if ((c + 1) % 10 === 0) console.log(`${(c + 1) * CHUNK} cases, ${failures.length} failing chunks, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
// the local derivative check on the TS backend and on the native one at every SIMD level
let local: Record<string, number> | string = {};
try {
  local = checkLocalDerivatives(['ts']);
  for (const lv of levels) { addon!.setSimd(lv); checkLocalDerivatives(['native']); }
} catch (e) {
  local = (e as Error).message;
  failures.push(`local derivatives: ${local}`);
  console.log(`\n--- FAILURE (local derivatives) ---\n${local}\n`);
}
if (addon) addon.setSimd(addon.simdInfo().detected);
const secs = (Date.now() - t0) / 1000;
console.log(JSON.stringify({ cases: tally.cases, failingChunks: failures.length, fd: tally.fd, second: tally.second, local,
  meanDepth: +(tally.depthSum / Math.max(1, tally.cases)).toFixed(2), nativeRuns: backendRuns().native, perLevel, seconds: +secs.toFixed(1),
  backend: w.getBackend() }, null, 1));
process.exit(failures.length ? 1 : 0);
