// The compiled tier's cache under concurrency (docs/compiled.md): two programs of one key that both
// meet a corrupt entry leave one rebuilt object (the second finds it intact, deletes nothing); an
// entry replaced between its hash check and its load is never loaded (the hashed fd's file is);
// programs whose lookups become ready in one tick take ≤ a budget of synchronous lookups per event-loop turn;
// the compiler-identity memos are evicted, the newest kept. Every compiled result is compared bit
// for bit with the interpreter's (compareTiers), and the TS backend agrees within rounding.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as w from '../src/index.js';
import { compareTiers, runOnBackend } from '../src/backends/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import { lookupHook, syncLookup } from '../src/backends/native/codegen/tier.js';
import { lookupBudget } from '../src/backends/native/codegen/tier-queue.js';
import { MEMOS_KEPT, evict } from '../src/backends/native/codegen/cache.js';
import { leaveCodegen } from './support/codegen.js';

const addon = loaded.addon;
const haveCompiler = !!addon && w.nativeInfo().codegen.available;
const d = haveCompiler ? describe : describe.skip;
const root = mkdtempSync(path.join(os.tmpdir(), 'wengert-codegen-races-'));
const SYNC_BOUND = syncLookup.maxImageBytes;

const x = Float64Array.from({ length: 64 }, (_, i) => Math.cos(0.3 * i) * 1.1);
/** Σ exp(x/4)·sin(x)·c and its gradient: one value-and-gradient program per graph, one cache key per c */
const fOf = (c: number) => (v: w.Tensor) => w.sum(w.mul(c, w.mul(w.exp(w.mul(v, 0.25)), w.sin(v))));
const graphOf = (c: number) => vjpGraph(traceFunction(fOf(c), [w.tensor(x)], 'races test').graph, [0], ['ones']);
/** the value and gradient analytically (float64) */
const analytic = (c: number): [number, Float64Array] =>
  [x.reduce((s, t) => s + c * Math.exp(0.25 * t) * Math.sin(t), 0), x.map((t) => c * Math.exp(0.25 * t) * (0.25 * Math.sin(t) + Math.cos(t)))];

/** g compiled and its results bit for bit the interpreter's (compareTiers); near the analytic values and the TS backend's */
async function compiledAndSame(g: ReturnType<typeof graphOf>, c: number): Promise<void> {
  expect(await compareTiers(g, [x])).toBe('compiled');
  const got = runOnBackend(g, [x]);
  const [v, grad] = analytic(c);
  expect(got[0][0]).toBeCloseTo(v, 10);
  for (let i = 0; i < x.length; i++) expect(got[1][i]).toBeCloseTo(grad[i], 10);
  w.setBackend('ts');
  const ts = runOnBackend(g, [x]);
  w.setBackend('native', { codegen: 'eager' });
  expect(ts[0][0]).toBeCloseTo(got[0][0], 10);
  for (let i = 0; i < x.length; i++) expect(ts[1][i]).toBeCloseTo(got[1][i], 10);
}
const useDir = (name: string) => { const dir = path.join(root, name); process.env.WENGERT_CACHE_DIR = dir; return dir; };
const objects = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.so'));

d('the compiled tier\'s cache under concurrency', () => {
  beforeAll(() => {
    process.env.WENGERT_CODEGEN_QUIET = '1';
    w.setBackend('native', { codegen: 'eager' });
  });
  afterEach(() => { lookupHook.after = null; syncLookup.maxImageBytes = SYNC_BOUND; });
  afterAll(() => leaveCodegen(root));

  it('two programs of one key that both meet a corrupt entry: one rebuild, the second finds it intact and deletes nothing', async () => {
    const dir = useDir('corrupt-race');
    await compiledAndSame(graphOf(2), 2);
    const [so] = objects(dir);
    const bytes = readFileSync(path.join(dir, so));
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(path.join(dir, 'new'), bytes);
    renameSync(path.join(dir, 'new'), path.join(dir, so));
    const before = w.nativeInfo().codegen;
    // A's lookup waits until B's has met the corrupt entry too; B then waits until A is rebuilt and compiled
    const hits: string[] = [];
    let bLooked!: () => void;
    const bSeen = new Promise<void>((r) => { bLooked = r; });
    let aDone: Promise<unknown> = Promise.resolve();
    lookupHook.after = async (hit) => {
      hits.push(hit);
      if (hits.length === 1) await bSeen;
      else { bLooked(); await aDone; }
    };
    const gA = graphOf(2), gB = graphOf(2);
    aDone = compiledAndSame(gA, 2);
    const inode = aDone.then(() => statSync(path.join(dir, so)).ino);
    await Promise.all([aDone, compiledAndSame(gB, 2)]);
    expect(hits).toEqual(['corrupt', 'corrupt']);
    const after = w.nativeInfo().codegen;
    expect(after.compiled - before.compiled).toBe(1);  // one rebuild: B neither deleted A's object nor compiled again
    expect(after.cacheHits - before.cacheHits).toBe(1);
    expect(statSync(path.join(dir, so)).ino).toBe(await inode);
    expect(objects(dir)).toEqual([so]);
  });

  // Linux (/proc/self/fd); elsewhere the path is loaded and the replaced entry refused after the fact
  it.skipIf(!existsSync('/proc/self/fd'))('an entry replaced between its hash check and its load is never loaded: the file that was hashed is', async () => {
    const first = useDir('swap-src');
    await compiledAndSame(graphOf(3), 3);  // the entry, loaded in this process under first/<key>.so
    const [so] = objects(first), key = so.slice(0, -3);
    const dir = useDir('swap');  // the same entry under a path this process has not loaded
    mkdirSync(dir, { mode: 0o700 });
    copyFileSync(path.join(first, so), path.join(dir, so));
    const digest = path.join(root, 'digest');
    copyFileSync(path.join(first, `${key}.sha256`), digest);
    // another object, whose constructor leaves a marker when it is loaded
    const marker = path.join(root, 'loaded-the-swapped-object'), evil = path.join(root, 'evil.so'), src = path.join(root, 'evil.c');
    writeFileSync(src, `#include <stdio.h>\n__attribute__((constructor)) static void mark(void) { FILE* f = fopen("${marker}", "w"); if (f) fclose(f); }\n`);
    expect(spawnSync(w.nativeInfo().codegen.compiler!, ['-shared', '-fPIC', '-o', evil, src]).status).toBe(0);
    // the digest is a FIFO: the lookup (on the pool) has hashed the object when it opens it; the
    // writer then renames the other object over the entry and only then hands over the digest
    expect(spawnSync('mkfifo', [path.join(dir, `${key}.sha256`)]).status).toBe(0);
    const writer = spawn('sh', ['-c', 'exec 3>"$1"; mv "$2" "$3"; cat "$4" >&3', 'sh', path.join(dir, `${key}.sha256`), evil, path.join(dir, so), digest]);
    const exited = new Promise((r) => writer.on('exit', r));
    syncLookup.maxImageBytes = 0;
    const before = w.nativeInfo().codegen;
    await compiledAndSame(graphOf(3), 3);  // a hit: the hashed object's bits
    expect(w.nativeInfo().codegen.cacheHits).toBe(before.cacheHits + 1);
    expect(w.nativeInfo().codegen.compiled).toBe(before.compiled);
    expect(await exited).toBe(0);
    expect(existsSync(marker)).toBe(false);
    expect(existsSync(evil)).toBe(false);  // it was renamed over the entry before the digest was handed over
  });

  it('the checked load refuses bad arguments and unloaded objects with a reason, loading nothing', async () => {
    const a = addon as unknown as { codePreload(...args: unknown[]): Promise<string>; codeAttach(...args: unknown[]): number | string };
    expect(await a.codePreload(path.join(root, 'x.so'))).toBe('expected (path, hashPath)');
    expect(await a.codePreload(1, 2)).toBe('expected (path, hashPath)');
    expect(await a.codePreload(path.join(root, 'none.so'), path.join(root, 'none.sha256'))).toBe('missing');
    const so = path.join(root, 'plain.so');
    writeFileSync(so, 'not an object');
    writeFileSync(path.join(root, 'plain.sha256'), '00\n');
    expect(await a.codePreload(so, path.join(root, 'plain.sha256'))).toBe('corrupt');
    expect(a.codeAttach(new ArrayBuffer(64), so)).toMatch(/expected an image/);
  });

  it.each([[0, 'one per turn'], [1e6, 'all in the turn they became ready']])('programs whose cache lookups become ready in one tick, a lookup budget of %d ms per turn: %s', async (budget) => {
    useDir('turns');
    await compiledAndSame(graphOf(5), 5);  // cached
    const kept = lookupBudget.ms;
    lookupBudget.ms = budget;
    let turn = 0, ticking = true;
    const tick = () => { turn++; if (ticking) setImmediate(tick); };
    setImmediate(tick);
    const a = addon!, original = a.codeSource;
    const turns: number[] = [];
    a.codeSource = ((...args: Parameters<typeof original>) => { if (args.length === 3) turns.push(turn); return original.apply(a, args); }) as typeof original;
    try {
      const graphs = Array.from({ length: 10 }, () => graphOf(5));
      const tiers = await Promise.all(graphs.map((g) => compareTiers(g, [x])));  // ten programs in one tick
      expect(tiers).toEqual(Array(10).fill('compiled'));
      expect(turns.length).toBe(10);
      for (let i = 1; i < turns.length; i++) {
        if (budget === 0) expect(turns[i]).toBeGreaterThan(turns[i - 1]);
        else expect(turns[i]).toBe(turns[0]);
      }
      for (const g of graphs) await compiledAndSame(g, 5);
    } finally {
      a.codeSource = original;
      lookupBudget.ms = kept;
      ticking = false;
    }
  });

  it('the compiler-identity memos are evicted with the cache: the newest few kept', async () => {
    const dir = useDir('memos');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const names = Array.from({ length: MEMOS_KEPT + 3 }, (_, i) => `compiler-${i.toString(36)}-1a-2b.id`);
    names.forEach((n, i) => {
      writeFileSync(path.join(dir, n), `/usr/bin/cc: cc ${i}`);
      const t = new Date(2020, 0, 1 + i);
      utimesSync(path.join(dir, n), t, t);
    });
    const memos = () => readdirSync(dir).filter((n) => n.startsWith('compiler-')).sort();
    await evict(dir, 1 << 30, '');
    expect(memos()).toEqual(names.slice(-MEMOS_KEPT).sort());  // the newest
    writeFileSync(path.join(dir, 'compiler-zz-1.id'), 'x');  // newer than all
    await compiledAndSame(graphOf(7), 7);  // a compile evicts
    expect(memos()).toEqual([...names.slice(-MEMOS_KEPT + 1), 'compiler-zz-1.id'].sort());
  });
});
