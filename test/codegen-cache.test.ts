// The compiled tier's cache lookup (docs/compiled.md): a small program's lookup runs on the main
// thread (generate, key, read + hash-check, dlopen in one synchronous addon call), a larger one on
// a libuv pool thread; both give the interpreter's bits, a corrupt object on either path is
// deleted and rebuilt (never loaded), a hit marks its entry recently used and never waits behind
// another program's compile, two programs of the same source share one compile; the compiler's
// identity is remembered in the cache directory under the compiler file's identity (a new
// process's first hit runs no compiler).
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { _resetCodegen, lastSteps, syncLookup } from '../src/backends/native/codegen/tier.js';
import { compilerIdentity } from '../src/backends/native/codegen/compiler.js';
import { leaveCodegen } from './support/codegen.js';

const haveCompiler = !!loaded.addon && w.nativeInfo().codegen.available;
const d = haveCompiler ? describe : describe.skip;
const root = mkdtempSync(path.join(os.tmpdir(), 'wengert-codegen-cache-'));
const SYNC_BOUND = syncLookup.maxImageBytes;

const rosen = (v: w.Tensor) => {
  const n = v.shape[0];
  const a = w.slice(v, [0], [n - 1]), b = w.slice(v, [1], [n]);
  return w.add(w.sum(w.mul(100, w.square(w.sub(b, w.square(a))))), w.sum(w.square(w.sub(1, a))));
};
/** ∂/∂x of Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])² */
function rosenGrad(x: Float64Array): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const t = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * t - 2 * (1 - x[i]);
    g[i + 1] += 200 * t;
  }
  return g;
}
const bitsEqual = (a: Float64Array, b: Float64Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
const x = Float64Array.from({ length: 96 }, (_, i) => Math.sin(0.7 * i) * 1.3);
let want: [number, Float64Array];
/** objects one ready() of rosen builds (its value and its value-and-gradient programs) */
let per = 0;
const objects = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.so')).length;

/** a fresh Program of rosen, ready; its result bit for bit against the interpreter's and near the analytic gradient */
async function readyAndSame(): Promise<w.Program> {
  const p = w.compile(rosen, x);
  expect(await p.ready()).toBe('compiled');
  const [v, g] = p.valueAndGrad(x) as [number, Float64Array];
  expect(p.stats.tier).toBe('compiled');
  expect(Object.is(v, want[0]) && bitsEqual(g, want[1])).toBe(true);
  const ref = rosenGrad(x);
  for (let i = 0; i < x.length; i++) expect(g[i]).toBeCloseTo(ref[i], 8);
  return p;
}
const steps = () => lastSteps.map((s) => s.what);
/** replace every cached object with one byte flipped (a new file renamed over it: a loaded object stays mapped intact) */
function corrupt(dir: string): void {
  for (const n of readdirSync(dir).filter((f) => f.endsWith('.so'))) {
    const bytes = readFileSync(path.join(dir, n));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(path.join(dir, n + '.new'), bytes);
    renameSync(path.join(dir, n + '.new'), path.join(dir, n));
  }
}

d('the compiled tier\'s cache lookup', () => {
  beforeAll(() => {
    process.env.WENGERT_CODEGEN_QUIET = '1';
    w.setBackend('native', { codegen: 'off' });
    const p = w.compile(rosen, x);
    want = p.valueAndGrad(x) as [number, Float64Array];
    expect(p.stats.tier).toBe('interpreter');
    w.setBackend('native', { codegen: 'eager' });
  });
  afterEach(() => { syncLookup.maxImageBytes = SYNC_BOUND; });
  afterAll(() => leaveCodegen(root));

  it('a small program\'s hit is taken on the main thread, a large one\'s on the pool: the same bits either way', async () => {
    process.env.WENGERT_CACHE_DIR = path.join(root, 'paths');
    const compiled = w.nativeInfo().codegen.compiled;
    await readyAndSame();  // compiled into the empty cache
    const before = w.nativeInfo().codegen;
    per = before.compiled - compiled;
    expect(per).toBe(objects(path.join(root, 'paths')));
    const sos = readdirSync(path.join(root, 'paths')).filter((f) => f.endsWith('.so')).map((f) => path.join(root, 'paths', f));
    for (const f of sos) utimesSync(f, new Date(2001, 0, 1), new Date(2001, 0, 1));
    process.env.WENGERT_CODEGEN_KEEP = '1';  // a hit's lookup returns no source: it is generated again to be kept
    try { await readyAndSame(); } finally { delete process.env.WENGERT_CODEGEN_KEEP; }
    for (const f of sos) expect(statSync(f).mtimeMs).toBeGreaterThan(Date.now() - 600_000);  // marked recently used (eviction order)
    const kept = readdirSync(path.join(root, 'paths')).filter((f) => f.endsWith('.c'));
    expect(kept.length).toBe(per);
    for (const f of kept) expect(readFileSync(path.join(root, 'paths', f), 'utf8')).toMatch(/wg_program/);
    expect(steps()).toContain('lookup');  // the synchronous lookup
    expect(steps()).not.toContain('source');
    syncLookup.maxImageBytes = 0;  // every image is "large"
    await readyAndSame();
    expect(steps()).toContain('source');  // the pool task
    expect(steps()).not.toContain('lookup');
    const after = w.nativeInfo().codegen;
    expect(after.cacheHits - before.cacheHits).toBe(2 * per);
    expect(after.compiled).toBe(before.compiled);
  });

  for (const where of ['main thread', 'pool'] as const) {
    it(`a cached object that fails its hash is deleted and rebuilt, never loaded (lookup on the ${where})`, async () => {
      const dir = path.join(root, `corrupt-${where === 'pool' ? 'pool' : 'sync'}`);
      process.env.WENGERT_CACHE_DIR = dir;
      if (where === 'pool') syncLookup.maxImageBytes = 0;
      await readyAndSame();
      corrupt(dir);
      const before = w.nativeInfo().codegen;
      await readyAndSame();
      expect(steps()).toContain(where === 'pool' ? 'source' : 'lookup');
      expect(steps()).toContain('discard');
      const after = w.nativeInfo().codegen;
      expect(after.compiled).toBe(before.compiled + per);  // rebuilt, not hits
      expect(after.cacheHits).toBe(before.cacheHits);
      await readyAndSame();
      expect(w.nativeInfo().codegen.cacheHits).toBe(after.cacheHits + per);  // the rebuilt entries are hits
    });
  }

  it('a hit does not wait behind another program\'s compile; two programs of one source share a compile', async () => {
    const dir = path.join(root, 'queue');
    process.env.WENGERT_CACHE_DIR = dir;
    await readyAndSame();  // rosen is cached
    const before = w.nativeInfo().codegen, cached = objects(dir);
    const other = () => (v: w.Tensor) => w.sum(w.mul(w.exp(w.mul(v, 0.25)), w.sin(v)));  // two closures: two recordings
    const a1 = w.compile(other(), x), a2 = w.compile(other(), x);
    const order: string[] = [];
    const compiling = Promise.all([a1.ready(), a2.ready()]).then((t) => { order.push('compiled'); return t; });
    const hit = readyAndSame().then(() => order.push('hit'));
    await Promise.all([compiling, hit]);
    expect(order).toEqual(['hit', 'compiled']);
    expect(await compiling).toEqual(['compiled', 'compiled']);
    const after = w.nativeInfo().codegen;
    expect(objects(dir)).toBeGreaterThan(cached);
    expect(after.compiled - before.compiled).toBe(objects(dir) - cached);  // one compile per source, not per program
    const [v1, g1] = a1.valueAndGrad(x) as [number, Float64Array], [v2, g2] = a2.valueAndGrad(x) as [number, Float64Array];
    expect(Object.is(v1, v2) && bitsEqual(g1, g2)).toBe(true);
    const ref = x.map((t) => Math.exp(0.25 * t) * (0.25 * Math.sin(t) + Math.cos(t)));
    for (let i = 0; i < x.length; i++) expect(g1[i]).toBeCloseTo(ref[i], 10);
    expect(v1).toBeCloseTo(x.reduce((s, t) => s + Math.exp(0.25 * t) * Math.sin(t), 0), 10);
  });

  it('the compiler\'s identity is remembered in the cache directory, under the compiler file\'s identity', async () => {
    const dir = path.join(root, 'identity'), bin = path.join(root, 'identity-bin');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    mkdirSync(bin, { recursive: true });
    // a compiler that fails --version once `broken` exists
    const broken = path.join(bin, 'broken'), cc = { path: path.join(bin, 'cc'), name: 'cc' };
    writeFileSync(cc.path, `#!/bin/sh\n[ -e ${broken} ] && exit 1\necho "fake cc 4.0"\n`, { mode: 0o755 });
    const memos = () => readdirSync(dir).filter((n) => /^compiler-[0-9a-z-]+\.id$/.test(n));
    const id = `${cc.path}: fake cc 4.0`;
    _resetCodegen();
    expect(await compilerIdentity(loaded.addon!, cc, dir)).toBe(id);  // run
    for (const t0 = Date.now(); memos().length === 0 && Date.now() - t0 < 5000;) await new Promise((r) => setTimeout(r, 20));
    expect(memos().map((n) => readFileSync(path.join(dir, n), 'utf8'))).toEqual([id]);  // written after the run
    writeFileSync(broken, '');
    const memo = path.join(dir, memos()[0]), old = new Date(Date.now() - 3600_000);
    utimesSync(memo, old, old);
    _resetCodegen();  // as a new process: the identity is read from the memo, the compiler not run
    expect(await compilerIdentity(loaded.addon!, cc, dir)).toBe(id);
    expect(statSync(memo).mtimeMs).toBeGreaterThan(old.getTime() + 1800_000);  // a memo read is marked used (the eviction keeps the newest)
    const later = new Date(Date.now() + 5000);
    utimesSync(cc.path, later, later);  // the compiler file changed: run again (and it fails now)
    _resetCodegen();
    await expect(compilerIdentity(loaded.addon!, cc, dir)).rejects.toThrow(/--version failed/);
    writeFileSync(path.join(dir, memos()[0]), 'not this compiler: cc 9');  // a memo naming another compiler is not used
    rmSync(broken);
    _resetCodegen();
    expect(await compilerIdentity(loaded.addon!, cc, dir)).toBe(id);
    _resetCodegen();
  });
});
