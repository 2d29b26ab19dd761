// Loads the addon (node-gyp-build: build/Release, else prebuilds/) and checks the op-table
// handshake: the addon's op names must equal the registry's, in order, or it is refused and the
// TS backend is used (nativeInfo().reason says why).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { REGISTRY } from '../../ops/registry.js';
import { ENCODING_VERSION } from './encode.js';

export type SimdLevel = 'scalar' | 'sse' | 'avx2' | 'avx512' | 'neon';

/** one parallel region: its chunk function, chunks, span, the caller's own chunks and its wait for the workers (ns); helpers 0: ran inline */
export interface PoolRegion { fn: string; chunks: number; spanNs: number; callerNs: number; waitNs: number; workerChunks: number; helpers: number }
/** the pool's counters (native/src/threads_profile.h) */
export interface ThreadsProfile {
  regions: number; inlineRegions: number; chunks: number; workerChunks: number; spanNs: number; inlineNs: number; callerNs: number; waitNs: number;
  joins: number; idleJoins: number; wakeNs: number; workerNs: number; spinNs: number; sleeps: number;
  workerCpuNs: number; callerCpuNs: number; nowNs: number; recent: PoolRegion[];
}

export interface AddonError { status: number; instr: number; message: string }

/**
 * The addon's program API (native/src/addon.cc): a program is an *image* (an ArrayBuffer the addon
 * made), each concurrent evaluation has its own *arena* (another one). Nothing native outlives
 * them, so garbage collection frees a program with no finalizer and no turn of the event loop.
 */
export interface Addon {
  decode(enc: Int32Array, consts: Float64Array): ArrayBuffer | AddonError;
  arena(image: ArrayBuffer): ArrayBuffer | AddonError;
  /** 0, or a status (details in lastError()); fewer output arrays than outputs: the last packs the rest */
  run(image: ArrayBuffer, arena: ArrayBuffer, inputs: Float64Array[], outputs: Float64Array[]): number;
  /** inputs then outputs back to back in the arena's io region (info().ioOffset, ioValues) */
  runPacked(image: ArrayBuffer, arena: ArrayBuffer): number;
  /** resolves to null (written into `outputs`), the arrays it allocated (`outputs` = how many), or an error */
  runAsync(image: ArrayBuffer, arena: ArrayBuffer, inputs: Float64Array[], outputs: Float64Array[] | number): Promise<AddonError | Float64Array[] | null>;
  /** bodies: every loop body's steps and 0-d instructions (pre-order, depth 1 = a body of the program); memoryBytes includes their regions */
  info(image: ArrayBuffer): { steps: number; scalarOps: number; imageBytes: number; memoryBytes: number; ioOffset: number; ioValues: number; simd: SimdLevel;
    bodies: { steps: number; scalarOps: number; depth: number }[] } | null;
  /** detach (free now) an image or arena no evaluation holds; false otherwise */
  release(buffer: ArrayBuffer): boolean;
  /** detach (free now, or back to the result-block cache) an async result's buffer; false for an image, an arena or a buffer that cannot be detached */
  detachResult(buffer: ArrayBuffer): boolean;
  lastError(): AddonError | null;
  opTable(): string[];
  simdInfo(): { level: SimdLevel; detected: SimdLevel; supported: SimdLevel[]; reason: string };
  setSimd(level: string): boolean;
  /** intra-op threads of large kernels (native/src/threads.h); reason: why WENGERT_THREADS was ignored */
  threadsInfo(): { threads: number; reason: string; pooled: number; helped: number };
  /** 1 ≤ n ≤ 64 (whole); false otherwise */
  setThreads(n: number): boolean;
  /** the intra-op pool's profile (WENGERT_PROFILE=threads or 1; ns since the last reset, bench/threads.ts), else null; reset: zero it after reading */
  threadsProfile(reset?: boolean): ThreadsProfile | null;
  encodingVersion: number;
  imageVersion: number;
  // the compiled tier (native/src/codegen/napi.cc)
  /** the generated C source of the image's program, or why the generator leaves it to the interpreter */
  codeSource(image: ArrayBuffer): string | { reason: string };
  /** the same, then the cache key sha256(source + keyTail) and the cache check of dirPrefix + key + '.so':
   * the object read, hashed against the digest in its '.sha256' and dlopened — hit '', 'missing',
   * 'corrupt' (not loaded) or why not; all on the calling thread */
  codeSource(image: ArrayBuffer, keyTail: string, dirPrefix: string): CachedSource | { reason: string };
  /** codeSource on a libuv pool thread (the image is held until it settles) */
  codeSourceAsync(image: ArrayBuffer): Promise<string | { reason: string }>;
  codeSourceAsync(image: ArrayBuffer, keyTail: string, dirPrefix: string): Promise<CachedSource | { reason: string }>;
  /** the cache entry's checked load on a libuv pool thread ('' or 'missing', 'corrupt', why not), so that codeAttach finds the object loaded */
  codePreload(path: string, hashPath: string): Promise<string>;
  /** argv[0] started (posix_spawn on a pool thread), stdout and stderr into outPath, at nice: its pid, or why not */
  codeSpawn(argv: string[], outPath: string, nice: number): Promise<number | string>;
  /** the calling thread's CPU time, ms */
  threadCpuMs(): number;
  /** test-only: the bytes of result blocks the env's cache keeps, those of them reported to V8, V8's external-memory total */
  blocksInfo(): { kept: number; reported: number; external: number };
  /** waitpid without blocking: null while running, else the exit code or −signal (or why not) */
  codeReap(pid: number): number | string | null;
  /** run the image with the code of the object at `path` (loaded by a lookup or codePreload) from now on: the code slot, or why not */
  codeAttach(image: ArrayBuffer, path: string): number | string;
  codeDetach(image: ArrayBuffer): void;
  codeFree(slot: number): void;
  /** force the interpreter for this image (on) or let attached code run (off) */
  codeInterpret(image: ArrayBuffer, on: boolean): void;
  codeAttached(image: ArrayBuffer): boolean;
  codeAbi: number;
}

/** codeSource(Async) with a cache check: the generated source ('' on a hit), its cache key, the check's result */
export interface CachedSource { source: string; key: string; hit: string }
export interface Loaded { addon: Addon | null; reason: string }

/** null when the addon's op table and encoding match this build of wengert, else why not. */
export function handshake(addon: Pick<Addon, 'opTable' | 'encodingVersion'> & Partial<Pick<Addon, 'decode'>>, names: readonly string[] = REGISTRY.map((o) => o.name)): string | null {
  if (typeof addon.decode !== 'function') return 'the native addon predates program images (no decode()); rebuild it (npm run build:native)';
  if (addon.encodingVersion !== ENCODING_VERSION) {
    return `the native addon speaks encoding version ${addon.encodingVersion}, expected ${ENCODING_VERSION}; rebuild it (npm run build:native)`;
  }
  const table = addon.opTable();
  if (table.length !== names.length) {
    return `the native addon knows ${table.length} ops but the registry has ${names.length}; rebuild it (npm run gen:ops && npm run build:native)`;
  }
  const i = names.findIndex((n, k) => table[k] !== n);
  if (i >= 0) return `op ${i} is '${table[i]}' in the native addon but '${names[i]}' in the registry; rebuild it (npm run gen:ops && npm run build:native)`;
  return null;
}

function load(): Loaded {
  if (process.env.WENGERT_NATIVE === '0') return { addon: null, reason: 'the native backend is disabled by WENGERT_NATIVE=0' };
  let addon: Addon;
  try {
    const require = createRequire(import.meta.url);
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
    addon = require('node-gyp-build')(root) as Addon;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { addon: null, reason: `the native addon is not available (${msg}); using the TS backend` };
  }
  const refused = handshake(addon);
  if (refused) return { addon: null, reason: refused };
  const simd = addon.simdInfo();
  const why = [simd.reason, addon.threadsInfo().reason].filter(Boolean).join('; ');
  return { addon, reason: why || `native addon loaded (SIMD ${simd.level})` };
}

export const loaded: Loaded = load();
