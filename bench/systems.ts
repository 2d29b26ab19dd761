// A "system" is one way of computing a workload's value and gradient. Each returns an Instance
// per workload (or null when it does not apply); the runner times grad() and primal() and reads
// the last grad() result back with read(), outside the timing.
import * as w from '../src/index.js';
import type { BackendName } from '../src/index.js';
import { HAND, type GradResult } from './hand.js';
import type { Workload, WorkloadId } from './workloads.js';

export interface Instance {
  /** value + full gradient, one evaluation */
  grad(): unknown;
  /** value only */
  primal(): unknown;
  /** the value and flat gradient blocks of a grad() result */
  read(result: unknown): GradResult;
  /** the value of a primal() result */
  value(result: unknown): number;
}

export interface System {
  name: string;
  /** null when the system cannot run here (e.g. the native addon is missing) */
  setup(wl: Workload): Instance | null;
}

export const handSystem: System = {
  name: 'hand-js',
  setup(wl) {
    const h = HAND[wl.id as WorkloadId];
    return { grad: () => h.grad(wl.inputs), primal: () => h.primal(wl.inputs), read: (r) => r as GradResult, value: (r) => r as number };
  },
};

/** Typed arrays become tensors once, before timing (the eager primal takes tensors, as user code would). */
function toTensors(x: unknown): unknown {
  if (x instanceof Float64Array) return w.tensor(x);
  if (x && typeof x === 'object' && Object.getPrototypeOf(x) === Object.prototype) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, toTensors(v)]));
  }
  return x;
}

const scalarOf = (r: unknown): number => (typeof r === 'number' ? r : (r as w.Tensor).item());
const needsNative = (b: BackendName) => b !== 'ts' && !w.nativeInfo().available;

/**
 * wengert through valueAndGrad: each grad() call re-runs f to trace it, builds the derivative
 * program and runs it on `backend` (tracing included in the time). primal() calls f eagerly.
 */
export function wengertSystem(name: string, backend: BackendName): System {
  return {
    name,
    setup(wl) {
      if (needsNative(backend)) return null;
      const vg = w.valueAndGrad(wl.f);
      const eagerArgs = wl.args.map(toTensors);
      return {
        grad: () => { w.setBackend(backend); return vg(...wl.args); },
        primal: () => { w.setBackend(backend); return wl.f(...eagerArgs); },
        read: (r) => { const [v, g] = r as [number, unknown]; return { value: v, grad: wl.gradBlocks(g) }; },
        value: scalarOf,
      };
    },
  };
}

/** w.compile: recorded once in setup, then each call replays the program without re-running f. */
export function compiledSystem(name: string, backend: BackendName): System {
  return {
    name,
    setup(wl) {
      if (needsNative(backend)) return null;
      w.setBackend(backend);
      const p = w.compile(wl.f, ...wl.args);
      return {
        grad: () => { w.setBackend(backend); return p.valueAndGrad(...wl.args); },
        primal: () => { w.setBackend(backend); return p.value(...wl.args); },
        read: (r) => { const [v, g] = r as [number, unknown]; return { value: v, grad: wl.gradBlocks(g) }; },
        value: scalarOf,
      };
    },
  };
}

/** The columns of the table, in order. Add a backend = add one line. */
export const SYSTEMS: System[] = [
  handSystem,
  wengertSystem('wengert-ts', 'ts'),
  wengertSystem('wengert-native', 'native'),
  compiledSystem('compiled-ts', 'ts'),
  compiledSystem('compiled-native', 'native'),
];
