// The system C compiler of the compiled tier: found on PATH at first use (cc, else gcc, else clang),
// its identity (`--version`, part of the cache key) read once off the main thread and remembered in
// the cache directory, and the flags of a SIMD level taken from the one list the addon's own build
// uses (native/sources.json: a level's `<arch>_flags`), never -march=native. The bit-identity flags are fixed: -ffp-contract=off (no
// fused multiply-adds the interpreter does not do), -fno-fast-math.
import { accessSync, constants, readFileSync, statSync, utimesSync } from 'node:fs';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tempPath } from './cache.js';

export interface Compiler { path: string; name: string }

const CANDIDATES = ['cc', 'gcc', 'clang'];
/** flags every generated program is compiled with, before the level's */
export const BASE_FLAGS = ['-O2', '-ffp-contract=off', '-fno-fast-math', '-fno-math-errno', '-fPIC', '-shared', '-fvisibility=hidden', '-w'];

/**
 * gcc's -O2 vectorizes only loops whose vector code replaces the scalar code entirely (the
 * "very cheap" cost model): a generated tile loop of variable length would stay scalar, slower than
 * the interpreter's -O3 kernels. The dynamic model vectorizes it (results unchanged: no
 * reassociation without -ffast-math). clang vectorizes at -O2 already.
 */
export const gccFlags = (identity: string): string[] => (/clang/i.test(identity) ? [] : ['-fvect-cost-model=dynamic']);

/** the first compiler on PATH (as the environment is now), or null */
export function findCompiler(env: NodeJS.ProcessEnv = process.env): Compiler | null {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    for (const name of CANDIDATES) {
      const p = path.join(dir, name);
      // stat without throwing first: most candidates are absent, and a thrown error costs ~0.1 ms
      if (!statSync(p, { throwIfNoEntry: false })?.isFile()) continue;
      try {
        accessSync(p, constants.X_OK);
        return { path: p, name };
      } catch { /* not executable */ }
    }
  }
  return null;
}

/**
 * @internal the compiler's scheduling priority (a nice value, 19 the lowest, set right after the
 * spawn, before the driver starts its passes, which inherit it): on a machine with few cores the
 * compiler yields the CPU to the program's own threads (bench/codegen-stall.ts)
 */
export const compilePriority = { nice: 19 };

/** the addon's process calls (codeSpawn, codeReap): posix_spawn on a pool thread, waitpid without blocking */
export interface Spawner {
  codeSpawn(argv: string[], outPath: string, nice: number): Promise<number | string>;
  codeReap(pid: number): number | string | null;
}

/**
 * run argv (argv[0] a path), stdout and stderr into outPath, at the compiler's priority; resolves
 * to [exit code or −signal, its output] (outPath removed). child_process would fork the process:
 * copying its page tables stops the main thread for tens of ms when the heap is large. The child
 * is polled every 5 ms by an unref'd timer, so it does not keep the process alive (a script that is
 * done exits; callers awaiting the result keep it alive: Tier.ready); killed after `limitMs`.
 */
export async function run(sp: Spawner, argv: string[], outPath: string, limitMs: number): Promise<[number, string]> {
  const pid = await sp.codeSpawn(argv, outPath, compilePriority.nice);
  try {
    if (typeof pid === 'string') throw new Error(`${path.basename(argv[0])} did not start: ${pid}`);
    const status = await new Promise<number>((resolve, reject) => {
      const t0 = Date.now();
      const poll = setInterval(() => {
        const r = sp.codeReap(pid);
        if (r === null) {
          if (Date.now() - t0 > limitMs) try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
          return;
        }
        clearInterval(poll);
        if (typeof r === 'string') reject(new Error(r));
        else resolve(r);
      }, 5);
      poll.unref();
    });
    return [status, await readFile(outPath, 'utf8').catch(() => '')];
  } finally {
    await unlink(outPath).catch(() => {});
  }
}

const identities = new Map<string, Promise<string>>();
/** @internal tests: read identities again (as a new process would) */
export const _forgetIdentities = () => identities.clear();
/**
 * the compiler's `--version` first line (its identity in the cache key), read once per process and
 * remembered in the cache directory dir as `compiler-<numbers>.id`, under the compiler file's own
 * identity (its path, device, inode, size, modification and change times: an upgrade changes
 * them), so a new process's first cache hit starts no compiler (its start and the 5 ms polls took
 * 7–40 ms on a loaded machine); rejects when it does not run
 */
export function compilerIdentity(sp: Spawner, c: Compiler, dir: string): Promise<string> {
  let p = identities.get(c.path);
  if (!p) {
    const memo = identityMemo(c, dir);
    const known = memo === null ? null : readMemo(memo, c);
    p = known !== null ? Promise.resolve(known) : run(sp, [c.path, '--version'], tempPath(dir, 'identity', '.log'), 10_000).then(([status, text]) => {
      if (status !== 0) throw new Error(`${c.path} --version failed: ${text.split('\n')[0] || `status ${status}`}`);
      const id = `${c.path}: ${text.split('\n')[0].trim()}`;
      if (memo !== null) void writeMemo(dir, memo, id);
      return id;
    });
    p.catch(() => identities.delete(c.path));
    identities.set(c.path, p);
  }
  return p;
}

/** the memo's path for the compiler file as it is now, or null (it cannot be read) */
function identityMemo(c: Compiler, dir: string): string | null {
  const s = statSync(c.path, { bigint: true, throwIfNoEntry: false });
  if (!s) return null;
  // the file's numbers in the name (no hash to set up on a process's first build); its path is in the memo
  return path.join(dir, `compiler-${[s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].map((n) => n.toString(36)).join('-')}.id`);
}
/** a remembered identity (one line naming the compiler's path), or null; a memo read is marked used (the eviction keeps the newest) */
function readMemo(memo: string, c: Compiler): string | null {
  try {
    const id = readFileSync(memo, 'utf8');
    if (!id.startsWith(`${c.path}: `) || id.includes('\n')) return null;
    try { const now = new Date(); utimesSync(memo, now, now); } catch { /* only the eviction order (newest kept) */ }
    return id;
  } catch {
    return null;
  }
}
/** written under a temporary name and renamed (a reader sees the whole line or none) */
async function writeMemo(dir: string, memo: string, id: string): Promise<void> {
  const tmp = tempPath(dir, 'compiler', '.id');
  try {
    await writeFile(tmp, id, { mode: 0o600 });
    await rename(tmp, memo);
  } catch {
    await unlink(tmp).catch(() => {});
  }
}

interface Sources { levels: Record<string, Record<string, string[] | number>> }
let sources: Sources | null = null;
function readSources(): Sources {
  if (!sources) {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
    sources = JSON.parse(readFileSync(path.join(root, 'native/sources.json'), 'utf8')) as Sources;
  }
  return sources;
}

/** the level's compiler flags for this machine's architecture (the addon's own), or null for an unknown level */
export function levelFlags(level: string, arch: string = process.arch): string[] | null {
  const entry = readSources().levels[level];
  if (!entry) return null;
  const flags = entry[`${arch}_flags`];
  // the contraction rule is BASE_FLAGS' (the neon level's own -ffp-contract=fast would override it)
  return Array.isArray(flags) ? flags.filter((f) => !f.startsWith('-ffp-contract')) : [];
}

/** run the compiler: source file → shared object; rejects with the compiler's first error lines (out + '.log' its output, removed) */
export async function compile(sp: Spawner, c: Compiler, flags: readonly string[], src: string, out: string): Promise<void> {
  const [status, text] = await run(sp, [c.path, ...flags, '-x', 'c', src, '-o', out, '-lm'], out + '.log', 120_000);
  if (status !== 0) throw new Error(`${c.name} failed: ${(text || `status ${status}`).split('\n').slice(0, 3).join(' ').slice(0, 400)}`);
}
