// Option validation: every wrong type or value is ERR_ARG naming the option; unknown keys are
// refused (a misspelt tolerance would otherwise be ignored silently).
import type { AbortSignalLike } from './types.js';
import { fail, describe } from '../core/errors.js';
import type { Method, MinimizeOptions, LeastSquaresOptions, OnIteration, Args } from './types.js';

export interface Common {
  maxIterations: number; signal: AbortSignalLike | null; onIteration: OnIteration | null;
  /** checked against x0 by readBounds */
  bounds: { lower?: unknown; upper?: unknown } | null;
  /** checked against f by ExtraArgs */
  args: Args | null;
}
export interface MinimizeConfig extends Common {
  method: Method; gradientTolerance: number; stepTolerance: number; valueTolerance: number;
  learningRate: number; momentum: number; memory: number;
}
export interface LeastSquaresConfig extends Common {
  gradientTolerance: number; stepTolerance: number; valueTolerance: number; scaling: 'jacobian' | 'none';
  /** maxIterations was not given (leastSquares picks its default) */
  defaultMaxIterations: boolean;
}

const MINIMIZE_KEYS = ['method', 'maxIterations', 'gradientTolerance', 'stepTolerance', 'valueTolerance',
  'learningRate', 'momentum', 'memory', 'bounds', 'args', 'signal', 'onIteration'] as const;
const LSQ_KEYS = ['maxIterations', 'gradientTolerance', 'stepTolerance', 'valueTolerance', 'scaling', 'bounds', 'args',
  'signal', 'onIteration'] as const;
/** MINPACK-class defaults: tight enough for 4+ correct digits on the NIST StRD problems (docs/optimize.md) */
const LSQ_DEFAULTS = { gradientTolerance: 1e-10, stepTolerance: 1e-10, valueTolerance: 1e-15 };

// Defaults per method. L-BFGS converges superlinearly, so tight tolerances cost a few iterations;
// first-order methods are not monotone, so step/value tolerances are off unless asked for.
const DEFAULTS: Record<Method, Omit<MinimizeConfig, 'method' | 'signal' | 'onIteration' | 'bounds' | 'args'>> = {
  lbfgs: { maxIterations: 1000, gradientTolerance: 1e-8, stepTolerance: 1e-12, valueTolerance: 1e-12, learningRate: 1, momentum: 0, memory: 10 },
  adam: { maxIterations: 10000, gradientTolerance: 1e-8, stepTolerance: 0, valueTolerance: 0, learningRate: 1e-3, momentum: 0.9, memory: 0 },
  gd: { maxIterations: 10000, gradientTolerance: 1e-8, stepTolerance: 0, valueTolerance: 0, learningRate: 1e-2, momentum: 0, memory: 0 },
};

function record(name: string, opts: unknown, keys: readonly string[]): Record<string, unknown> {
  if (opts === undefined || opts === null) return {};
  if (typeof opts !== 'object' || Array.isArray(opts)) fail('ERR_ARG', name, `expected an options object but received ${describe(opts)}`);
  const o = opts as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (k === 'tolerance' && !keys.includes(k)) {
      fail('ERR_ARG', name, "unknown option 'tolerance': it was split into gradientTolerance (the cosine between r and J's columns), " +
        'stepTolerance (relative, scaled step) and valueTolerance (relative reduction of the cost); see docs/optimize.md');
    }
    if (!keys.includes(k)) fail('ERR_ARG', name, `unknown option '${k}': expected one of ${keys.join(', ')}`);
  }
  return o;
}

function num(name: string, o: Record<string, unknown>, key: string, dflt: number, ok: (v: number) => boolean, what: string): number {
  const v = o[key];
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !ok(v)) fail('ERR_ARG', name, `option ${key}: expected ${what} but received ${describe(v)}`);
  return v as number;
}

const nonNegInt = (v: number) => Number.isInteger(v) && v >= 0;
const nonNeg = (v: number) => Number.isFinite(v) && v >= 0;

function common(name: string, o: Record<string, unknown>, maxIterations: number): Common {
  const signal = o.signal;
  if (signal !== undefined && !isSignal(signal)) fail('ERR_ARG', name, `option signal: expected an AbortSignal but received ${describe(signal)}`);
  const cb = o.onIteration;
  if (cb !== undefined && typeof cb !== 'function') fail('ERR_ARG', name, `option onIteration: expected a function but received ${describe(cb)}`);
  const b = o.bounds;
  if (b !== undefined && b !== null) {
    if (typeof b !== 'object' || Array.isArray(b) || ArrayBuffer.isView(b)) fail('ERR_ARG', name, `option bounds: expected { lower?, upper? } but received ${describe(b)}`);
    const extra = Object.keys(b).filter((k) => k !== 'lower' && k !== 'upper');
    if (extra.length) fail('ERR_ARG', name, `option bounds: expected the keys lower and upper but received ${extra.map((k) => `'${k}'`).join(', ')}`);
  }
  const a = o.args;
  if (a !== undefined && !Array.isArray(a) && typeof a !== 'function') {
    fail('ERR_ARG', name, `option args: expected an array of extra arguments for f, or a function of the iteration returning one, but received ${describe(a)}`);
  }
  return {
    maxIterations: num(name, o, 'maxIterations', maxIterations, nonNegInt, 'a non-negative integer'),
    signal: (signal as AbortSignalLike | undefined) ?? null,
    onIteration: (cb as OnIteration | undefined) ?? null,
    bounds: (b as Common['bounds']) ?? null,
    args: (a as Args | undefined) ?? null,
  };
}

const isSignal = (s: unknown): boolean =>
  !!s && typeof s === 'object' && typeof (s as AbortSignalLike).aborted === 'boolean';

export function minimizeConfig(opts: unknown): MinimizeConfig {
  const name = 'minimize';
  const o = record(name, opts, MINIMIZE_KEYS);
  const method = o.method ?? 'lbfgs';
  if (method !== 'lbfgs' && method !== 'adam' && method !== 'gd') {
    fail('ERR_ARG', name, `option method: expected 'lbfgs', 'adam' or 'gd' but received ${describe(method)}`);
  }
  const d = DEFAULTS[method as Method];
  return {
    ...common(name, o, d.maxIterations),
    method: method as Method,
    gradientTolerance: num(name, o, 'gradientTolerance', d.gradientTolerance, nonNeg, 'a finite number ≥ 0'),
    stepTolerance: num(name, o, 'stepTolerance', d.stepTolerance, nonNeg, 'a finite number ≥ 0'),
    valueTolerance: num(name, o, 'valueTolerance', d.valueTolerance, nonNeg, 'a finite number ≥ 0'),
    learningRate: num(name, o, 'learningRate', d.learningRate, (v) => Number.isFinite(v) && v > 0, 'a finite number > 0'),
    momentum: num(name, o, 'momentum', d.momentum, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    memory: num(name, o, 'memory', method === 'lbfgs' ? d.memory : 10, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1'),
  };
}

export function leastSquaresConfig(opts: unknown): LeastSquaresConfig {
  const name = 'leastSquares';
  const o = record(name, opts, LSQ_KEYS);
  const scaling = o.scaling ?? 'jacobian';
  if (scaling !== 'jacobian' && scaling !== 'none') fail('ERR_ARG', name, `option scaling: expected 'jacobian' or 'none' but received ${describe(scaling)}`);
  const tol = (key: keyof typeof LSQ_DEFAULTS) => num(name, o, key, LSQ_DEFAULTS[key], nonNeg, 'a finite number ≥ 0');
  return {
    ...common(name, o, 0),
    gradientTolerance: tol('gradientTolerance'), stepTolerance: tol('stepTolerance'), valueTolerance: tol('valueTolerance'),
    scaling: scaling as 'jacobian' | 'none', defaultMaxIterations: o.maxIterations === undefined,
  };
}

export type { MinimizeOptions, LeastSquaresOptions };
