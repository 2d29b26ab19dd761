// Time to the first gradient of loop programs, each in a fresh Node process running what a user's
// script runs (plain `node` importing the built dist/; cases in bench/first-call-case.mjs):
//   w3-loop    W3 (RK4 Lotka–Volterra, 1000 steps) as a plain JS loop: w.compile + first valueAndGrad
//   w3-scan    the same model written with w.scan: w.compile + first valueAndGrad
//   osc-loop   a 5000-step damped-oscillator fit (plain JS loop, per-step observations): first w.grad
// Usage: npx tsx bench/first-call.ts [--runs 7] [--backend native|ts] [--case <name>] [--src] [--vs <dir>]
//   --src       the child imports src/ through tsx (dist/ when absent): tsx's loader leaves a larger
//               young generation behind, so a case collects less garbage than under plain node
//   --vs <dir>  alternate each process with one importing <dir>/index.js (an older build copied
//               next to dist/): medians side by side, the same machine load for both
// One case in this process, with a CPU or allocation profile: bench/first-call-case.mjs (usage in its header)
// Each case reports wall ms; on Linux the main thread's CPU ms (what a loaded machine does not
// inflate by waiting) and its run-queue wait (runnable, not running: wall ≈ CPU + wait); the whole
// process's CPU (main + V8's background JIT and GC threads, which compete for the cores); and the
// main thread's GC pauses during the case (scavenges, mark-compact and its incremental steps).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const CASES = ['w3-loop', 'w3-scan', 'osc-loop'];
const FIELDS = ['ms', 'cpu', 'wait', 'proc', 'gc'] as const;
type Run = Record<(typeof FIELDS)[number], number>;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const child = fileURLToPath(new URL('first-call-case.mjs', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const src = process.argv.includes('--src') || !existsSync(root + 'dist/index.js');

/** one fresh process running case `name` with library `lib` (dist, src or a directory) */
function run(name: string, backend: string, lib: string): Run {
  const node = lib === 'src' ? ['--import', 'tsx'] : [];
  const out = execFileSync(process.execPath, [...node, child, '--case', name, '--backend', backend, '--lib', lib], { encoding: 'utf8' });
  return JSON.parse(out) as Run;
}

function line(label: string, runs: Run[]): string {
  const m = (k: keyof Run) => median(runs.map((r) => r[k])).toFixed(1);
  const ms = runs.map((r) => r.ms);
  return `${label.padEnd(22)} ${m('ms').padStart(6)} ms  (min ${Math.min(...ms).toFixed(1)}, max ${Math.max(...ms).toFixed(1)}; ` +
    `main-thread CPU ${m('cpu')}, run-queue wait ${m('wait')}, GC pause ${m('gc')}; process CPU ${m('proc')} ms)`;
}

/** the newest modification time under dir (ms) */
const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => statSync(`${dir}/${f}`).mtimeMs));
if (!src && newest(root + 'src') > statSync(root + 'dist/index.js').mtimeMs) console.log('note: src/ changed after dist/ was built (npm run build)');

const runs = Number(arg('runs') ?? 7), vs = arg('vs'), lib = src ? 'src' : 'dist';
const backends = arg('backend') ? [arg('backend')!] : ['native', 'ts'];
const cases = arg('case') ? [arg('case')!] : CASES;
console.log(`first call in a fresh process (${lib}${vs ? ` alternating with ${vs}` : ''}), median of ${runs} processes ` +
  `(load average ${loadavg()[0].toFixed(1)})`);
for (const backend of backends) {
  for (const name of cases) {
    const mine: Run[] = [], theirs: Run[] = [];
    for (let r = 0; r < runs; r++) {
      if (vs) theirs.push(run(name, backend, vs));
      mine.push(run(name, backend, lib));
    }
    if (vs) console.log(line(`${name} ${backend} ${vs}`, theirs));
    console.log(line(`${name} ${backend}${vs ? ' ' + lib : ''}`, mine));
  }
}
console.log(`(load average ${loadavg()[0].toFixed(1)} at the end)`);
