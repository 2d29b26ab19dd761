// The system C compiler of the compiled tier: found on PATH at first use (cc, else gcc, else clang),
// its identity (`--version`, part of the cache key) read once off the main thread, and the flags of
// a SIMD level taken from the one list the addon's own build uses (native/sources.json: a level's
// `<arch>_flags`), never -march=native. The bit-identity flags are fixed: -ffp-contract=off (no
// fused multiply-adds the interpreter does not do), -fno-fast-math.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

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
      try {
        accessSync(p, constants.X_OK);
        if (statSync(p).isFile()) return { path: p, name };
      } catch { /* not here */ }
    }
  }
  return null;
}

const identities = new Map<string, Promise<string>>();
/** the compiler's `--version` first line (its identity in the cache key); rejects when it does not run */
export function compilerIdentity(c: Compiler): Promise<string> {
  let p = identities.get(c.path);
  if (!p) {
    p = new Promise((resolve, reject) => {
      execFile(c.path, ['--version'], { timeout: 10_000 }, (err, stdout) => {
        if (err) reject(new Error(`${c.path} --version failed: ${err.message.split('\n')[0]}`));
        else resolve(`${c.path}: ${stdout.split('\n')[0].trim()}`);
      });
    });
    identities.set(c.path, p);
  }
  return p;
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

/**
 * @internal the compiler's scheduling priority (a nice value, 19 the lowest): on a machine with few
 * cores the compiler then takes the CPU only when the program's own threads leave it (bench/codegen-stall.ts)
 */
export const compilePriority = { nice: 19 };

/**
 * run the compiler: source file → shared object; rejects with the compiler's first error lines.
 * It runs at the lowest priority (compilePriority), set right after the spawn, before the driver
 * starts its passes (which inherit it).
 * The child does not keep the process alive (a script that is done exits; its compile is lost):
 * callers awaiting the result keep it alive themselves (Tier.ready).
 */
export function compile(c: Compiler, flags: readonly string[], src: string, out: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // (execFile's own timeout would be a timer keeping the process alive)
    const timer = setTimeout(() => child.kill(), 120_000);
    timer.unref();
    const child = execFile(c.path, [...flags, '-x', 'c', src, '-o', out, '-lm'], { maxBuffer: 1 << 20 }, (err, _o, stderr) => {
      clearTimeout(timer);
      if (err) reject(new Error(`${c.name} failed: ${(stderr || err.message).split('\n').slice(0, 3).join(' ').slice(0, 400)}`));
      else resolve();
    });
    try {
      if (child.pid !== undefined && compilePriority.nice !== 0) os.setPriority(child.pid, compilePriority.nice);
    } catch { /* not permitted here: the default priority */ }
    child.unref();
    for (const s of [child.stdout, child.stderr, child.stdin]) (s as { unref?: () => void } | null)?.unref?.();
  });
}
