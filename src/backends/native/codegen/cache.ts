// The compiled tier's disk cache (trusted code, like JAX's persistent compilation cache: whoever
// can write the directory can run code in every process that uses it — docs/compiled.md).
// Directory: $WENGERT_CACHE_DIR, else $XDG_CACHE_HOME/wengert, else ~/.cache/wengert, created 0700
// and refused when it is not a directory owned by this user or is group/world-writable. Entries:
// <key>.so and <key>.sha256 (the object's SHA-256), written under temporary names and renamed. A
// hit re-hashes the object before loading it (the addon's codeSource/codeSourceAsync with a key
// tail: read, hashed and dlopened in the one lookup call); one that fails its hash is deleted (and
// rebuilt), never loaded; a hit sets its object's times to now (in the same call). compiler-<numbers>.id:
// the compiler's identity (compiler.ts), the newest few kept. Past the size bound the least recently used
// entries are deleted.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { lstatSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');

/** the directory the environment names (not yet checked) */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WENGERT_CACHE_DIR) return path.resolve(env.WENGERT_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return path.join(path.resolve(env.XDG_CACHE_HOME), 'wengert');
  return path.join(os.homedir(), '.cache', 'wengert');
}

/** the size bound in bytes ($WENGERT_CACHE_MAX_MB, default 256 MB) */
export function cacheBound(env: NodeJS.ProcessEnv = process.env): number {
  const mb = Number(env.WENGERT_CACHE_MAX_MB);
  return (Number.isFinite(mb) && mb > 0 ? mb : 256) * 2 ** 20;
}

/** create the directory (0700) and check it; null, or why it is refused */
export function prepareDir(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const s = lstatSync(dir);
    if (!s.isDirectory()) return `the cache path ${dir} is not a directory`;
    const uid = process.getuid?.();
    if (uid !== undefined && s.uid !== uid) return `the cache directory ${dir} is owned by uid ${s.uid}, not by this user (${uid})`;
    if (s.mode & 0o022) return `the cache directory ${dir} is writable by group or others (mode ${(s.mode & 0o777).toString(8)})`;
    return null;
  } catch (e) {
    return `the cache directory ${dir} cannot be used: ${(e as Error).message}`;
  }
}

export const objectPath = (dir: string, key: string) => path.join(dir, `${key}.so`);
export const hashPath = (dir: string, key: string) => path.join(dir, `${key}.sha256`);
export const tempPath = (dir: string, key: string, ext: string) => path.join(dir, `${key}.tmp-${process.pid}-${randomBytes(4).toString('hex')}${ext}`);

/** delete an entry whose object failed its hash (it is rebuilt, never loaded) */
export async function discard(dir: string, key: string): Promise<void> {
  await Promise.all([unlink(objectPath(dir, key)).catch(() => {}), unlink(hashPath(dir, key)).catch(() => {})]);
}

/** move a freshly compiled object (a temp file in dir) into the cache under key */
export async function store(dir: string, key: string, tmpObject: string): Promise<string> {
  const digest = sha256(await readFile(tmpObject));
  const tmpHash = tempPath(dir, key, '.sha256');
  await writeFile(tmpHash, digest + '\n', { mode: 0o600 });
  await rename(tmpHash, hashPath(dir, key));
  const obj = objectPath(dir, key);
  await rename(tmpObject, obj);
  return obj;
}

/** compiler identities remembered (compiler-<numbers>.id, compiler.ts) kept by the eviction: the newest */
export const MEMOS_KEPT = 4;
const isMemo = (n: string) => /^compiler-[0-9a-z-]+\.id$/.test(n);

/** delete all but the MEMOS_KEPT newest compiler identity memos (a deleted one is read again by running the compiler) */
async function keepNewestMemos(dir: string, all: readonly string[]): Promise<void> {
  const memos = await Promise.all(all.filter(isMemo).map(async (n) => {
    try { return { n, t: (await stat(path.join(dir, n))).mtimeMs }; } catch { return null; }
  }));
  const old = memos.filter((m): m is { n: string; t: number } => !!m).sort((a, b) => b.t - a.t).slice(MEMOS_KEPT);
  await Promise.all(old.map((m) => unlink(path.join(dir, m.n)).catch(() => {})));
}

/** delete least recently used entries until the objects take at most `bound` bytes (and old compiler memos) */
export async function evict(dir: string, bound: number, keep: string): Promise<number> {
  const all = await readdir(dir);
  // temporary files of processes that exited mid-compile: gone after an hour
  await Promise.all(all.filter((n) => n.includes('.tmp-')).map(async (n) => {
    const p = path.join(dir, n);
    try { if (Date.now() - (await stat(p)).mtimeMs > 3_600_000) await unlink(p); } catch { /* raced */ }
  }));
  await keepNewestMemos(dir, all);
  const names = all.filter((n) => n.endsWith('.so') && !n.includes('.tmp-'));
  const entries = await Promise.all(names.map(async (n) => {
    try { const s = await stat(path.join(dir, n)); return { n, size: s.size, t: s.mtimeMs }; } catch { return null; }
  }));
  const live = entries.filter((e): e is { n: string; size: number; t: number } => !!e).sort((a, b) => a.t - b.t);
  let total = live.reduce((a, e) => a + e.size, 0), removed = 0;
  for (const e of live) {
    if (total <= bound) break;
    if (path.join(dir, e.n) === keep) continue;
    const key = e.n.slice(0, -3);
    await Promise.all([unlink(path.join(dir, e.n)).catch(() => {}), unlink(hashPath(dir, key)).catch(() => {})]);
    total -= e.size;
    removed++;
  }
  return removed;
}

