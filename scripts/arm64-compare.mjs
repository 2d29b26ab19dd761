// x86-64 vs arm64, value by value (scripts/arm64.sh test runs it after the suites):
//   node scripts/arm64-compare.mjs record OUT.json      on x86-64: every level this CPU has, and TS
//   node scripts/arm64-compare.mjs compare IN.json      on arm64 (qemu): scalar, neon and TS against it
// WENGERT_ROOT names the package (dist/ and its addon). The programs: each elementwise op, the
// reductions, matmul and whole value-and-gradient programs, on fixed inputs. What must hold
// (DESIGN §4, docs/numerics.md):
//   TS on arm64 vs TS on x86-64: the same JS, so exact ops give the same bits; V8's own Math
//     functions (exp, sin, …) are held to the same ulp bounds as the native kernels;
//   exact ops (arithmetic, comparisons, where, clip, relu, abs, sign, sqrt, reductions, layout):
//     every level on both machines gives the same bits;
//   transcendental functions: within the sum of the two levels' documented ulp bounds;
//   matmul and gradients (FMA at avx2/avx512/neon reorders no sum but rounds products once):
//     |a − b| ≤ 1e-13·max(|a|, |b|) + 1e-15·(largest magnitude in that output).
import { readFileSync, writeFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
const root = process.env.WENGERT_ROOT ?? process.cwd();
const w = await import(`${root}/dist/index.js`);
const { _addon } = await import(`${root}/dist/backends/index.js`);

/** documented max ulp errors (docs/math.md; test/native/math.test.ts) */
const ULP = { exp: 2, expm1: 2, log: 2, log1p: 2, sin: 2, cos: 2, tan: 3, atan: 2, tanh: 3, sigmoid: 3, softplus: 3, sinh: 3, cosh: 3, pow: 2 };
const EXACT_UNARY = ['neg', 'square', 'sqrt', 'relu', 'abs', 'sign'];
const EXACT_BINARY = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'less', 'greaterEqual', 'equal'];

const N = 4099;  // not a multiple of any vector width or block
// inputs from integer arithmetic only (V8's Math.sin differs between x86-64 and arm64 in the last bit)
const det = (i, s) => { let h = Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(s + 7, 0x85ebca77); h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d); h ^= h >>> 13; return (h >>> 0) / 2 ** 31 - 1; };
const vec = (s, f = (v) => v) => w.tensor(Float64Array.from({ length: N }, (_, i) => f(det(i, s))));
const X = vec(1, (v) => 6 * v), Y = vec(2, (v) => 3 * v + 0.25), P = vec(3, (v) => 2 * Math.abs(v) + 1e-3);
const grid = (r, c, s) => w.tensor(Float64Array.from({ length: r * c }, (_, i) => det(i, s)), [r, c]);
const A = grid(67, 131, 4), B = grid(131, 45, 5);

/** [name, kind, f, args]: f runs as a compiled program on the active backend (eager ops would run in JS) */
function programs() {
  const out = [];
  for (const op of EXACT_UNARY) out.push([op, 'exact', (x) => w[op](x), [op === 'sqrt' ? P : X]]);
  for (const op of EXACT_BINARY) out.push([op, 'exact', (x, y) => w[op](x, y), [X, Y]]);
  out.push(['where', 'exact', (x, y) => w.where(w.greater(x, 0), x, y), [X, Y]]);
  out.push(['clip', 'exact', (x) => w.clip(x, -0.5, 0.7), [X]]);
  for (const op of ['sum', 'max', 'min']) {
    out.push([`${op} all`, 'exact', (x) => w[op](x), [X]]);
    out.push([`${op} axis 0`, 'exact', (a) => w[op](a, 0), [A]]);
    out.push([`${op} axis 1`, 'exact', (a) => w[op](a, 1), [A]]);
  }
  out.push(['prod', 'exact', (a) => w.prod(w.add(w.mul(a, 0.01), 1), 0), [A]]);
  out.push(['layout', 'exact', (a) => w.concat([w.transpose(a), w.slice(w.transpose(a), [3, 0], [10, 67])], 0), [A]]);
  for (const op of Object.keys(ULP)) {
    if (op === 'pow') { out.push([op, 'ulp', (p, y) => w.pow(p, y), [P, Y]]); continue; }
    const arg = op === 'log' ? P : op === 'log1p' ? w.sub(P, 0.5) : op === 'tan' || op === 'atan' ? w.mul(X, 0.25) : X;
    out.push([op, 'ulp', (x) => w[op](x), [arg]]);
  }
  out.push(['matmul', 'rel', (a, b) => w.matmul(a, b), [A, B]]);
  out.push(['matmul transposed', 'rel', (a, b) => w.matmul(w.transpose(b), w.transpose(a)), [A, B]]);
  const mlp = (W, b) => w.mean(w.logsumexp(w.add(w.matmul(w.tanh(w.matmul(A, W)), b), 0.5), 1));
  out.push(['mlp gradient', 'rel', (W, b) => w.concat(Object.values(w.grad(mlp, { argnums: [0, 1] })(W, b)).map((g) => w.reshape(g, [-1])), 0), [grid(131, 45, 6), grid(45, 10, 7)]]);
  const rosen = (x) => { const a = w.slice(x, [0], [N - 1]), b = w.slice(x, [1], [N]); return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)))); };
  out.push(['rosenbrock gradient', 'rel', (x) => w.grad(rosen)(x), [Y]]);
  return out;
}

const run = (f, args) => { const v = w.compile(f, ...args).value(...args); return typeof v === 'number' ? Float64Array.of(v) : v.data(); };

function runAll() {
  const addon = _addon();
  const levels = addon ? addon.simdInfo().supported : [];
  const res = {};
  for (const level of ['ts', ...levels]) {
    if (level === 'ts') w.setBackend('ts');
    else { w.setBackend('native'); addon.setSimd(level); }
    res[level] = Object.fromEntries(programs().map(([name, , f, args]) => [name, Buffer.from(Float64Array.from(run(f, args)).buffer).toString('base64')]));
  }
  return { arch: process.arch, levels, res };
}

const ulpOf = (x) => { const a = Math.abs(x); if (a < 2 ** -1022) return 2 ** -1074; const e = Math.floor(Math.log2(a)); return 2 ** (Math.min(e, 1023) - 52) * (a >= 2 ** (e + 1) ? 2 : 1); };

/** values as recorded: the bits in base64 (JSON numbers would lose −0, NaN and ±∞) */
const values = (b64) => { const b = Buffer.from(b64, 'base64'); return new Float64Array(b.buffer, b.byteOffset, b.length / 8); };

/** the worst deviation of got from want for this kind; ok when within the promise */
function judge(kind, name, got, want, ulpBound) {
  let worst = 0, scale = 0;
  for (const v of want) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b))) continue;
    if (kind === 'exact') return { ok: false, worst: `[${i}] ${a} vs ${b}` };
    if (kind === 'ulp') worst = Math.max(worst, Math.abs(a - b) / ulpOf(b));
    else worst = Math.max(worst, Math.abs(a - b) / (Math.max(Math.abs(a), Math.abs(b)) + 1e-2 * scale));
  }
  if (kind === 'exact') return { ok: true, worst: 'same bits' };
  if (kind === 'ulp') return { ok: worst <= ulpBound, worst: `${worst} ulp (bound ${ulpBound})` };
  return { ok: worst <= 1e-13, worst: worst === 0 ? 'same bits' : `${worst.toExponential(2)} relative` };
}

if (mode === 'record') {
  writeFileSync(file, JSON.stringify(runAll()));
  console.log(`recorded ${process.arch}: ${Object.keys(JSON.parse(readFileSync(file, 'utf8')).res).join(', ')}`);
} else if (mode === 'compare') {
  const x86 = JSON.parse(readFileSync(file, 'utf8'));
  const here = runAll();
  const pairs = [['ts', 'ts']];
  for (const l of here.levels) for (const m of x86.levels) if (l === 'scalar' ? m === 'scalar' : m !== 'scalar') pairs.push([l, m]);
  let bad = 0, checked = 0;
  const summary = {};
  for (const [l, m] of pairs) {
    for (const [name, kind] of programs().map(([n, k]) => [n, k])) {
      // TS: the same JS, but V8's Math functions may round differently on the two architectures
      const k = kind;
      // the scalar levels call libm where neither has a vector kernel: glibc's results on both, the same bound
      const r = judge(k, name, values(here.res[l][name]), values(x86.res[m][name]), 2 * (ULP[name] ?? 0));
      checked++;
      const key = `${here.arch} ${l} vs ${x86.arch} ${m}`;
      (summary[key] ??= { ok: 0, bad: [] });
      if (r.ok) summary[key].ok++; else { bad++; summary[key].bad.push(`${name}: ${r.worst}`); }
      if (k !== 'exact' && r.ok && process.env.VERBOSE) console.log(`  ${key} ${name}: ${r.worst}`);
    }
  }
  for (const [key, s] of Object.entries(summary)) console.log(`${key}: ${s.ok} programs within the promise${s.bad.length ? `; ${s.bad.length} not: ${s.bad.join('; ')}` : ''}`);
  console.log(`arm64 vs x86-64: ${checked - bad} passed, ${bad} failed`);
  if (bad) process.exitCode = 1;
} else {
  console.log('usage: node scripts/arm64-compare.mjs record OUT.json | compare IN.json');
  process.exitCode = 2;
}
