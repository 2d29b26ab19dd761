// The compiled tier (issue 13, docs/compiled.md): programs of the property-test generator and the
// reference workloads give the same bits on the interpreter and on compiled code at every SIMD
// level this CPU has; the tiers are reported (p.ready, p.stats.tier, nativeInfo().codegen); every
// failure path (no compiler, a refused cache directory, a corrupt cached object) leaves the
// program on the interpreter with its results unchanged.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { mkdirSync, mkdtempSync, renameSync, readdirSync, writeFileSync, chmodSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import * as w from '../src/index.js';
import { compareTiers } from '../src/backends/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import { _resetCodegen } from '../src/backends/native/codegen/tier.js';
import { specArb, build, OPS, SPECIAL } from './support/programs.js';
import { ode } from '../bench/workloads.js';

const addon = loaded.addon;
const haveCompiler = w.nativeInfo().codegen.available;
const d = addon && haveCompiler ? describe : describe.skip;
const cacheRoot = mkdtempSync(path.join(os.tmpdir(), 'wengert-codegen-'));
const levels = addon ? addon.simdInfo().supported : [];
/** programs per SIMD level (each compiles: ~0.2–0.8 s); WENGERT_CODEGEN_PROGRAMS for a deeper run */
const PER_LEVEL = Number(process.env.WENGERT_CODEGEN_PROGRAMS ?? 10);

const rosen = (x: w.Tensor) => {
  const n = x.shape[0];
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.add(w.sum(w.mul(100, w.square(w.sub(b, w.square(a))))), w.sum(w.square(w.sub(1, a))));
};
const rosen2 = (v: w.Tensor) => {
  const x = w.at(v, 0), y = w.at(v, 1);
  return w.add(w.square(w.sub(1, x)), w.mul(100, w.square(w.sub(y, w.square(x)))));
};
const bitsEqual = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

/** value and gradient of the generator's programs on both tiers, bit for bit (compareTiers); how many ran compiled */
async function onBothTiers(specs: readonly Parameters<typeof build>[0][]): Promise<number> {
  let compiled = 0;
  for (const spec of specs) {
    const b = build(spec);
    const leaves = b.leaves();
    let g;
    try {
      const tr = traceFunction(b.fn, leaves, 'codegen test');
      g = vjpGraph(tr.graph, leaves.map((_, i) => i), tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null)));
    } catch { continue; }  // a program the trace refuses: nothing to compare
    if (await compareTiers(g, leaves.map((t) => t.data() as Float64Array)) === 'compiled') compiled++;
  }
  return compiled;
}

d('the compiled tier', () => {
  beforeAll(() => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'cache');
    process.env.WENGERT_CODEGEN_QUIET = '1';
    w.setBackend('native', { codegen: 'eager' });
  });
  afterAll(() => {
    w.setBackend('ts', {});
    w.setBackend('native', { codegen: 'off' });
    w.setBackend('ts');
    addon!.setSimd(addon!.simdInfo().detected);
    delete process.env.WENGERT_CACHE_DIR;
    rmSync(cacheRoot, { recursive: true, force: true });
  });

  it('W1 (slices, fused chains, sums) and 2-D Rosenbrock (0-d) run compiled, with the interpreter\'s bits', async () => {
    const x = Float64Array.from({ length: 2000 }, (_, i) => Math.sin(i) * 1.5);
    const p = w.compile(rosen, x);
    const [v0, g0] = p.valueAndGrad(x) as [number, Float64Array];
    expect(p.stats.tier).toBe('interpreter');
    expect(await p.ready()).toBe('compiled');
    const [v1, g1] = p.valueAndGrad(x) as [number, Float64Array];
    expect(p.stats.tier).toBe('compiled');
    expect(Object.is(v0, v1) && bitsEqual(g0, g1)).toBe(true);
    expect(v1).toBeCloseTo(rosen(w.tensor(x)).item(), 6);
    const q = w.compile(rosen2, new Float64Array([-1.2, 1]));
    expect(await q.ready()).toBe('compiled');
    const [v, g] = q.valueAndGrad(new Float64Array([-1.2, 1])) as [number, Float64Array];
    expect(q.stats.tier).toBe('compiled');
    expect(v).toBeCloseTo(24.2, 12);
    expect(g[0]).toBeCloseTo(-215.6, 10);
    expect(g[1]).toBeCloseTo(-88, 10);
    const info = w.nativeInfo().codegen;
    expect(info.mode).toBe('eager');
    expect(info.compiled + info.cacheHits).toBeGreaterThanOrEqual(2);
  });

  it(`random programs (value and gradient) give the interpreter's bits compiled, at every SIMD level (${levels.join(', ')})`, async () => {
    let compiled = 0;
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      const specs = fc.sample(specArb({ maxSteps: 16 }), { numRuns: PER_LEVEL, seed: 13_000 + level.length });
      compiled += await onBothTiers(specs);
    }
    expect(compiled).toBeGreaterThanOrEqual(levels.length * PER_LEVEL * 0.5);
  }, 600_000);

  const special = (x: w.Tensor) => {
    const u = w.mul(w.sigmoid(x), 0.9), p = w.add(w.abs(x), 1.2);  // u in (0, 0.9), p > 1.2
    const parts = [w.acosh(p), w.asinh(x), w.atanh(u), w.cbrt(p), w.log2(p), w.log10(p), w.exp2(x), w.erf(x), w.erfc(x),
      w.erfinv(u), w.lgamma(p), w.digamma(p), w.floor(x), w.ceil(x), w.round(w.mul(x, 2)), w.trunc(x), w.polygamma(1, p),
      w.polygamma(2, p), w.hypot(x, u), w.mod(x, p), w.logaddexp(x, u), w.xlogy(u, p)];
    return parts.reduce((a, b) => w.add(a, w.sum(w.mul(b, x))), w.tensor(0));
  };

  it(`the special-function ops, 0-d and in fused chains, give the interpreter's bits compiled at every SIMD level (${levels.join(', ')})`, async () => {
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const n of [1, 300]) {
        const x = n === 1 ? w.tensor(0.37) : w.tensor(Float64Array.from({ length: n }, (_, i) => 2.5 * Math.sin(0.7 * i + 0.1)));
        const tr = traceFunction(special, [x], 'codegen test');
        const g = vjpGraph(tr.graph, [0], ['ones']);
        expect(await compareTiers(g, [x.data() as Float64Array])).toBe('compiled');
      }
      const specs = fc.sample(specArb({ maxSteps: 12, ops: [...SPECIAL, ...SPECIAL, 'add', 'mul', 'sum', 'slice', 'at', 'broadcastTo', 'where'] }),
        { numRuns: Math.max(3, PER_LEVEL >> 1), seed: 17_000 + level.length });
      await onBothTiers(specs);
    }
    expect(OPS.some((o) => SPECIAL.includes(o))).toBe(false);
  }, 600_000);

  it(`fused chains reading broadcast operands in place and ending in sums give the interpreter's bits compiled, at every SIMD level (${levels.join(', ')})`, async () => {
    // outer products a·bᵀ (operands [m,1] and [1,n]), [4,1,3]·[5,1] + [4,5,3], sums over all axes
    const outer = (a: w.Tensor, b: w.Tensor, c: w.Tensor) => {
      const [m, n] = c.shape;
      const d = w.sub(w.mul(w.reshape(a, [m, 1]), w.reshape(b, [1, n])), c);
      return w.add(w.sum(w.square(d)), w.sum(w.mul(w.exp(w.mul(c, 0.1)), w.reshape(a, [m, 1]))));
    };
    const deep = (a: w.Tensor, b: w.Tensor, c: w.Tensor) => w.sum(w.tanh(w.add(w.mul(a, b), c)));
    const wave = (k: number, s: number) => Float64Array.from({ length: k }, (_, i) => Math.sin(s * i + 0.3) * (1 + (i % 7)));
    for (const level of levels) {
      expect(addon!.setSimd(level)).toBe(true);
      for (const [m, n] of [[7, 146], [50, 41], [37, 300]]) {
        const args = [w.tensor(wave(m, 0.7)), w.tensor(wave(n, 1.3)), w.tensor(wave(m * n, 0.37), [m, n])];
        const tr = traceFunction(outer, args, 'codegen test');
        const g = vjpGraph(tr.graph, [0, 1, 2], ['ones']);
        expect(await compareTiers(g, args.map((t) => t.data() as Float64Array))).toBe('compiled');
      }
      const args = [w.tensor(wave(12, 0.5), [4, 1, 3]), w.tensor(wave(5, 0.9), [5, 1]), w.tensor(wave(60, 0.2), [4, 5, 3])];
      const tr = traceFunction(deep, args, 'codegen test');
      expect(await compareTiers(vjpGraph(tr.graph, [0, 1, 2], ['ones']), args.map((t) => t.data() as Float64Array))).toBe('compiled');
    }
  }, 600_000);

  it(`logistic regression: X·w, the chains over its rows and Xᵀ·g run as one row-blocked pass with the interpreter's bits, at every SIMD level (${levels.join(', ')})`, async () => {
    // a last block short, whole, of 76 rows (blocks of 256); 5000 rows: Xᵀ·g by groups of 2048 rows (the last of 904);
    // one column: the traced gradient's 1×m·m×1 product is a dot product, so the steps stay the interpreter's (no pass);
    // a one-column Xᵀ·g written out is test/codegen-matvec.test.ts
    const cases = [[3000, 37], [2048, 5], [1100, 130], [5000, 37], [5000, 1], [1100, 1]];
    process.env.WENGERT_CODEGEN_KEEP = '1';
    try {
      for (const level of levels) {
        expect(addon!.setSimd(level)).toBe(true);
        for (const [m, k] of cases) {
          const X = w.tensor(Float64Array.from({ length: m * k }, (_, i) => Math.sin(i + level.length)), [m, k]);
          const y = w.tensor(Float64Array.from({ length: m }, (_, r) => (r % 3 === 0 ? 1 : 0)));
          const f = (wv: w.Tensor) => {
            const z = w.matmul(X, wv);
            return w.add(w.mean(w.sub(w.softplus(z), w.mul(y, z))), w.mul(5e-4, w.sum(w.square(wv))));
          };
          const wv = w.tensor(Float64Array.from({ length: k }, (_, c) => 0.01 * Math.cos(c)));
          const tr = traceFunction(f, [wv], 'codegen test');
          expect(await compareTiers(vjpGraph(tr.graph, [0], ['ones']), [wv.data() as Float64Array])).toBe('compiled');
        }
      }
    } finally { delete process.env.WENGERT_CODEGEN_KEEP; }
    const dir = process.env.WENGERT_CACHE_DIR!;
    const sources = readdirSync(dir).filter((f) => f.endsWith('.c')).map((f) => readFileSync(path.join(dir, f), 'utf8'));
    expect(sources.filter((c) => /static void p_mv\d+\(/.test(c) && c.includes('rt->gemv_acc(')).length).toBeGreaterThanOrEqual(cases.filter(([, k]) => k >= 2).length);
    expect(sources.filter((c) => /static void p_mv\d+_g\(/.test(c)).length, 'the grouped pass').toBeGreaterThanOrEqual(1);
  }, 600_000);

  it('loops: a JS loop rolled into scans (RK4, W3) and an explicit scan with xs and ys run as C loops with the interpreter\'s bits', async () => {
    const W3 = ode(300);  // bench/workloads.ts: RK4 written as a plain JS loop, rolled into scans
    const odeF = W3.f;
    const withScan = (x: w.Tensor) => {
      const [c, ys] = w.scan((carry: w.Tensor, xi: w.Tensor) => {
        const n = w.add(w.mul(carry, 0.9), w.sin(w.mul(xi, carry)));
        return [n, w.square(n)];
      }, w.sum(x), w.mul(x, 0.5));
      return w.add(c, w.sum(ys as w.Tensor));
    };
    for (const [f, x] of [[odeF, W3.inputs.p], [withScan, Float64Array.from({ length: 50 }, (_, i) => Math.cos(i))]] as const) {
      const p = w.compile(f as (x: w.Tensor) => w.Tensor, x);
      const [v0, g0] = p.valueAndGrad(x) as [number, Float64Array];
      expect(await p.ready()).toBe('compiled');
      const [v1, g1] = p.valueAndGrad(x) as [number, Float64Array];
      expect(p.stats.tier).toBe('compiled');
      expect(Object.is(v0, v1) && bitsEqual(g0, g1)).toBe(true);
      expect(p.show({ planned: true })).toMatch(/= scan /);
      w.setBackend('ts');
      const [vt] = p.valueAndGrad(x) as [number, Float64Array];
      w.setBackend('native');
      expect(v1).toBeCloseTo(vt, 10);
    }
  });

  it('a straight-line program longer than the limit stays on the interpreter (never a long compile), with the reason', async () => {
    const f = (x: w.Tensor) => {
      let s = x;
      for (let i = 0; i < 7000; i++) s = w.add(w.mul(s, 0.5), w.sin(s));
      return s;
    };
    const tr = traceFunction(f, [w.tensor(0.3)], 'codegen test');  // not rolled into a loop: 21 000 0-d ops
    const t0 = performance.now();
    expect(await compareTiers(tr.graph, [new Float64Array([0.3])])).toBe('interpreter');
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(w.nativeInfo().codegen.reason).toMatch(/0-d instructions, more than the compiled tier's 20000/);
  });

  it('a re-recorded path (guards) compiles on its own; check mode runs compiled code against the TS oracle', async () => {
    const f = (x: w.Tensor) => (w.sum(x).item() > 0 ? w.sum(w.exp(w.mul(x, 0.5))) : w.sum(w.square(w.sin(x))));
    const pos = Float64Array.from({ length: 40 }, (_, i) => 0.1 + i / 40), neg = pos.map((v) => -v);
    const p = w.compile(f, pos);
    const a0 = p.valueAndGrad(pos) as [number, Float64Array], b0 = p.valueAndGrad(neg) as [number, Float64Array];
    expect(p.stats.paths).toBe(2);
    expect(await p.ready()).toBe('compiled');
    const a1 = p.valueAndGrad(pos) as [number, Float64Array], b1 = p.valueAndGrad(neg) as [number, Float64Array];
    expect(p.stats.tier).toBe('compiled');
    expect(Object.is(a0[0], a1[0]) && bitsEqual(a0[1], a1[1]) && Object.is(b0[0], b1[0]) && bitsEqual(b0[1], b1[1])).toBe(true);
    w.setBackend('check');
    try {
      const q = w.compile(rosen, pos);
      expect(await q.ready()).toBe('compiled');
      expect(() => q.valueAndGrad(pos)).not.toThrow();
      expect(q.stats.tier).toBe('compiled');
    } finally {
      w.setBackend('native');
    }
  });

  it('a worker thread compiles and runs its own programs (its own addon instance, the shared code table)', async () => {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
    const index = new URL('../src/index.ts', import.meta.url).href;
    const code = `
      const { parentPort } = require('node:worker_threads');
      (async () => {
        (await import(${JSON.stringify(tsx)})).register();
        const w = await import(${JSON.stringify(index)});
        w.setBackend('native', { codegen: 'eager' });
        const f = (x) => w.sum(w.mul(w.sin(x), w.exp(w.mul(x, 0.25))));
        const x = Float64Array.from({ length: 100 }, (_, i) => i / 50);
        const p = w.compile(f, x);
        const before = p.valueAndGrad(x);
        const tier = await p.ready();
        const after = p.valueAndGrad(x);
        parentPort.postMessage({ tier, stats: p.stats.tier, same: before[0] === after[0] && before[1].every((v, i) => Object.is(v, after[1][i])), value: after[0] });
      })().catch((e) => parentPort.postMessage({ error: String(e && e.stack || e) }));`;
    const wk = new Worker(code, { eval: true, env: { ...process.env } });
    try {
      const m = await new Promise<{ tier: string; stats: string; same: boolean; value: number; error?: string }>((resolve, reject) => {
        wk.once('message', resolve);
        wk.once('error', reject);
      });
      expect(m.error).toBeUndefined();
      expect(m).toMatchObject({ tier: 'compiled', stats: 'compiled', same: true });
      const x = Float64Array.from({ length: 100 }, (_, i) => i / 50);
      expect(m.value).toBeCloseTo(x.reduce((s, v) => s + Math.sin(v) * Math.exp(v * 0.25), 0), 10);
    } finally {
      await wk.terminate();
    }
  }, 120_000);

  it('async evaluations and dispose work on compiled programs', async () => {
    const x = Float64Array.from({ length: 300 }, (_, i) => Math.cos(i));
    const p = w.compile(rosen, x);
    expect(await p.ready()).toBe('compiled');
    const sync = p.valueAndGrad(x) as [number, Float64Array];
    const [v, g] = (await p.valueAndGradAsync(x)) as [number, Float64Array];
    expect(Object.is(v, sync[0]) && bitsEqual(g, sync[1])).toBe(true);
    p.dispose();
    expect(() => p.value(x)).toThrow(/disposed/);
  });
});

d('compiled-tier failure paths leave programs on the interpreter', () => {
  const x = Float64Array.from({ length: 64 }, (_, i) => 0.1 * i - 2);
  let want: [number, Float64Array];
  beforeAll(() => {
    process.env.WENGERT_CODEGEN_QUIET = '1';
    w.setBackend('native', { codegen: 'off' });
    want = w.compile(rosen, x).valueAndGrad(x) as [number, Float64Array];
    w.setBackend('native', { codegen: 'eager' });
  });
  afterAll(() => {
    w.setBackend('native', { codegen: 'off' });
    w.setBackend('ts');
    delete process.env.WENGERT_CACHE_DIR;
    _resetCodegen();
  });
  const same = (p: w.Program) => {
    const [v, g] = p.valueAndGrad(x) as [number, Float64Array];
    expect(Object.is(v, want[0]) && bitsEqual(g, want[1])).toBe(true);
  };

  it('no compiler on PATH', async () => {
    const saved = process.env.PATH;
    process.env.PATH = path.join(cacheRoot, 'empty-bin');
    _resetCodegen();
    try {
      const p = w.compile(rosen, x);
      expect(await p.ready()).toBe('interpreter');
      expect(w.nativeInfo().codegen.available).toBe(false);
      expect(w.nativeInfo().codegen.reason).toMatch(/no C compiler/);
      same(p);
      expect(p.stats.tier).toBe('interpreter');
    } finally {
      process.env.PATH = saved;
      _resetCodegen();
    }
  });

  it('a compiler that fails, and an object that does not load (dlopen), leave the program interpreted', async () => {
    const bin = path.join(cacheRoot, 'bad-bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'cc'), '#!/bin/sh\nif [ "$1" = --version ]; then echo "fake cc 1.0"; exit 0; fi\necho "fake-cc: error: no" >&2\nexit 1\n', { mode: 0o755 });
    const saved = process.env.PATH;
    process.env.PATH = bin;
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'failing');
    _resetCodegen();
    try {
      const p = w.compile(rosen, x);
      expect(await p.ready()).toBe('interpreter');
      expect(w.nativeInfo().codegen.reason).toMatch(/cc failed: fake-cc: error/);
      same(p);
    } finally {
      process.env.PATH = saved;
      _resetCodegen();
    }
    // an entry whose hash matches but which is not a shared object: dlopen refuses it (the entry is
    // made by another process: this one keeps every object it loaded mapped, by path)
    const dir = path.join(cacheRoot, 'not-elf');
    process.env.WENGERT_CACHE_DIR = dir;
    const code = `import('${new URL('../src/index.ts', import.meta.url).href}').then(async (w) => {
      w.setBackend('native', { codegen: 'eager' });
      const x = Float64Array.from({ length: 64 }, (_, i) => 0.1 * i - 2);
      const rosen = (v) => { const a = w.slice(v, [0], [63]), b = w.slice(v, [1], [64]); return w.add(w.sum(w.mul(100, w.square(w.sub(b, w.square(a))))), w.sum(w.square(w.sub(1, a)))); };
      const p = w.compile(rosen, x); p.valueAndGrad(x); console.log(await p.ready()); })`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, WENGERT_CACHE_DIR: dir }, encoding: 'utf8' });
    expect(r.stdout.trim().split('\n').pop()).toBe('compiled');
    for (const n of readdirSync(dir).filter((f) => f.endsWith('.so'))) {
      const junk = Buffer.from('not a shared object');
      writeFileSync(path.join(dir, n + '.new'), junk);
      renameSync(path.join(dir, n + '.new'), path.join(dir, n));
      writeFileSync(path.join(dir, n.replace(/\.so$/, '.sha256')), createHash('sha256').update(junk).digest('hex'));
    }
    const q = w.compile(rosen, x);
    q.valueAndGrad(x);
    expect(await q.ready()).toBe('interpreter');
    expect(w.nativeInfo().codegen.reason).toMatch(/dlopen failed/);
    same(q);
  });

  it('a cache directory writable by others, or not a directory, is refused', async () => {
    const open = path.join(cacheRoot, 'open');
    process.env.WENGERT_CACHE_DIR = open;
    const p0 = w.compile(rosen, x);
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    expect(await p0.ready()).toBe('interpreter');
    expect(w.nativeInfo().codegen.reason).toMatch(/writable by group or others/);
    same(p0);
    const file = path.join(cacheRoot, 'a-file');
    writeFileSync(file, 'x');
    process.env.WENGERT_CACHE_DIR = file;
    const p1 = w.compile(rosen, x);
    expect(await p1.ready()).toBe('interpreter');
    expect(w.nativeInfo().codegen.reason).toMatch(/cache/);
    same(p1);
  });

  it('a cached object that fails its hash is deleted and rebuilt, never loaded', async () => {
    const dir = path.join(cacheRoot, 'corrupt');
    process.env.WENGERT_CACHE_DIR = dir;
    _resetCodegen();
    expect(await w.compile(rosen, x).ready()).toBe('compiled');
    const so = readdirSync(dir).filter((n) => n.endsWith('.so'));
    expect(so.length).toBeGreaterThanOrEqual(1);
    for (const n of so) {
      const bytes = readFileSync(path.join(dir, n));
      bytes[bytes.length >> 1] ^= 0xff;
      // a new file renamed over the entry: the loaded object (mapped from the old file) stays intact
      writeFileSync(path.join(dir, n + '.new'), bytes);
      renameSync(path.join(dir, n + '.new'), path.join(dir, n));
    }
    const before = w.nativeInfo().codegen;
    const p = w.compile(rosen, x);
    expect(await p.ready()).toBe('compiled');
    const after = w.nativeInfo().codegen;
    expect(after.compiled).toBeGreaterThan(before.compiled);  // rebuilt, not a cache hit
    same(p);
    const q = w.compile(rosen, x);
    const hits = after.cacheHits;
    expect(await q.ready()).toBe('compiled');
    expect(w.nativeInfo().codegen.cacheHits).toBeGreaterThan(hits);  // the rebuilt entries are hits
    expect(w.nativeInfo().codegen.compiled).toBe(after.compiled);
    same(q);
  });

  it('codegen modes: off never compiles, auto compiles once hot, bad values are ERR_ARG', async () => {
    process.env.WENGERT_CACHE_DIR = path.join(cacheRoot, 'modes');
    w.setBackend('native', { codegen: 'off' });
    const p = w.compile(rosen, x);
    expect(await p.ready()).toBe('interpreter');
    same(p);
    expect(p.stats.tier).toBe('interpreter');
    expect(() => w.setBackend('native', { codegen: 'always' as never })).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    w.setBackend('native', { codegen: 'auto' });
    const big = Float64Array.from({ length: 200_000 }, (_, i) => Math.sin(i));
    const q = w.compile(rosen, big);
    const t0 = performance.now();
    while (performance.now() - t0 < 10_000 && q.stats.tier !== 'compiled') {  // 2.3–3.3 s at load 10.5 on 2 cores: a margin for a loaded CI
      q.valueAndGrad(big);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(q.stats.tier).toBe('compiled');
    w.setBackend('native', { codegen: 'eager' });
  }, 60_000);
});
