// Tiering (issue 13): a native program runs on the interpreter and moves to the compiled tier —
// generated C (the addon's codeSource), the system compiler (compiler.ts, a child process: the
// event loop keeps turning), the disk cache (cache.ts), dlopen (the addon's codeAttach) — then
// its next evaluation runs the compiled code. Modes: 'auto' compiles once the program's
// accumulated interpreter time passes the expected compile cost; 'eager' at the first call; 'off'
// never. Every failure leaves the program on the interpreter, the reason in nativeInfo().codegen
// and a one-time notice; results never change (both tiers give the same bits).
import { unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Addon, CachedSource } from '../loader.js';
import { fail } from '../../../core/errors.js';
import { BASE_FLAGS, _forgetIdentities, compile, compilerIdentity, findCompiler, gccFlags, levelFlags, type Compiler } from './compiler.js';
import { cacheBound, cacheDir, discard, evict, hashPath, objectPath, prepareDir, store, tempPath } from './cache.js';
import { enqueue, spentOnLookup, syncTurn } from './tier-queue.js';

export type CodegenMode = 'auto' | 'eager' | 'off';
export type TierName = 'compiled' | 'interpreter';

export interface CodegenInfo {
  mode: CodegenMode;
  /** a C compiler was found on PATH */
  available: boolean;
  compiler: string | null;
  cacheDir: string;
  /** why programs stay on the interpreter (no compiler, a refused cache directory, the last failure), or '' */
  reason: string;
  compiled: number;
  cacheHits: number;
  failures: number;
}

function modeFromEnv(): CodegenMode {
  const v = process.env.WENGERT_CODEGEN;
  return v === 'off' || v === 'eager' || v === 'auto' ? v : 'auto';
}

const state = { mode: modeFromEnv(), reason: '', compiled: 0, cacheHits: 0, failures: 0 };
let compiler: Compiler | null | undefined;
const getCompiler = () => (compiler === undefined ? (compiler = findCompiler()) : compiler);

export function setCodegen(mode: unknown): void {
  if (mode !== 'auto' && mode !== 'eager' && mode !== 'off') fail('ERR_ARG', 'setBackend', `expected codegen 'auto', 'eager' or 'off' but received ${String(mode)}`);
  state.mode = mode as CodegenMode;
}
export const codegenMode = (): CodegenMode => state.mode;

export function codegenInfo(): CodegenInfo {
  const c = getCompiler();
  return { mode: state.mode, available: !!c, compiler: c?.path ?? null, cacheDir: cacheDir(), reason: c ? state.reason : 'no C compiler (cc, gcc or clang) on PATH',
    compiled: state.compiled, cacheHits: state.cacheHits, failures: state.failures };
}

/** @internal tests: look for the compiler again (after changing PATH), read its identity again, forget the last reason */
export function _resetCodegen(): void { compiler = undefined; state.reason = ''; _forgetIdentities(); }

const noticed = new Set<string>();
function failed(reason: string): 'interpreter' {
  state.reason = reason;
  state.failures++;
  const kind = reason.split(':')[0];
  if (!noticed.has(kind) && process.env.WENGERT_CODEGEN_QUIET !== '1') {
    noticed.add(kind);
    process.emitWarning(`wengert: a program stays on the interpreter: ${reason} (shown once per kind)`, 'WengertWarning');
  }
  return 'interpreter';
}

/** auto mode times one evaluation in SAMPLE (a power of two): two clock reads cost ~5% of a 1 µs call */
const SAMPLE = 8;

/**
 * a program whose image is at most this many bytes looks its object up on the main thread — the
 * source generated, its key, the object read, hashed and dlopened in one synchronous addon call:
 * ~0.12 ms of main-thread CPU per KiB of image (0.5–1 ms for W1–W4's 1.6–9.5 KiB), so ≤ ~2 ms; a
 * hit waits for no pool thread; such lookups take ≤ ~2 ms of one turn of the event loop (syncTurn:
 * the others wait for later turns, one per turn). A larger one: a libuv pool thread (codeSourceAsync). @internal benches and
 * tests change it.
 */
export const syncLookup = { maxImageBytes: 12 * 1024 };

/** one await of a build: the main thread's synchronous work since the last resumption (wall ms, CPU ms by stepClock), then the wait (ms) */
export interface BuildStep { what: string; sync: number; cpu: number; wait: number }
/** @internal the last build's steps, in order (bench/compiled.ts: a cache hit's phases; bench/codegen-stall.ts: the main thread's longest block) */
export let lastSteps: BuildStep[] = [];
let resumedAt = 0, resumedCpu = 0;
/** @internal the main thread's CPU clock (ms) for lastSteps: none by default; bench/codegen-stall.ts sets one */
export const stepClock = { cpu: (): number => 0 };
function resume(): void { resumedAt = performance.now(); resumedCpu = stepClock.cpu(); }
/** the synchronous step `what` ends */
function stepEnd(what: string): BuildStep {
  const step: BuildStep = { what, sync: performance.now() - resumedAt, cpu: stepClock.cpu() - resumedCpu, wait: 0 };
  lastSteps.push(step);
  return step;
}
/** a synchronous step `what` ends and the next begins */
function mark(what: string): void { stepEnd(what); resume(); }
/** await p as step `what` of the build (lastSteps) */
async function waitFor<T>(what: string, p: Promise<T>): Promise<T> {
  const step = stepEnd(what), t = performance.now();
  try {
    return await p;
  } finally {
    resume();
    step.wait = resumedAt - t;
  }
}

/** what the cache key adds to a source: the compiler, its flags, the level, the arch (the key is sha256(source + tail)) */
interface KeyParts { c: Compiler; dir: string; flags: string[]; tail: string }
async function keyParts(addon: Addon, level: string): Promise<KeyParts> {
  const c = getCompiler();
  if (!c) throw new Error('no C compiler (cc, gcc or clang) on PATH');
  const lf = levelFlags(level);
  if (!lf) throw new Error(`no compiler flags for SIMD level ${level} in native/sources.json`);
  const dir = cacheDir();
  const refused = prepareDir(dir);
  if (refused) throw new Error(refused);
  const identity = await waitFor('identity', compilerIdentity(addon, c, dir));
  const flags = [...BASE_FLAGS, ...gccFlags(identity), ...lf];
  return { c, dir, flags, tail: ['', identity, flags.join(' '), level, process.arch].join('\0') };
}

/** compile `source` into the cache under key; the object's path, or throws with the reason */
async function compileInto(addon: Addon, c: Compiler, flags: string[], dir: string, key: string, source: string): Promise<string> {
  const src = tempPath(dir, key, '.c'), tmp = tempPath(dir, key, '.so');
  try {
    await waitFor('write', writeFile(src, source, { mode: 0o600 }));
    await waitFor('compile', compile(addon, c, flags, src, tmp));
    const obj = await waitFor('store', store(dir, key, tmp));
    state.compiled++;
    await waitFor('evict', evict(dir, cacheBound(), objectPath(dir, key)).catch(() => 0));
    return obj;
  } finally {
    await waitFor('unlink', Promise.all([unlink(src).catch(() => {}), unlink(tmp).catch(() => {})]));
  }
}

/** a hit's source (the lookup returns none), to keep beside its object */
const keptSource = (addon: Addon, image: ArrayBuffer): string => { const s = addon.codeSource(image); return typeof s === 'string' ? s : ''; };

/**
 * the shared object of a generated source, loaded (dlopened, not attached): from the cache — the
 * lookup (codeSource on the main thread or codeSourceAsync on the pool) computed its key, read the
 * object, checked its hash and dlopened it — else by the key's job (rebuild). Its path, or throws
 * with the reason.
 */
async function loadedObject(addon: Addon, image: ArrayBuffer, k: KeyParts, got: CachedSource): Promise<string> {
  const { dir } = k, { source, key, hit } = got;
  // WENGERT_CODEGEN_KEEP=1: the generated source beside its object (<key>.c), to read
  if (process.env.WENGERT_CODEGEN_KEEP === '1') await waitFor('keep', writeFile(objectPath(dir, key).replace(/\.so$/, '.c'), source || keptSource(addon, image), { mode: 0o600 }).catch(() => {}));
  const obj = objectPath(dir, key);
  if (hit === '') {
    state.cacheHits++;  // the lookup marked the entry recently used
    return obj;
  }
  if (hit !== 'corrupt' && hit !== 'missing') throw new Error(`loading ${obj}: ${hit}`);
  // twice at most: another process's job may have discarded or half-replaced the entry between
  // this key's compile and its load (its two renames are not one step), so one more job settles it
  let pre = await waitFor('queue', enqueue(key, () => rebuild(addon, k, key, source)));
  if (pre === 'missing' || pre === 'corrupt') pre = await waitFor('queue', enqueue(key, () => rebuild(addon, k, key, source)));
  if (pre) throw new Error(`loading ${obj}: ${pre}`);
  return obj;
}

/**
 * the key's job, after its lookup missed or met a corrupt entry: the entry checked again first —
 * another program of the key may have rebuilt it since (loaded: a hit) — a corrupt one deleted only
 * here, inside the key's one job, so that no program deletes another's fresh object; then compiled
 * and loaded (checked). '' when the key's object is loaded, else why not
 */
async function rebuild(addon: Addon, k: KeyParts, key: string, source: string): Promise<string> {
  const obj = objectPath(k.dir, key), digest = hashPath(k.dir, key);
  const again = await waitFor('recheck', addon.codePreload(obj, digest));
  if (again === '') { state.cacheHits++; return ''; }
  if (again === 'corrupt') await waitFor('discard', discard(k.dir, key));
  else if (again !== 'missing') return again;
  await compileInto(addon, k.c, k.flags, k.dir, key, source);
  return waitFor('dlopen', addon.codePreload(obj, digest));  // on the pool, checked
}

/** @internal tests: awaited after a program's cache lookup, with its result (a lookup that waits, as a slow one would) */
export const lookupHook: { after: ((hit: string) => Promise<void>) | null } = { after: null };

/** what the generator gives: the source alone (no key parts), the source with its cache check, or why not */
type Looked = string | CachedSource | { reason: string };

/** slots of compiled programs garbage collection freed without dispose() */
const slots = new FinalizationRegistry<{ addon: Addon; slot: number }>(({ addon, slot }) => addon.codeFree(slot));

/** the tier of one native program (its image) */
export class Tier {
  private spent = 0;
  private calls = 0;
  private job: Promise<TierName> | null = null;
  private image: ArrayBuffer | null;
  /** the tier of the last evaluation */
  last: TierName = 'interpreter';
  attached = false;

  constructor(private readonly addon: Addon, image: ArrayBuffer, private readonly level: string, private readonly expectMs: number) {
    this.image = image;
  }

  /** before a sync evaluation: whether to time it (auto mode, still interpreting); eager mode starts compiling */
  begin(): boolean {
    this.last = this.attached ? 'compiled' : 'interpreter';
    if (this.attached || this.job) return false;
    if (state.mode === 'eager') { void this.compile(); return false; }
    return state.mode === 'auto' && (this.calls++ & (SAMPLE - 1)) === 0;
  }

  /** after a timed evaluation: ms it took on the interpreter (one evaluation in SAMPLE is timed) */
  spend(ms: number): void {
    this.spent += ms * SAMPLE;
    if (this.spent >= this.expectMs) void this.compile();
  }

  /** resolves to the tier the next evaluation runs on, compiling first unless codegen is off */
  ready(): Promise<TierName> {
    if (this.attached) return Promise.resolve('compiled');
    if (state.mode === 'off' && !this.job) return Promise.resolve('interpreter');
    // the compiler's child process does not keep the process alive: a caller waiting does
    const alive = setInterval(() => {}, 1 << 30);
    return this.compile().finally(() => clearInterval(alive));
  }

  /** the build starts after the current evaluation (a microtask): never inside one */
  private compile(): Promise<TierName> {
    return (this.job ??= Promise.resolve().then(() => this.build()));
  }

  /** the source, its key and the cache check: on the main thread for a small image (syncLookup), else on the pool */
  private async lookUp(image: ArrayBuffer, k: KeyParts | Error): Promise<Looked> {
    const a = this.addon, prefix = k instanceof Error ? '' : k.dir + path.sep;
    if (image.byteLength > syncLookup.maxImageBytes) return waitFor<Looked>('source', k instanceof Error ? a.codeSourceAsync(image) : a.codeSourceAsync(image, k.tail, prefix));
    const later = syncTurn();  // ≤ ~2 ms of synchronous lookups per turn of the event loop
    if (later) await waitFor('turn', later);
    if (!this.image) return { reason: '' };  // disposed meanwhile
    mark('key');
    const t0 = performance.now();
    const got = k instanceof Error ? a.codeSource(image) : a.codeSource(image, k.tail, prefix);
    spentOnLookup(performance.now() - t0);
    mark('lookup');
    return got;
  }

  private async build(): Promise<TierName> {
    const image = this.image;
    if (!image) return 'interpreter';
    resume();
    lastSteps = [];
    const k = await keyParts(this.addon, this.level).catch((e: Error) => e);
    if (!this.image) return 'interpreter';  // disposed meanwhile
    const got = await this.lookUp(image, k);
    if (typeof got !== 'string' && 'reason' in got) { if (got.reason) state.reason = got.reason; return 'interpreter'; }
    if (lookupHook.after && typeof got !== 'string') await lookupHook.after(got.hit);
    let obj: string;
    try {
      if (k instanceof Error) throw k;
      if (typeof got === 'string') throw new Error('the generator did not check the cache');
      obj = await loadedObject(this.addon, image, k, got);
    } catch (e) {
      return failed((e as Error).message);
    }
    if (!this.image) return 'interpreter';
    const slot = this.addon.codeAttach(this.image, obj);
    stepEnd('attach');
    if (typeof slot === 'string') return failed(`loading ${obj}: ${slot}`);
    slots.register(this, { addon: this.addon, slot }, this);
    this.attached = true;
    return 'compiled';
  }

  /** the program is disposed: detach its code (its image is about to be freed) */
  dispose(): void {
    if (this.image && this.attached) this.addon.codeDetach(this.image);
    slots.unregister(this);
    this.image = null;
    this.attached = false;
  }
}
