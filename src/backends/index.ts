// Backend selection: 'ts' (interpreter), 'native' (addon, when it loads), 'check' (both, compared).
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { interpret } from './ts.js';

export type BackendName = 'native' | 'ts' | 'check';
export interface NativeInfo { available: boolean; simd: 'scalar' | 'sse' | 'avx2' | 'avx512' | 'neon' | null; reason: string }

let current: BackendName = 'ts';
let tolerance = { rtol: 1e-10, atol: 1e-12 };

export function setBackend(name: BackendName, opts?: { rtol?: number; atol?: number }): void {
  if (name !== 'native' && name !== 'ts' && name !== 'check') fail('ERR_ARG', 'setBackend', `expected 'native', 'ts' or 'check' but received ${String(name)}`);
  if (name !== 'ts' && !nativeInfo().available) fail('ERR_ARG', 'setBackend', `the native backend is not available: ${nativeInfo().reason}`);
  current = name;
  tolerance = { rtol: opts?.rtol ?? 1e-10, atol: opts?.atol ?? 1e-12 };
}
export const getBackend = (): BackendName => current;

export function nativeInfo(): NativeInfo {
  return { available: false, simd: null, reason: 'the native addon is not built yet (TS backend only)' };
}

/** Run a graph on concrete inputs with the active backend. */
export function runOnBackend(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  runs.ts++;
  return interpret(g, inputs);
}

const runs = { ts: 0, native: 0 };
/** How many programs each backend has run in this process (tests assert the native path ran). */
export const backendRuns = (): Readonly<typeof runs> => ({ ...runs });
export const _tolerance = () => tolerance;
