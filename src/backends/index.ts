// Backend selection: 'native' (the addon, default when it loads), 'ts' (interpreter, the oracle),
// 'check' (both, compared with |a − b| ≤ rtol·max(|a|, |b|) + atol·(largest |value| in that output)).
import type { Graph } from '../core/graph.js';
import { fail } from '../core/errors.js';
import { interpret } from './ts.js';
import { tsRun } from '../program/plan.js';
import { loaded, type SimdLevel } from './native/loader.js';
import { programFor } from './native/program.js';

export type BackendName = 'native' | 'ts' | 'check';
export interface NativeInfo { available: boolean; simd: SimdLevel | null; reason: string }

let current: BackendName = loaded.addon ? 'native' : 'ts';
let tolerance = { rtol: 1e-10, atol: 1e-12 };

export function setBackend(name: BackendName, opts?: { rtol?: number; atol?: number }): void {
  if (name !== 'native' && name !== 'ts' && name !== 'check') fail('ERR_ARG', 'setBackend', `expected 'native', 'ts' or 'check' but received ${String(name)}`);
  if (name !== 'ts' && !loaded.addon) fail('ERR_ARG', 'setBackend', `the native backend is not available: ${loaded.reason}`);
  current = name;
  tolerance = { rtol: opts?.rtol ?? 1e-10, atol: opts?.atol ?? 1e-12 };
}
export const getBackend = (): BackendName => current;

export function nativeInfo(): NativeInfo {
  const a = loaded.addon;
  return { available: !!a, simd: a ? a.simdInfo().level : null, reason: loaded.reason };
}

/** Run a graph on concrete inputs with the active backend. */
export function runOnBackend(g: Graph, inputs: readonly Float64Array[]): Float64Array[] {
  const prog = current === 'ts' ? null : programFor(loaded.addon!, g);
  if (!prog) { runs.ts++; return tsRun(g, inputs); }  // TS backend, or ops that run JS code
  runs.native++;
  const got = prog.run(inputs);
  if (current === 'check') {
    runs.ts++;
    compareOutputs(g, interpret(g, inputs), got, tolerance.rtol, tolerance.atol);
  }
  return got;
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

const runs = { ts: 0, native: 0 };
/** How many programs each backend has run in this process (tests assert the native path ran). */
export const backendRuns = (): Readonly<typeof runs> => ({ ...runs });
export const _tolerance = () => tolerance;
/** @internal the loaded addon (native tests), or null */
export const _addon = () => loaded.addon;
