// Backend selection: 'native' (the addon, default when it loads), 'ts' (interpreter, the oracle),
// 'check' (both, compared with |a − b| ≤ rtol·max(|a|, |b|) + atol·(largest |value| in that output)).
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { interpret } from './ts.js';
import { tsPlan } from '../plan/plan.js';
import { tsRun } from './ts-run.js';
import { loaded, type SimdLevel } from './native/loader.js';
import { packTail } from './native/program.js';
import { programFor, runsJs, nativeRefusal, builtProgramOf } from './native/programs.js';
import { codegenInfo, setCodegen, type CodegenInfo, type CodegenMode, type TierName } from './native/codegen/tier.js';
import { segment, runSegments, type Segment } from '../plan/segments.js';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { markResults } from './results.js';

export type BackendName = 'native' | 'ts' | 'check';
export interface NativeInfo {
  available: boolean; simd: SimdLevel | null;
  /** how many threads a large native kernel may use (1 without the addon) */
  threads: number;
  reason: string;
  /** the compiled tier: mode, whether a C compiler was found, the cache directory, why programs stay interpreted */
  codegen: CodegenInfo;
}
export interface BackendOptions {
  /** 'check': relative and absolute tolerance of the comparison */
  rtol?: number; atol?: number;
  /** native: when programs move to the compiled tier ('auto', default: once hot; 'eager': at the first call; 'off'); env WENGERT_CODEGEN */
  codegen?: CodegenMode;
}
export type { CodegenMode, CodegenInfo, TierName };

let current: BackendName = loaded.addon ? 'native' : 'ts';
let tolerance = { rtol: 1e-10, atol: 1e-12 };
/** no addon loaded and the TS backend was not chosen (setBackend, WENGERT_NATIVE=0): say so once, at the first evaluation */
let fallbackNotice = !loaded.addon && process.env.WENGERT_NATIVE !== '0';
function noticeFallback(): void {
  fallbackNotice = false;
  process.emitWarning(`wengert: programs run on the TS backend: ${loaded.reason} (shown once; w.setBackend('ts') or ` +
    `WENGERT_NATIVE=0 chooses the TS backend without this notice)`, 'WengertWarning');
}

export function setBackend(name: BackendName, opts?: BackendOptions): void {
  if (name !== 'native' && name !== 'ts' && name !== 'check') fail('ERR_ARG', 'setBackend', `expected 'native', 'ts' or 'check' but received ${String(name)}`);
  if (name !== 'ts' && !loaded.addon) fail('ERR_ARG', 'setBackend', `the native backend is not available: ${loaded.reason}`);
  if (opts?.codegen !== undefined) setCodegen(opts.codegen);
  current = name;
  fallbackNotice = false;
  tolerance = { rtol: opts?.rtol ?? 1e-10, atol: opts?.atol ?? 1e-12 };
}
export const getBackend = (): BackendName => current;

export function nativeInfo(): NativeInfo {
  const a = loaded.addon;
  const codegen = codegenInfo();
  return { available: !!a, simd: a ? a.simdInfo().level : null, threads: a ? a.threadsInfo().threads : 1, reason: loaded.reason, codegen: a ? codegen : { ...codegen, available: false, reason: loaded.reason } };
}

/** the tier the native program of g ran its last evaluation on, or null (none built, or not native) */
export function tierOf(g: Graph): TierName | null {
  return builtProgramOf(g)?.tier ?? null;
}

/** resolves to the tier g's native program runs on next (compiling it unless codegen is off), or null when g runs on no native program */
export function readyTier(g: Graph): Promise<TierName | null> {
  const prog = current === 'ts' || !loaded.addon ? null : programFor(loaded.addon, g);
  return prog ? prog.ready() : Promise.resolve(null);
}

/** a small native program's arena io region (arguments in, results out) and its run: Program's fast path (src/program/quick.ts) */
export interface SmallRunner {
  readonly io: Float64Array;
  /** where each input and each output starts in io */
  readonly inAt: readonly number[];
  readonly outAt: readonly number[];
  /** one evaluation (tiering as for every run; ERR_NATIVE on failure) */
  run(): void;
  /** whether this is still the live native program of g */
  live(g: Graph): boolean;
}

/** @internal the runner of g's native program when it is built and small and the backend is native, else null */
export function smallRunner(g: Graph): SmallRunner | null {
  if (current !== 'native') return null;
  const prog = builtProgramOf(g);
  const small = prog?.small();
  if (!prog || !small) return null;
  return {
    ...small,
    run: () => { runs.native++; prog.runSmallNow(); },
    live: (h) => h === g && prog.small() !== null,  // disposing a program empties its io (and drops it from the cache)
  };
}

/** @internal the tiers' bit comparison on g (ERR_MISMATCH at the first differing bit); the tier compared, or null when g has no native program */
export function compareTiers(g: Graph, inputs: readonly Float64Array[]): Promise<TierName | null> {
  const prog = loaded.addon ? programFor(loaded.addon, g) : null;
  return prog ? prog.compareTiers(inputs) : Promise.resolve(null);
}

/**
 * Threads a large native kernel (matmul, long reductions) may use, 1 to 64; WENGERT_THREADS sets
 * it at load (default 1: opt-in, docs/parallel.md). Results have the same bits for every count: the
 * work is split in fixed chunks combined in a fixed order. The TS backend runs on one thread.
 */
export function setThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > 64) fail('ERR_ARG', 'setThreads', `expected a whole number from 1 to 64 but received ${String(n)}`);
  loaded.addon?.setThreads(n);
}

/**
 * Run a graph on concrete inputs with the active backend: one array per output, except that the
 * last `packed` outputs share one array, back to back (a program's guarded values: one array to
 * return and compare instead of thousands). `outputs` (leading arrays, not sharing memory with
 * the inputs or each other) are written in place by the native backend and filled by copying on
 * the TS backend; the arrays returned then start with them. The other arrays returned are the
 * caller's to keep: fresh, aliasing no input, constant or other output array.
 */
export function runOnBackend(g: Graph, inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Float64Array[] {
  if (fallbackNotice) noticeFallback();
  const prog = current === 'ts' ? null : programFor(loaded.addon!, g);
  if (!prog && current !== 'ts' && !nativeRefusal(g)) {
    runs.native++;
    const got = packTail(owned(g, runAround(g, inputs), packed), packed);
    if (current === 'check') checkAgainstTs(g, inputs, got, packed, tolerance);
    return into(got, outputs);
  }
  if (!prog) { runs.ts++; return into(packTail(owned(g, tsRun(g, inputs), packed), packed), outputs); }
  runs.native++;
  const got = prog.run(inputs, outputs, packed);
  if (current === 'check') checkAgainstTs(g, inputs, got, packed, tolerance);
  return got;
}

/**
 * runOnBackend off the main thread: native programs run on the libuv thread pool (one call per
 * evaluation); the TS backend and graphs with ops that run JS code (opaque, customCall) run on the
 * main thread after yielding to the event loop once. The backend is the one active at the call;
 * `inputs` must stay unchanged until the promise settles (copy caller-owned arrays first).
 */
export async function runOnBackendAsync(g: Graph, inputs: readonly Float64Array[], outputs?: Float64Array[], packed = 0): Promise<Float64Array[]> {
  if (fallbackNotice) noticeFallback();
  // the arrays the run made are results w.release may give back (the caller holds its arrays in flight: Program.runAsync)
  const got = await runAsyncOn(g, inputs, outputs, packed);
  markResults(got, outputs?.length ?? 0, inputs);
  return got;
}

async function runAsyncOn(g: Graph, inputs: readonly Float64Array[], outputs: Float64Array[] | undefined, packed: number): Promise<Float64Array[]> {
  const backend = current, tol = tolerance;
  const prog = backend === 'ts' ? null : programFor(loaded.addon!, g);
  if (!prog || !prog.async) {
    await yieldToLoop();
    if (!prog && backend !== 'ts' && !nativeRefusal(g)) { runs.native++; return into(packTail(owned(g, runAround(g, inputs), packed), packed), outputs); }
    if (!prog) { runs.ts++; return into(packTail(owned(g, tsRun(g, inputs), packed), packed), outputs); }
  }
  runs.native++;
  const got = await prog.runAsync(inputs, outputs, packed);
  if (backend === 'check') checkAgainstTs(g, inputs, got, packed, tol);
  return got;
}

const cuts = new WeakMap<Graph, Segment[]>();
/**
 * A graph holding opaque (JS) equations on the native backend: native programs for the stretches
 * between them, the JS equations in between (their own inputs and outputs cross, nothing else).
 */
function runAround(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  runs.segmented++;
  const p = tsPlan(g);
  let segs = cuts.get(g);
  if (!segs) cuts.set(g, (segs = segment(p, runsJs)));
  const outs = runSegments(p, segs, inputs, (sub, ins) => programFor(loaded.addon!, sub)?.run(ins) ?? runTs(sub, ins));
  const inBuffers = new Set(inputs.map((x) => x.buffer));
  return outs.map((o) => (inBuffers.has(o.buffer) ? o.slice() : o));
}

/** a stretch the addon cannot represent (nativeRefusal): the TS executor */
function runTs(sub: Graph, ins: readonly Float64Array[]): Float64Array[] {
  runs.ts++;
  return tsRun(sub, ins);
}

/**
 * The backend that runs `g` when the active one is asked to: 'ts' also on the native backends
 * when the addon cannot represent g (nativeRefusal says why; a one-time WengertWarning too).
 */
export function backendFor(g: Graph): BackendName {
  return current !== 'ts' && loaded.addon && nativeRefusal(g) ? 'ts' : current;
}
export { nativeRefusal };

function checkAgainstTs(g: Graph, inputs: readonly Float64Array[], got: readonly Float64Array[], packed: number, tol: { rtol: number; atol: number }): void {
  runs.ts++;
  compareOutputs(g, packTail(interpret(g, inputs), packed), got, tol.rtol, tol.atol);
}

const constBuffers = new WeakMap<Graph, Set<ArrayBufferLike>>();
/**
 * TS outputs that are a constant's data, or repeat an earlier output, are copied (native outputs
 * are always fresh); the last `packed` outputs are left alone (packTail copies them).
 */
function owned(g: Graph, outs: Float64Array[], packed: number): Float64Array[] {
  let bufs = constBuffers.get(g);
  if (!bufs) constBuffers.set(g, (bufs = new Set([...g.consts.values(), ...tsPlan(g).consts.values()].map((t) => t._data!.buffer))));
  const seen = new Set<Float64Array>(), n = packed > 1 ? outs.length - packed : outs.length;
  for (let k = 0; k < n; k++) {
    if (bufs.has(outs[k].buffer) || seen.has(outs[k])) outs[k] = outs[k].slice();
    seen.add(outs[k]);
  }
  return outs;
}

/** the leading arrays of `got` copied into `outputs` (the arrays returned start with `outputs`) */
function into(got: Float64Array[], outputs?: Float64Array[]): Float64Array[] {
  if (!outputs) return got;
  outputs.forEach((o, k) => o.set(got[k]));
  return [...outputs, ...got.slice(outputs.length)];
}

/** DESIGN §4: throws ERR_MISMATCH naming the first output (and index) where the backends disagree. */
export function compareOutputs(g: Graph, want: readonly Float64Array[], got: readonly Float64Array[], rtol: number, atol: number): void {
  want.forEach((a, k) => {
    const b = got[k];
    let scale = 0;
    for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) scale = Math.max(scale, Math.abs(a[i]));
    for (let i = 0; i < a.length; i++) {
      const x = a[i], y = b[i];
      if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
      if (Math.abs(x - y) <= rtol * Math.max(Math.abs(x), Math.abs(y)) + atol * scale) continue;
      fail('ERR_MISMATCH', 'check', `output ${k} (%${g.outputs[k]}) at index ${i}: expected ${x} (ts) but received ${y} (native)`);
    }
  });
}

const runs = { ts: 0, native: 0, segmented: 0 };
/**
 * How many programs each backend has run in this process (tests assert the native path ran);
 * `segmented`: native runs cut into native stretches around equations run in JS (runsJs).
 */
export const backendRuns = (): Readonly<typeof runs> => ({ ...runs });
export const _tolerance = () => tolerance;
/** @internal the loaded addon (native tests), or null */
export const _addon = () => loaded.addon;
