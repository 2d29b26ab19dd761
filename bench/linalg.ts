// Linear algebra benchmark: wengert's native kernels beside OpenBLAS (Debian's single-threaded
// libopenblas0-serial, a bench-only baseline), the cost of a GP log-marginal-likelihood gradient
// against its value, and leastSquares on extended-Rosenbrock residuals.
//   npx tsx bench/linalg.ts [--quick] [--only cholesky,gp,lsq] [--threads N] [--json bench/results/linalg.json]
// (--threads: w.setThreads(N) for the native kernels; without it, the default)
// Sections (every time a median, with CPU time beside wall time on this shared machine; the load
// average is printed and saved):
//   cholesky  512×512 SPD: compiled w.linalg.cholesky (one native call: the input handed over, the
//             factor in a fresh array) vs copy + dpotrf
//   solve     512×512, one right-hand side: compiled w.linalg.solve vs copy + dgesv
//   gp        −log p(y) of a GP regression at n = 500 points (kernel matrix, Cholesky, solves,
//             log-determinant): compiled value vs gradient, per backend (native: interpreter and
//             compiled tier)
//   lsq       w.leastSquares on extended-Rosenbrock residuals, n = m = 1000 (6 s before issue 17)
// The OpenBLAS harness (bench/linalg-openblas.c) is compiled on the fly and run as a child process
// between wengert's own timings, round by round, on the same inputs; its times include copying the
// inputs into the buffers LAPACK factors in place. Without libopenblas the comparison is skipped.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';

type T = w.Tensor;
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const jsonAt = argv.indexOf('--json');
const onlyAt = argv.indexOf('--only');
const threadsAt = argv.indexOf('--threads');
const run = (section: string) => onlyAt < 0 || argv[onlyAt + 1].split(',').includes(section);
const here = dirname(fileURLToPath(import.meta.url));
const native = w.nativeInfo().available;
if (threadsAt >= 0) w.setThreads(Number(argv[threadsAt + 1]));
const report: Record<string, unknown> = { date: new Date().toISOString(), simd: w.nativeInfo().simd, threads: w.nativeInfo().threads, loadBefore: loadavg() };

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
/** CPU milliseconds of this process so far (all its threads: the native kernels run on the calling one) */
const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
/** per-call wall milliseconds of `reps` timed calls after two warm-up calls; `cpu` gets their mean CPU milliseconds */
function times(job: () => unknown, reps: number, cpu?: number[]): number[] {
  job(); job();
  const t: number[] = [], c0 = cpuNow();
  for (let i = 0; i < reps; i++) { const t0 = performance.now(); job(); t.push(performance.now() - t0); }
  cpu?.push((cpuNow() - c0) / reps);
  return t;
}
const f3 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// seeded uniform [0, 1) (mulberry32): the same matrices on every run
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
/** a well-conditioned SPD matrix: G·Gᵀ/n + I, G uniform in [−1, 1) */
function spd(n: number, seed: number): Float64Array {
  const r = rng(seed), g = Float64Array.from({ length: n * n }, () => 2 * r() - 1), a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += g[i * n + k] * g[j * n + k];
      a[i * n + j] = a[j * n + i] = s / n + (i === j ? 1 : 0);
    }
  return a;
}
const general = (n: number, seed: number) => { const r = rng(seed); return Float64Array.from({ length: n * n }, (_, k) => 2 * r() - 1 + (k % (n + 1) === 0 ? 4 : 0)); };

// ---- the OpenBLAS harness ------------------------------------------------------------------------
const blasLib = ['/usr/lib/x86_64-linux-gnu/openblas-serial', '/usr/lib/x86_64-linux-gnu'].find((d) => existsSync(join(d, 'libopenblas.so')));
const work = mkdtempSync(join(tmpdir(), 'wg-linalg-bench-'));
let harness: string | null = null, harnessWhy = '';
if (!blasLib) harnessWhy = 'libopenblas not installed (Debian: apt-get install libopenblas0-serial libopenblas-serial-dev)';
else {
  try {
    harness = join(work, 'linalg-openblas');
    execFileSync('cc', ['-O2', join(here, 'linalg-openblas.c'), '-o', harness, `-L${blasLib}`, `-Wl,-rpath,${blasLib}`, '-lopenblas'], { stdio: 'pipe' });
  } catch (e) { harness = null; harnessWhy = `compiling the harness failed: ${String((e as { stderr?: Buffer }).stderr ?? e).slice(0, 300)}`; }
}
function openblas(args: string[]): { ms: number[]; cpuMs: number; out: Float64Array } {
  const out = join(work, 'out.bin');
  const line = execFileSync(harness!, [...args, out], { env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, encoding: 'utf8' });
  const { ms, cpuMs, info } = JSON.parse(line) as { ms: number[]; cpuMs: number; info: number };
  if (info !== 0) throw new Error(`LAPACK info ${info}`);
  const buf = readFileSync(out);
  return { ms, cpuMs, out: new Float64Array(buf.buffer, buf.byteOffset, buf.byteLength / 8) };
}
const maxRel = (a: Float64Array, b: Float64Array) => { let m = 0, s = 0; for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); } return m / s; };

/**
 * wengert's native calls and OpenBLAS alternately for `rounds` rounds of `reps` calls each, after
 * 20 untimed calls of each native job; wall medians over all calls, the median of the per-round
 * ratios to OpenBLAS, and CPU time per call (median over rounds) with its ratio (less sensitive to
 * other processes on a shared machine)
 */
function sideBySide(name: string, jobs: Record<string, () => unknown>, blasArgs: string[], result: () => Float64Array, rounds: number, reps: number) {
  const names = Object.keys(jobs), nat: Record<string, number[]> = {}, ratios: Record<string, number[]> = {}, blas: number[] = [];
  const cpu: Record<string, number[]> = {}, blasCpu: number[] = [];
  for (const k of names) { nat[k] = []; ratios[k] = []; cpu[k] = []; for (let i = 0; i < 20; i++) jobs[k](); }
  let agree = NaN;
  for (let r = 0; r < rounds; r++) {
    const b = harness ? openblas([...blasArgs.slice(0, 2), String(reps), ...blasArgs.slice(2)]) : null;
    if (b) { blas.push(...b.ms); blasCpu.push(b.cpuMs); agree = maxRel(result(), b.out); }
    for (const k of names) {
      const a = times(jobs[k], reps, cpu[k]);
      nat[k].push(...a);
      if (b) ratios[k].push(median(a) / median(b.ms));
    }
  }
  const row: Record<string, unknown> = { openblasMs: harness ? median(blas) : null, openblasCpuMs: harness ? median(blasCpu) : null, callsEach: rounds * reps, maxRelDiffToOpenblas: agree };
  console.log(`${name}: ` + (harness ? `OpenBLAS ${f3(median(blas))} ms (CPU ${f3(median(blasCpu))} ms); results agree to ${agree.toExponential(1)} relative` : `(OpenBLAS: ${harnessWhy})`) + `  [${rounds} rounds × ${reps} calls]`);
  for (const k of names) {
    const ms = median(nat[k]), ratio = harness ? median(ratios[k]) : null, c = median(cpu[k]), cpuRatio = harness ? c / median(blasCpu) : null;
    row[k] = { nativeMs: ms, ratio, nativeCpuMs: c, cpuRatio };
    console.log(`  native, ${k.padEnd(44)} ${f3(ms)} ms` + (ratio === null ? '' : `  ${ratio.toFixed(2)}× OpenBLAS`) + `  (CPU ${f3(c)} ms` + (cpuRatio === null ? ')' : `, ${cpuRatio.toFixed(2)}×)`));
  }
  return row;
}

function linalgVsBlas() {
  console.log('\n## native kernels vs OpenBLAS (single-threaded), medians\n');
  const n = 512, rounds = quick ? 2 : 9, reps = quick ? 5 : 15;
  w.setBackend('native');
  const A = spd(n, 1), M = general(n, 2), bv = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  writeFileSync(join(work, 'spd.bin'), A); writeFileSync(join(work, 'gen.bin'), M); writeFileSync(join(work, 'b.bin'), bv);
  const At = w.tensor(A, [n, n]), Mt = w.tensor(M, [n, n]), bt = w.tensor(bv);
  // the factor kept inside the program (as in any function that goes on to use it): one call
  // returning ΣL; and the factor returned to JS, a fresh 2 MB Float64Array per call (V8's
  // allocation and the garbage collections it triggers add to the time)
  const cholKept = w.compile((a: T) => w.sum(w.linalg.cholesky(a)), At);
  const chol = w.compile((a: T) => w.linalg.cholesky(a), At);
  const solve = w.compile((a: T, b: T) => w.linalg.solve(a, b), Mt, bt);
  const out: Record<string, unknown> = {};
  out.cholesky512 = sideBySide('cholesky 512×512', { 'factor kept in the program (returns ΣL)': () => cholKept.value(At), 'factor returned to JS': () => chol.value(At) },
    ['potrf', String(n), join(work, 'spd.bin')], () => (chol.value(At) as T).data(), rounds, reps);
  out.solve512 = sideBySide('solve 512×512, one right-hand side', { 'x returned to JS': () => solve.value(Mt, bt) },
    ['gesv', String(n), join(work, 'gen.bin'), join(work, 'b.bin')], () => (solve.value(Mt, bt) as T).data(), rounds, reps);
  // for scale: what this Node takes to allocate a fresh 2 MB Float64Array and write it once
  out.node2MBArrayMs = median(times(() => new Float64Array(n * n).fill(1), rounds * reps));
  console.log(`(Node alone: a fresh Float64Array(${n}·${n}), filled once: ${f3(out.node2MBArrayMs as number)} ms)`);
  // for scale: the TS backend's kernels on the same inputs
  w.setBackend('ts');
  const tsChol = w.compile((a: T) => w.linalg.cholesky(a), At), tsSolve = w.compile((a: T, b: T) => w.linalg.solve(a, b), Mt, bt);
  out.tsCholesky512Ms = median(times(() => tsChol.value(At), quick ? 2 : 5));
  out.tsSolve512Ms = median(times(() => tsSolve.value(Mt, bt), quick ? 2 : 5));
  console.log(`(TS backend, same inputs: cholesky ${f3(out.tsCholesky512Ms as number)} ms, solve ${f3(out.tsSolve512Ms as number)} ms)`);
  return out;
}

// ---- GP log marginal likelihood: gradient vs value ---------------------------------------------------
async function gp() {
  console.log('\n## GP regression −log p(y), n = 500: gradient vs value (compiled), medians\n');
  const n = 500, r = rng(3);
  const xs = Float64Array.from({ length: n }, () => 10 * r());
  const ys = Float64Array.from(xs, (x) => Math.sin(x) + 0.2 * (r() - 0.5));
  const out: Record<string, unknown> = {};
  const variants = native ? [['native', 'off'], ['native compiled', 'eager'], ['ts', 'off']] as const : [['ts', 'off']] as const;
  for (const [name, codegen] of variants) {
    const b = name === 'ts' ? 'ts' : 'native';
    if (b === 'native') w.setBackend(b, { codegen }); else w.setBackend(b);
    const x = w.tensor(xs), y = w.tensor(ys);
    const d2 = w.square(w.sub(w.reshape(x, [n, 1]), w.reshape(x, [1, n])));
    const eye = w.tensor(Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) === 0 ? 1 : 0)), [n, n]);
    const diag = w.tensor(Float64Array.from({ length: n }, (_, i) => i * (n + 1)));
    const nll = (p: T) => {
      const K = w.add(w.mul(w.exp(w.mul(2, w.at(p, 1))), w.exp(w.mul(d2, w.mul(-0.5, w.exp(w.mul(-2, w.at(p, 0))))))), w.mul(w.exp(w.mul(2, w.at(p, 2))), eye));
      const L = w.linalg.cholesky(K);
      const alpha = w.linalg.choleskySolve(L, y);
      return w.add(w.mul(0.5, w.dot(y, alpha)), w.sum(w.log(w.gather(w.reshape(L, [n * n]), diag))));
    };
    const p = w.tensor([0.2, 0, Math.log(0.3)]);
    const prog = w.compile(nll, p);
    prog.value(p); prog.grad(p);
    const tier = b === 'native' ? await prog.ready() : 'ts';
    const reps = b === 'native' ? (quick ? 9 : 31) : (quick ? 3 : 7);
    // value and gradient alternately, so that both see the same load
    const v: number[] = [], g: number[] = [], vc: number[] = [], gc: number[] = [];
    for (let k = 0; k < (quick ? 2 : 5); k++) { v.push(...times(() => prog.value(p), reps, vc)); g.push(...times(() => prog.grad(p), reps, gc)); }
    const row = { tier, valueMs: median(v), gradMs: median(g), ratio: median(g) / median(v), valueCpuMs: median(vc), gradCpuMs: median(gc), cpuRatio: median(gc) / median(vc) };
    out[name] = row;
    console.log(`${name.padEnd(16)} value ${f3(row.valueMs)} ms, gradient ${f3(row.gradMs)} ms: ${row.ratio.toFixed(2)}× (target ≤ 3×: ${row.ratio <= 3 ? 'met' : 'not met'}); CPU ${f3(row.valueCpuMs)} / ${f3(row.gradCpuMs)} ms: ${row.cpuRatio.toFixed(2)}×  [${v.length} + ${g.length} calls, ${tier}]`);
  }
  if (native) w.setBackend('native', { codegen: 'auto' });
  return out;
}

// ---- leastSquares on extended-Rosenbrock residuals ---------------------------------------------------
const rosenRes = (x: T) => {
  const h = x.shape[0] / 2, X = w.reshape(x, [h, 2]);
  const a = w.slice(X, [0, 0], [h, 1]), b = w.slice(X, [0, 1], [h, 2]);
  return w.reshape(w.concat([w.mul(10, w.sub(b, w.square(a))), w.sub(1, a)], 1), [-1]);
};
async function lsq() {
  console.log('\n## leastSquares, extended-Rosenbrock residuals n = m = 1000 (6 s before; target ≥ 4× faster: ≤ 1.5 s), medians\n');
  const n = 1000, x0 = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1.2));
  const out: Record<string, unknown> = {};
  for (const b of native ? ['native', 'ts'] as const : ['ts'] as const) {
    w.setBackend(b);
    const t: number[] = [], c: number[] = [];
    let fit!: Awaited<ReturnType<typeof w.leastSquares>>;
    for (let k = 0; k < (quick ? 1 : 5); k++) {
      const t0 = performance.now(), c0 = cpuNow();
      fit = await w.leastSquares(rosenRes, x0.slice());
      t.push(performance.now() - t0); c.push(cpuNow() - c0);
    }
    const x = fit.x as Float64Array;
    const dev = Math.max(...Array.from(x, (v) => Math.abs(v - 1)));
    const row = { ms: median(t), cpuMs: median(c), runs: t.length, speedupVs6s: 6000 / median(t), iterations: fit.iterations, maxDevFromSolution: dev, reason: fit.reason };
    out[b] = row;
    console.log(`${b.padEnd(7)} ${f3(row.ms)} ms, CPU ${f3(row.cpuMs)} ms (${row.runs} fits; ${row.speedupVs6s.toFixed(1)}× faster than 6 s: ${row.speedupVs6s >= 4 ? 'met' : 'not met'}); ${fit.iterations} iterations, max|x − 1| ${dev.toExponential(1)}, ${fit.reason}`);
  }
  return out;
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
console.log(`linear algebra benchmark — native ${native ? w.nativeInfo().simd : 'unavailable'}, ${w.nativeInfo().threads} thread(s); load average ${load()}`);
if (run('cholesky')) {
  if (native) report.blas = linalgVsBlas();
  else console.log('(native addon unavailable: the OpenBLAS comparison needs it)');
}
if (run('gp')) report.gp = await gp();
if (run('lsq')) report.lsq = await lsq();
report.loadAfter = loadavg();
report.openblas = harness ? `${blasLib}/libopenblas.so (OPENBLAS_NUM_THREADS=1)` : harnessWhy;
console.log(`\nload average after: ${load()}`);
if (jsonAt >= 0) {
  const path = argv[jsonAt + 1];
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${path}`);
}
