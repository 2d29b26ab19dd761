// Random well-formed wengert programs for property-based differential testing (test/property.test.ts,
// scripts/property-deep.ts). A program is plain data (leaves + steps) so fast-check can shrink it;
// its interpretation is total: operands are picked modulo the values defined so far, operands that
// do not fit an op's shape rule are adapted (reduced, reshaped, paired with themselves), and operands
// outside an op's test domain are squashed into it, mid + half·tanh((x − mid)/half). Which operands
// get squashed is decided once, on the concrete leaves (`resolve`), so the traced function is the
// same on every backend and under finite-difference perturbations.
// Besides values and gradients (both backends, finite differences) a case checks: a finite F has a
// finite gradient; programs with a `guard` step (where(x > t, f(x), ·) with f singular at 0 on the
// unchosen side) also second order, H·v on both backends and against differences of the gradient;
// and the operands each smooth unary op saw are collected (`LOCAL`) for a relative check of its
// first and second derivatives against closed forms (`checkLocalDerivatives`), which finite
// differences cannot resolve (σ′(30) = 9.4e-14 next to σ(30) ≈ 1).
import fc from 'fast-check';
import * as w from '../../src/index.js';
import { opByName } from '../../src/ops/registry.js';
import { UNARY_DERIVATIVES } from './derivatives.js';

type T = w.Tensor;
export type Shape = number[];

export interface Leaf { shape: Shape; values: number[] }
/** op name; a, b, c pick operands (mod the values defined so far); k chooses axes, indices, constants */
export interface Step { op: string; a: number; b: number; c: number; k: number }
export interface ProgramSpec { leaves: Leaf[]; steps: Step[] }

// ---- the op table ------------------------------------------------------------------------------
export const UNARY = ['neg', 'square', 'sqrt', 'exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'asin', 'acos',
  'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'softplus', 'relu', 'abs', 'sign', 'stopGradient'] as const;
export const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'maximum', 'minimum'] as const;
export const COMPARE = ['less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual'] as const;
export const REDUCE = ['sum', 'mean', 'prod', 'max', 'min', 'logsumexp'] as const;
export const OTHER = ['where', 'clip', 'softmax', 'logSoftmax', 'matmul', 'dot', 'outer', 'transpose', 'reshape',
  'broadcastTo', 'expandDims', 'squeeze', 'slice', 'at', 'concat', 'stack', 'unstack', 'gather', 'scale', 'guard'] as const;
export const OPS: readonly string[] = [...UNARY, ...BINARY, ...COMPARE, ...REDUCE, ...OTHER];
/** the special-function ops (not in OPS: callers that want them pass them as `ops`); polygamma takes n = k mod 3 */
export const SPECIAL_UNARY = ['acosh', 'asinh', 'atanh', 'cbrt', 'log2', 'log10', 'exp2', 'erf', 'erfc', 'erfinv', 'lgamma',
  'digamma', 'floor', 'ceil', 'round', 'trunc'] as const;
export const SPECIAL_BINARY = ['hypot', 'mod', 'logaddexp', 'xlogy'] as const;
export const SPECIAL: readonly string[] = [...SPECIAL_UNARY, ...SPECIAL_BINARY, 'polygamma'];

/** operands kept below this magnitude (larger ones are squashed into [-3, 3]) */
const BIG = 1e3;
/** no value grows past this many elements (outer, broadcastTo, stack fall back to cheaper forms) */
const MAX_SIZE = 256;
/** ops whose operands must lie in their test domain (restricted domain, overflow or poor conditioning) */
const DOMAIN_OPS = new Set(['sqrt', 'exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'asin', 'acos', 'sinh', 'cosh',
  'square', 'div', 'pow', 'atan2', 'clip', 'mul', 'prod', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'dot', 'outer',
  ...SPECIAL]);
/** wider than the op's own test domain: exp-based ops see arguments up to |x| = 40, asin/acos up to 1 − 1e-6 */
const WIDE: Record<string, readonly [number, number]> = {
  exp: [-40, 3], expm1: [-40, 3], logsumexp: [-40, 40], softmax: [-40, 40], logSoftmax: [-40, 40],
  asin: [-0.999999, 0.999999], acos: [-0.999999, 0.999999],
};

const sizeOf = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

// ---- arbitraries ---------------------------------------------------------------------------------
/** values near kinks (±0, ±tiny, subnormal) and exact small integers (ties) next to uniform draws */
const special = fc.constantFrom(0, -0, 1, -1, 2, 0.5, 1e-300, -5e-324, 1e-9, -1e-9);
/** up to |x| = 40: saturating ops (tanh, sigmoid, softplus) see them unsquashed, exp-based ones through WIDE */
const large = fc.integer({ min: -40_000, max: 40_000 }).map((i) => i / 1e3);
export const valueArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3_000_000, max: 3_000_000 }).map((i) => i / 1e6 + (i % 7) * 1e-8) },
  { weight: 3, arbitrary: special },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 3 }) },
  { weight: 1, arbitrary: large },
);

const dimArb = fc.oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 4 }) }, { weight: 1, arbitrary: fc.constant(0) });

/** leaves share a base shape (0-d to 4-d); each drops leading axes and sets some axes to 1 (broadcasting) */
export const specArb = (opts: { maxSteps: number; ops?: readonly string[] }): fc.Arbitrary<ProgramSpec> => fc.record({
  base: fc.array(dimArb, { minLength: 0, maxLength: 4 }),
  leaves: fc.array(fc.record({ drop: fc.nat(4), ones: fc.nat(15), values: fc.array(valueArb, { minLength: 1, maxLength: 24 }) }),
    { minLength: 1, maxLength: 3 }),
  steps: fc.array(fc.record({ op: fc.constantFrom(...(opts.ops ?? OPS)), a: fc.nat(63), b: fc.nat(63), c: fc.nat(63), k: fc.nat(1023) }),
    { minLength: 1, maxLength: opts.maxSteps, size: 'max' }),
}).map(({ base, leaves, steps }) => ({
  leaves: leaves.map(({ drop, ones, values }) => {
    const shape = base.slice(Math.min(drop, base.length)).map((d, i) => ((ones >> i) & 1 ? 1 : d));
    return { shape, values: Array.from({ length: sizeOf(shape) }, (_, i) => values[i % values.length]) };
  }),
  steps,
}));

// ---- interpretation ----------------------------------------------------------------------------
/** Per-step squash decisions (operand index → domain), fixed by `resolve`. */
type Decisions = (readonly (readonly [number, number] | null)[])[];
/** per `step:slot`: a shift moving a computed operand off a kink or near-tie (0 = none), or a ramp for max/min */
type Nudges = Map<string, number>;
/** ops whose results are bitwise the same on every backend when their operands are (no rounding) */
const EXACT_OPS = new Set(['neg', 'relu', 'abs', 'sign', 'stopGradient', 'maximum', 'minimum', 'less', 'lessEqual', 'greater',
  'greaterEqual', 'equal', 'notEqual', 'where', 'clip', 'max', 'min', 'transpose', 'reshape', 'broadcastTo', 'expandDims',
  'squeeze', 'slice', 'at', 'concat', 'stack', 'unstack', 'gather']);

export interface Built {
  spec: ProgramSpec;
  /** f(...leaves) = [Σ sum(sink), sinks]: the values no later step consumed */
  fn: (...xs: T[]) => [T, T[]];
  /** the scalar part alone (for show) */
  scalar: (...xs: T[]) => T;
  /** the scalar on concrete leaves with every stopGradient held at its value on `leaves()` (for FD) */
  held: (...xs: T[]) => T;
  leaves: () => T[];
  /** equations recorded per evaluation (squashes included): the depth the tolerance grows with */
  depth: number;
  /** some comparison or sign is exactly at its discontinuity on the leaves (FD is not applicable) */
  tie: boolean;
  /** largest finite magnitude among the leaves and the forward values (absolute rounding scale) */
  magnitude: number;
  /** a guard step or a zero-capable integer power: second order is checked too */
  second: boolean;
}

class Env {
  vals: T[] = [];
  used: boolean[] = [];
  eqns = 0;
  /** stopGradient results: recorded at the base point, replayed (held constant) under FD perturbations */
  held: T[] = [];
  private nheld = 0;
  /** a comparison, sign or kinked op (relu, abs, maximum, clip, max/min ties) is exactly at its kink or
   * discontinuity on the concrete leaves: F may be smooth there while AD's conventions give another value */
  tie = false;
  /** resolving: tensors whose values are bitwise backend-independent (leaves, exact ops of exact values) */
  exact = new WeakSet<T>();
  /** resolving: the current step rounded somewhere (a squash, a sum) */
  inexact = false;
  /** a guard step or an integer power of an unsquashed base was recorded */
  second = false;
  step = 0;
  constructor(readonly dec: Decisions, readonly nudges: Nudges, readonly resolving: boolean, readonly hold?: readonly T[]) {}
  /** a (discontinuous) mask of a vs b: records exact ties while resolving */
  cmp(op: string, a: T, b: T | number): T {
    a = this.offKink(0, a, b);
    if (this.resolving && w.equal(a, b).data().some((v) => v === 1)) this.tie = true;
    return ((w as any)[op] as (a: T, b: T | number) => T)(a, b);
  }
  /**
   * x as a kinked op (comparison, relu, maximum, clip bound) sees it: a computed (rounded) x within
   * rounding distance of the kink `at` is shifted off it, since the backends may round it to
   * different sides. Exact values (leaves and what exact ops make of them) keep their kinks.
   */
  offKink(slot: number, x: T, at: T | number): T {
    const key = `${this.step}:${slot}`;
    if (this.resolving) {
      let shift = 0;
      if (!this.exact.has(x) || (typeof at !== 'number' && !this.exact.has(at))) {
        const near = (s: number) => {
          const d = w.sub(w.add(x, s), at).data(), ax = w.abs(x).data();
          return d.some((v, i) => Math.abs(v) <= 1e-9 * (1 + ax[i % ax.length]));
        };
        for (const s of [0, 1e-3, -2.7e-3, 7.1e-3, -0.0131]) { shift = s; if (!near(s)) break; }
      }
      if (shift !== 0) this.nudges.set(key, shift); else this.nudges.delete(key);
      if (shift !== 0) this.inexact = true;
      // exactly on the kink: AD's convention there (DESIGN §4) need not be the derivative of the composition
      else if (w.equal(x, at).data().some((v) => v === 1)) this.tie = true;
    }
    const s = this.nudges.get(key) ?? 0;
    if (s === 0) return x;
    this.eqns++;
    return w.add(x, s);
  }
  /** x as a max/min reduction sees it: computed near-ties broken by a fixed ramp (they would split the gradient differently) */
  offTies(x: T): T {
    const key = `${this.step}:ties`;
    if (this.resolving) {
      let ramp = false;
      if (!this.exact.has(x)) {
        const d = [...x.data()].filter(Number.isFinite).sort((a, b) => a - b);
        ramp = d.some((v, i) => i > 0 && v - d[i - 1] <= 1e-9 * (1 + Math.abs(v)));
      } else if (x.data().some((v, i, d) => d.indexOf(v) !== i)) {
        this.tie = true;  // exact ties split the cotangent (DESIGN §4): a subgradient, not F's derivative
      }
      if (ramp) { this.nudges.set(key, 1); this.inexact = true; } else this.nudges.delete(key);
    }
    if (!this.nudges.has(key)) return x;
    this.eqns++;
    return w.add(x, w.tensor(Float64Array.from({ length: x.size }, (_, i) => 0.01 * ((i * 0.6180339887) % 1)), x.shape));
  }
  stop(x: T): T {
    if (this.hold) return this.hold[this.nheld++];
    const y = w.stopGradient(x);
    if (this.exact.has(x)) this.exact.add(y);
    this.held.push(y);
    return y;
  }
  pick(n: number): T { const i = n % this.vals.length; this.used[i] = true; return this.vals[i]; }
  push(t: T): void { this.vals.push(t); this.used.push(false); }
}

function domainOf(op: string, arg: number): readonly [number, number] {
  if (WIDE[op]) return WIDE[op];
  const d = opByName.get(op)?.test?.domain;
  if (!d) return [-3, 3];
  return (typeof d[0] === 'number' ? d : (d as readonly (readonly [number, number])[])[arg]) as readonly [number, number];
}

/** squash x into [lo, hi]: mid + half·tanh((x − mid)/half), identity to first order at mid */
function squash(env: Env, x: T, [lo, hi]: readonly [number, number]): T {
  const mid = (lo + hi) / 2, half = (hi - lo) / 2;
  env.eqns += 4;
  env.inexact = true;
  return w.add(w.mul(w.tanh(w.mul(w.sub(x, mid), 1 / half)), half), mid);
}

/** The operand as the op may see it: in its domain (DOMAIN_OPS) and below BIG (all ops). */
function fit(env: Env, step: number, arg: number, op: string, x: T): T {
  let dom: readonly [number, number] | null = null;
  if (env.resolving) {
    const data = x.data();
    let lo = Infinity, hi = -Infinity;
    for (const v of data) { if (v < lo) lo = v; if (v > hi) hi = v; }
    const want = DOMAIN_OPS.has(op) ? domainOf(op, arg) : [-BIG, BIG] as const;
    const nonFinite = data.some((v) => !Number.isFinite(v));
    if (data.length > 0 && (nonFinite || lo < want[0] || hi > want[1])) dom = DOMAIN_OPS.has(op) ? want : [-3, 3];
    ((env.dec[step] ??= []) as ((readonly [number, number] | null)[]))[arg] = dom;
  } else {
    dom = env.dec[step]?.[arg] ?? null;
  }
  return dom ? squash(env, x, dom) : x;
}

const axisOf = (k: number, rank: number) => (rank === 0 ? 0 : k % rank);

/** axes of a reduction: all, one, or two (k's low bits), keepDims from bit 4 */
function reduceArgs(k: number, rank: number): [number[] | undefined, boolean] {
  const mode = k % 3, keep = ((k >> 4) & 1) === 1;
  if (rank === 0 || mode === 0) return [undefined, keep];
  const a = (k >> 5) % rank;
  if (mode === 1 || rank === 1) return [[a], keep];
  const b = (a + 1 + ((k >> 8) % (rank - 1))) % rank;
  return [[a, b], keep];
}

/** NumPy broadcast of two shapes, or null */
function broadcastShape(s: Shape, t: Shape): Shape | null {
  const r = Math.max(s.length, t.length), out: Shape = [];
  for (let i = 0; i < r; i++) {
    const a = s[s.length - r + i] ?? 1, b = t[t.length - r + i] ?? 1;
    if (a !== b && a !== 1 && b !== 1) return null;
    out.push(a === 1 ? b : a);
  }
  return out;
}

/** b as broadcast-compatible with a (and small): itself, else its sum (0-d) */
function compatible(env: Env, a: T | Shape, b: T): T {
  const s = broadcastShape(Array.isArray(a) ? a : [...(a as T).shape], [...b.shape]);
  if (s && sizeOf(s) <= MAX_SIZE) return b;
  env.eqns++;
  env.inexact = true;
  return w.sum(b);
}

const perms = (n: number): number[][] => (n <= 1 ? [Array.from({ length: n }, (_, i) => i)]
  : perms(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)])));

/** f singular at 0 for the guard step */
const GUARDED: ((x: T) => T)[] = [w.sqrt, w.log, (x) => w.div(1, x), (x) => w.pow(x, 0.5), (x) => w.pow(x, -1)];

function apply(env: Env, idx: number, s: Step): T | T[] {
  const { op, k } = s;
  const f1 = (x: T) => fit(env, idx, 0, op, x);
  const one = (fn: (x: T) => T) => {
    env.eqns++;
    const x = f1(env.pick(s.a));
    if (env.resolving) sampleOperands(op, x);
    return fn(x);
  };
  switch (op) {
    case 'where': {
      const c = env.pick(s.a), a = env.pick(s.b);
      const cond = compatible(env, a, env.cmp('greater', c, ((k % 5) - 2) / 2));
      if (env.resolving && env.exact.has(c)) env.exact.add(cond);
      const b = compatible(env, broadcastShape([...a.shape], [...cond.shape])!, env.pick(s.c));
      env.eqns += 2;
      return w.where(cond, a, b);
    }
    case 'clip': {
      const x = f1(env.pick(s.a));
      env.eqns++;
      if (k % 2 === 0) {
        const lo = -1.5 + (k % 7) / 7, hi = 0.5 + (k % 11) / 11;
        return w.clip(env.offKink(2, env.offKink(1, x, lo), hi), lo, hi);
      }
      const lo = fit(env, idx, 1, op, compatible(env, x, env.pick(s.b)));
      const hi = fit(env, idx, 2, op, compatible(env, broadcastShape([...x.shape], [...lo.shape])!, env.pick(s.c)));
      return w.clip(env.offKink(2, env.offKink(1, x, lo), hi), lo, hi);
    }
    case 'scale': { env.eqns++; return w.mul(env.pick(s.a), [-2.5, -1, 0.5, 3][k % 4]); }
    case 'guard': {
      // where(x > 0.01, f(x), c·x), f singular at 0: the unchosen side (±0, x < 0, tiny x, where f is
      // ±∞ or NaN with infinite partials) contributes exact zeros at every order
      const x = fit(env, idx, 0, op, env.pick(s.a));
      const cond = env.cmp('greater', x, 0.01);
      env.eqns += 4;
      env.second = true;
      return w.where(cond, GUARDED[k % GUARDED.length](x), w.mul(x, [0, -2.5, 0.5][(k >> 3) % 3]));
    }
    case 'pow': {
      if (k % 4 !== 1) break;  // below: base in the op's domain, any exponent
      // any base (±0 included: leaves hold them) to a small integer power: exact at every order
      const x = fit(env, idx, 0, 'powInt', env.pick(s.a));
      env.eqns++;
      env.second = true;
      return w.pow(x, (k >> 2) % 4);
    }
    case 'softmax': case 'logSoftmax': {
      const x = f1(env.pick(s.a));
      if (x.rank === 0) { env.eqns++; return w.neg(x); }
      env.eqns += 6;
      return (op === 'softmax' ? w.softmax : w.logSoftmax)(x, axisOf(k, x.rank));
    }
    case 'matmul': {
      let a = f1(env.pick(s.a));
      const b0 = fit(env, idx, 1, op, env.pick(s.b));
      if (a.rank === 0) { a = w.reshape(a, [1]); env.eqns++; }
      const n = a.shape[a.rank - 1];
      const bOk = b0.rank >= 1 && (b0.rank === 1 ? b0.shape[0] === n : b0.shape[b0.rank - 2] === n && (a.rank === 1 ||
        broadcastShape([...a.shape.slice(0, -2)], [...b0.shape.slice(0, -2)]) !== null));
      env.eqns++;
      if (bOk) return w.matmul(a, b0);
      if (a.rank === 1) return w.dot(a, a);
      const perm = a.shape.map((_, i) => i);
      [perm[a.rank - 2], perm[a.rank - 1]] = [perm[a.rank - 1], perm[a.rank - 2]];
      env.eqns++;
      return w.matmul(a, w.transpose(a, perm));
    }
    case 'dot': {
      const a = f1(env.pick(s.a)), b = fit(env, idx, 1, op, env.pick(s.b));
      env.eqns++;
      if (a.rank === 1 && b.rank === 1 && a.shape[0] === b.shape[0]) return w.dot(a, b);
      return a.rank <= 1 ? w.dot(a, a) : w.dot(w.reshape(a, [a.size]), w.reshape(a, [a.size]));
    }
    case 'outer': {
      const a = f1(env.pick(s.a)), b = fit(env, idx, 1, op, env.pick(s.b));
      env.eqns += 3;
      return a.size * b.size <= MAX_SIZE ? w.outer(a, b) : w.outer(a, w.sum(b));
    }
    case 'transpose': {
      const x = env.pick(s.a);
      const ps = perms(x.rank);
      env.eqns++;
      return w.transpose(x, ps[k % ps.length]);
    }
    case 'reshape': {
      const x = env.pick(s.a), n = x.size;
      const divs = Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
      const d = divs.length ? divs[k % divs.length] : 1;
      const shapes: Shape[] = n === 0 ? [[0], [2, 0], [0, 3]] : [[n], [n / d, d], [d, 1, n / d], []];
      let shape = shapes[(k >> 4) % shapes.length];
      if (sizeOf(shape) !== n) shape = [n];
      env.eqns++;
      return w.reshape(x, shape);
    }
    case 'broadcastTo': {
      const x = env.pick(s.a);
      const shape = [1 + (k % 3), ...x.shape.map((d, i) => (d === 1 && ((k >> (2 + i)) & 1) ? 2 : d))];
      env.eqns++;
      return sizeOf(shape) <= MAX_SIZE ? w.broadcastTo(x, shape) : w.neg(x);
    }
    case 'expandDims': { const x = env.pick(s.a); env.eqns++; return w.expandDims(x, k % (x.rank + 1)); }
    case 'squeeze': { const x = env.pick(s.a); env.eqns++; return w.squeeze(x); }
    case 'slice': {
      const x = env.pick(s.a);
      const lead = x.rank === 0 ? 0 : 1 + (k % x.rank);
      const begin: number[] = [], end: number[] = [];
      for (let i = 0; i < lead; i++) {
        const d = x.shape[i], b = d === 0 ? 0 : (k >> (3 + 2 * i)) % d;
        begin.push(b);
        end.push(b + (d - b === 0 ? 0 : 1 + ((k >> (4 + 2 * i)) % (d - b))));
      }
      env.eqns++;
      return w.slice(x, begin, end);
    }
    case 'at': {
      const x = env.pick(s.a);
      if (x.rank === 0 || x.shape[0] === 0) { env.eqns++; return w.neg(x); }
      env.eqns += 2;
      return w.at(x, (k % (2 * x.shape[0])) - x.shape[0]);
    }
    case 'concat': case 'stack': {
      const a = env.pick(s.a), b0 = env.pick(s.b);
      const same = a.shape.length === b0.shape.length && a.shape.every((d, i) => d === b0.shape[i]);
      if (2 * a.size > MAX_SIZE) { env.eqns++; return w.neg(a); }
      if (op === 'stack' || a.rank === 0) { env.eqns += 3; return w.stack([a, same ? b0 : w.neg(a)], k % (a.rank + 1)); }
      const ax = k % a.rank;
      const fits = a.rank === b0.rank && a.shape.every((d, i) => i === ax || d === b0.shape[i]);
      env.eqns++;
      return w.concat(fits ? [a, b0, a] : [a, w.neg(a)], ax);
    }
    case 'unstack': {
      const x = env.pick(s.a);
      if (x.rank === 0 || x.shape[axisOf(k, x.rank)] === 0) { env.eqns++; return w.neg(x); }
      env.eqns += 2;
      return w.unstack(x, axisOf(k, x.rank));
    }
    case 'gather': {
      const x = env.pick(s.a);
      if (x.rank === 0) { env.eqns++; return w.neg(x); }
      const ax = axisOf(k, x.rank), n = x.shape[ax];
      if (n === 0) { env.eqns++; return w.neg(x); }
      // repeated indices: the gradient's scatterAdd must accumulate
      const idx = Array.from({ length: 1 + ((k >> 3) % 5) }, (_, i) => ((k >> 5) + i * i) % n);
      env.eqns++;
      return w.gather(x, w.tensor(idx), ax);
    }
  }
  if (op === 'stopGradient') return one((x) => env.stop(x));
  if (op === 'sign') return one((x) => { x = env.offKink(0, x, 0); env.cmp('equal', x, 0); return w.sign(x); });
  if (op === 'relu' || op === 'abs') return one((x) => ((w as any)[op] as (x: T) => T)(env.offKink(0, x, 0)));
  if ((UNARY as readonly string[]).includes(op) || (SPECIAL_UNARY as readonly string[]).includes(op)) return one((w as any)[op] as (x: T) => T);
  if (op === 'polygamma') {
    env.eqns++;
    return w.polygamma(k % 3, fit(env, idx, 1, op, env.pick(s.a)));
  }
  if ((REDUCE as readonly string[]).includes(op)) {
    let x = f1(env.pick(s.a));
    if (op === 'max' || op === 'min') x = env.offTies(x);
    const [axes, keep] = reduceArgs(k, x.rank);
    env.eqns += op === 'mean' || op === 'logsumexp' ? 6 : 1;
    return ((w as any)[op] as (x: T, a?: number[], kd?: boolean) => T)(x, axes, keep);
  }
  if ((BINARY as readonly string[]).includes(op) || (COMPARE as readonly string[]).includes(op) || (SPECIAL_BINARY as readonly string[]).includes(op)) {
    const a = f1(env.pick(s.a));
    const b = fit(env, idx, 1, op, compatible(env, a, env.pick(s.b)));
    env.eqns++;
    if ((COMPARE as readonly string[]).includes(op)) return env.cmp(op, a, b);
    return ((w as any)[op] as (a: T, b: T) => T)(op === 'maximum' || op === 'minimum' ? env.offKink(0, a, b) : a, b);
  }
  throw new Error(`programs.ts: unknown op '${op}'`);
}

function run(spec: ProgramSpec, env: Env, xs: readonly T[]): [T, T[]] {
  xs.forEach((x) => { env.push(x); env.exact.add(x); });
  spec.steps.forEach((s, i) => {
    env.step = i;
    env.inexact = false;
    const before = env.used.slice();
    const r = apply(env, i, s);
    const outs = Array.isArray(r) ? r : [r];
    if (env.resolving && EXACT_OPS.has(s.op) && !env.inexact && env.vals.every((v, j) => env.used[j] === before[j] || env.exact.has(v))) {
      outs.forEach((t) => env.exact.add(t));
    }
    outs.forEach((t) => env.push(t));
  });
  const sinks = env.vals.slice(xs.length).filter((_, i) => !env.used[xs.length + i]);
  const out = sinks.reduce<T | null>((acc, t) => (acc ? w.add(acc, w.sum(t)) : w.sum(t)), null) ?? w.sum(xs[0]);
  return [out, sinks];
}

/** Fix the squash decisions on the concrete leaves and return the program as a function. */
export function build(spec: ProgramSpec): Built {
  const leaves = () => spec.leaves.map((l) => w.tensor(Float64Array.from(l.values), l.shape));
  const dec: Decisions = [];
  const nudges: Nudges = new Map();
  const env0 = new Env(dec, nudges, true);
  run(spec, env0, leaves());
  const fn = (...xs: T[]) => run(spec, new Env(dec, nudges, false), xs);
  const scalar = (...xs: T[]) => fn(...xs)[0];
  const held = (...xs: T[]) => run(spec, new Env(dec, nudges, false, env0.held), xs)[0];
  let magnitude = 0;
  for (const t of env0.vals) for (const v of t.data()) if (Number.isFinite(v)) magnitude = Math.max(magnitude, Math.abs(v));
  return { spec, fn, scalar, held, leaves, depth: env0.eqns, tie: env0.tie, magnitude, second: env0.second };
}

/** one line per step, for failure reports next to w.show */
export function describeSpec(spec: ProgramSpec): string {
  const leaves = spec.leaves.map((l, i) => `x${i}: [${l.shape.join(', ')}] = [${l.values.map((v) => (Object.is(v, -0) ? '-0' : String(v))).join(', ')}]`);
  const steps = spec.steps.map((s, i) => `v${i} = ${s.op}(a=${s.a}, b=${s.b}, c=${s.c}, k=${s.k})`);
  return [...leaves, ...steps].join('\n');
}

// ---- checking ------------------------------------------------------------------------------------
export type Backend = 'ts' | 'native';
export interface Evaluation { value: Float64Array; sinks: Float64Array[]; grads: Float64Array[] }
export type FdOutcome = 'ok' | 'kink' | 'non-finite';

export interface CheckOptions {
  backends: readonly Backend[];
  /** relative budget per recorded equation: rtol = atol = perEqn·depth (DESIGN §4 scale rule) */
  perEqn: number;
  /** finite differences: relative tolerance against the scale Σ|∂F/∂x·v| */
  fdRtol: number;
}
export const DEFAULT_CHECK: CheckOptions = { backends: ['ts'], perEqn: 1e-13, fdRtol: 1e-5 };

const flat = (x: unknown): Float64Array => (typeof x === 'number' ? Float64Array.of(x) : (x as T).data());

/** value, sinks and gradients (every leaf) of the program on one backend */
export function evaluate(b: Built, backend: Backend): Evaluation {
  w.setBackend(backend);
  try {
    const argnums = b.spec.leaves.map((_, i) => i);
    const [[value, aux], grads] = w.valueAndGrad(b.fn, { argnums, hasAux: true })(...b.leaves()) as [[unknown, unknown[]], unknown[]];
    return { value: flat(value), sinks: aux.map(flat), grads: grads.map(flat) };
  } finally {
    w.setBackend('ts');
  }
}

/**
 * |a − b| ≤ rtol·max(|a|, |b|) + rtol·max(largest finite magnitude in a or b, floor) (DESIGN §4's
 * scale rule; `floor` is the magnitude of the values an output was computed from, since cancellation
 * leaves their rounding behind); NaN matches NaN, ±∞ only itself.
 */
export function firstMismatch(a: Float64Array, b: Float64Array, rtol: number, floor = 0): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  let scale = floor;
  for (let i = 0; i < a.length; i++) {
    if (Number.isFinite(a[i])) scale = Math.max(scale, Math.abs(a[i]));
    if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!(Math.abs(x - y) <= rtol * (Math.max(Math.abs(x), Math.abs(y)) + scale))) {
      return `[${i}] ${x} vs ${y} (|diff| ${Math.abs(x - y).toExponential(2)}, allowed ${(rtol * (Math.max(Math.abs(x), Math.abs(y)) + scale)).toExponential(2)})`;
    }
  }
  return null;
}

/** a failure report: what differs, the program as data, and as w.show prints it */
export function report(b: Built, what: string): string {
  let shown: string;
  try { shown = w.show(b.scalar, ...b.leaves()); } catch (e) { shown = `(show failed: ${(e as Error).message})`; }
  return `${what}\nprogram (depth ${b.depth}):\n${describeSpec(b.spec)}\n${shown}`;
}

/** cross-backend agreement of values, sinks and gradients within the depth budget */
export function compareEvaluations(b: Built, want: Evaluation, got: Evaluation, label: string, perEqn: number): void {
  const rtolV = perEqn * (1 + b.depth), rtolG = 3 * rtolV;  // the gradient program is ~3× deeper
  const pairs: [string, Float64Array, Float64Array, number][] = [
    ['value', want.value, got.value, rtolV],
    ...want.sinks.map((s, k) => [`sink ${k}`, s, got.sinks[k], rtolV] as [string, Float64Array, Float64Array, number]),
    ...want.grads.map((g, k) => [`gradient ${k}`, g, got.grads[k], rtolG] as [string, Float64Array, Float64Array, number]),
  ];
  for (const [name, x, y, rtol] of pairs) {
    const m = firstMismatch(x, y, rtol, b.magnitude);
    if (m) throw new Error(report(b, `${label}: ${name} differs ${m}`));
  }
}

/** seeded direction in [-1, 1] per leaf element (`salt` gives another one) */
function directions(b: Built, salt = 0): Float64Array[] {
  let s = (0x9e3779b9 ^ b.depth ^ Math.imul(salt, 0x85ebca6b)) >>> 0;
  const next = () => { s = (s + 0x6d2b79f5) >>> 0; let t = Math.imul(s ^ (s >>> 15), s | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * 2 - 1; };
  return b.spec.leaves.map((l) => Float64Array.from(l.values, () => next()));
}

const perturbed = (b: Built, vs: readonly Float64Array[], s: number) =>
  b.spec.leaves.map((l, k) => w.tensor(Float64Array.from(l.values, (x, i) => x + s * vs[k][i]), l.shape));
const allFinite = (as: readonly Float64Array[]) => as.every((a) => a.every(Number.isFinite));

/**
 * d/ds φ(s) at 0 by AD (`ad`, from terms of total magnitude `scale`) against central differences of
 * φ. A point where the one-sided differences disagree, or the central difference changes with the
 * step, lies on or near a kink (relu, abs, max ties, where masks, clip): there AD's subgradient is
 * checked by the cross-backend comparison only. `noise` is the rounding of φ itself, amplified by 1/h.
 */
function compareFD(phi: (s: number) => number, f0: number, ad: number, scale: number, noise: number, fdRtol: number,
  what: () => string): FdOutcome {
  const h = 1e-6;
  const fp = phi(h), fm = phi(-h), fp4 = phi(h / 4), fm4 = phi(-h / 4);
  if (![fp, fm, fp4, fm4].every(Number.isFinite)) return 'non-finite';
  const c1 = (fp - fm) / (2 * h), c4 = (fp4 - fm4) / (h / 2);
  const fwd = (fp4 - f0) / (h / 4), bwd = (f0 - fm4) / (h / 4);
  const mag = Math.abs(c1) + 1e-2 * scale + 1e-8;  // not the full scale: cancelling terms would hide a kink
  // as sensitive as the check below: a kink at x makes |ad − c4| about |fwd − bwd|/2; smooth φ gives h/4·φ''
  if (Math.abs(fwd - bwd) > 2 * fdRtol * mag + 40 * noise || Math.abs(c1 - c4) > fdRtol * mag + 10 * noise) return 'kink';
  // c1 − c4 estimates the truncation error of c4 (a second-order kink leaves an O(h) bias)
  if (!(Math.abs(ad - c4) <= fdRtol * Math.max(scale, Math.abs(ad), Math.abs(c4)) + 2 * Math.abs(c1 - c4) + 4 * noise)) {
    throw new Error(`${what()} = ${ad} but (φ(h) − φ(−h))/2h = ${c4} (h = ${h / 4}, scale ${scale.toExponential(2)})`);
  }
  return 'ok';
}

/**
 * ⟨∇F, v⟩ against float64 central differences of F (eager TS kernels) along a seeded v. A finite F
 * must have a finite gradient, also at kinks and ties (NaN-safe accumulation, DESIGN §4).
 */
export function checkFD(b: Built, ev: Evaluation, fdRtol: number): FdOutcome {
  const f0 = ev.value[0];
  if (Number.isFinite(f0) && !allFinite(ev.grads)) {
    throw new Error(report(b, `F = ${f0} is finite but its gradient is not: [${ev.grads.map((g) => `[${g}]`).join(', ')}]`));
  }
  const vs = directions(b);
  let ad = 0, scale = 0;
  ev.grads.forEach((g, k) => g.forEach((gi, i) => { ad += gi * vs[k][i]; scale += Math.abs(gi * vs[k][i]); }));
  if (b.tie) return 'kink';
  if (!Number.isFinite(ad) || !Number.isFinite(f0)) return 'non-finite';
  const noise = 1e-15 * (1 + b.depth) * (1 + b.magnitude) / 1e-6;
  return compareFD((s) => b.held(...perturbed(b, vs, s)).item(), f0, ad, scale, noise, fdRtol,
    () => report(b, 'finite differences: ⟨∇F, v⟩'));
}

// ---- second order: H·v (forward over reverse) on each backend and against differences of ∇F ----------
const argnumsOf = (b: Built) => b.spec.leaves.map((_, i) => i);
const gradsOf = (b: Built, f: (...xs: T[]) => T, xs: T[]) =>
  (w.grad(f, { argnums: argnumsOf(b) })(...xs) as unknown[]).map(flat);

/** H·v of F at the leaves, one array per leaf, on one backend */
export function evaluateHvp(b: Built, backend: Backend, vs: readonly Float64Array[]): Float64Array[] {
  w.setBackend(backend);
  try {
    const G = (...xs: T[]) => w.grad(b.scalar, { argnums: argnumsOf(b) })(...xs) as T[];
    const tangents = b.spec.leaves.map((l, k) => w.tensor(vs[k], l.shape));
    const hv = w.jvp(G, b.leaves(), tangents)[1] as unknown[];
    return hv.map(flat);
  } finally {
    w.setBackend('ts');
  }
}

/**
 * Second order for programs with a guard step or an integer power: H·v agrees across backends, is
 * finite where F and ∇F are, and ⟨H·v, u⟩ matches central differences of ⟨∇F, u⟩ along v.
 */
export function checkSecondOrder(b: Built, evs: readonly Evaluation[], opts: CheckOptions): FdOutcome {
  const vs = directions(b), us = directions(b, 1);
  const hvs = opts.backends.map((be) => {
    try { return evaluateHvp(b, be, vs); } catch (e) { throw new Error(report(b, `${be} backend threw in H·v: ${(e as Error).stack}`)); }
  });
  const rtolH = 10 * opts.perEqn * (1 + b.depth);  // the H·v program is ~10× deeper than F
  const gmag = Math.max(b.magnitude, ...evs[0].grads.map((g) => g.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 0)));
  for (let i = 1; i < hvs.length; i++) {
    hvs[0].forEach((h, k) => {
      const m = firstMismatch(h, hvs[i][k], rtolH, gmag);
      if (m) throw new Error(report(b, `H·v (${opts.backends[i]} vs ${opts.backends[0]}): leaf ${k} differs ${m}`));
    });
  }
  const f0 = evs[0].value[0];
  if (Number.isFinite(f0) && allFinite(evs[0].grads) && !allFinite(hvs[0])) {
    throw new Error(report(b, `F and ∇F are finite but H·v is not: [${hvs[0].map((h) => `[${h}]`).join(', ')}]`));
  }
  if (b.tie) return 'kink';
  let ad = 0, scale = 0;
  hvs[0].forEach((h, k) => h.forEach((x, i) => { ad += x * us[k][i]; scale += Math.abs(x * us[k][i]); }));
  if (!Number.isFinite(ad)) return 'non-finite';
  const phi = (s: number) => {
    const g = gradsOf(b, b.held, perturbed(b, vs, s));
    let d = 0;
    g.forEach((gk, k) => gk.forEach((x, i) => { d += x * us[k][i]; }));
    return d;
  };
  let g0 = 0;
  evs[0].grads.forEach((gk, k) => gk.forEach((x, i) => { g0 += x * us[k][i]; }));
  const noise = 1e-15 * (1 + 3 * b.depth) * (1 + gmag) / 1e-6;
  return compareFD(phi, g0, ad, scale, noise, 10 * opts.fdRtol, () => report(b, 'second order: ⟨H·v, u⟩'));
}

// ---- local derivatives: every smooth unary op at the operands the programs gave it -------------------
/** operands each smooth unary op saw while programs were built (a bounded sample per op) */
export const LOCAL = new Map<string, Set<number>>();
const LOCAL_CAP = 4096;

function sampleOperands(op: string, x: T): void {
  if (!UNARY_DERIVATIVES[op]) return;
  let set = LOCAL.get(op);
  if (!set) LOCAL.set(op, (set = new Set()));
  for (const v of x.data()) if (Number.isFinite(v) && set.size < LOCAL_CAP) set.add(v);
}

/** the smallest positive normal double: below it the relative error of a reference means nothing */
const NORMAL = 2.2250738585072014e-308;

/**
 * f′ (reverse and forward mode) and f″ (H·v) of each sampled unary op, elementwise, against the closed
 * forms of support/derivatives.ts within `rtol` (relative) wherever the closed form is a normal
 * double; an exact 0 must be exact. f″ is assembled from terms the size of f′ (σ″ = σ′σ̄ − σσ̄′), so
 * it may also be off by a few ulp of |f′|. Finite differences cannot see these errors (σ′(30) ≈
 * 9.4e-14 next to σ(30) ≈ 1). Returns the number of points checked per op.
 */
export function checkLocalDerivatives(backends: readonly Backend[], rtol = 1e-13): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [op, set] of LOCAL) {
    const xs = Float64Array.from(set), [d1, d2] = UNARY_DERIVATIVES[op];
    const f = (w as unknown as Record<string, (x: T) => T>)[op];
    const F = (x: T) => w.sum(f(x));
    for (const be of backends) {
      w.setBackend(be);
      try {
        const X = w.tensor(xs), ones = w.tensor(xs.map(() => 1));
        const got: [string, Float64Array, (x: number) => number, (x: number) => number][] = [
          ['f′ reverse', flat(w.grad(F)(X)), d1, () => 0], ['f′ forward', flat(w.jvp(f, [X], [ones])[1]), d1, () => 0],
          ['f″ (H·v)', flat(w.hvp(F)(X, ones)), d2, (x) => 4 * Number.EPSILON * Math.abs(d1(x))],
        ];
        for (const [what, g, ref, floor] of got) {
          xs.forEach((x, i) => {
            const want = ref(x);
            const bad = want === 0 ? g[i] !== 0
              : Number.isFinite(want) && Math.abs(want) >= NORMAL && !(Math.abs(g[i] - want) <= rtol * Math.abs(want) + floor(x));
            if (bad) throw new Error(`${op} ${what} [${be}] at x = ${x}: ${g[i]}, closed form ${want} (relative error ${(Math.abs(g[i] - want) / Math.abs(want)).toExponential(2)})`);
          });
        }
      } finally {
        w.setBackend('ts');
      }
    }
    counts[op] = xs.length;
  }
  return counts;
}

export interface Tally { cases: number; depthSum: number; fd: Record<FdOutcome, number>; second: Record<FdOutcome, number>; native: number }
export const newTally = (): Tally => ({
  cases: 0, depthSum: 0, fd: { ok: 0, kink: 0, 'non-finite': 0 }, second: { ok: 0, kink: 0, 'non-finite': 0 }, native: 0,
});

/** One property case: build, evaluate on each backend, compare them, check FD (and second order); throws on a disagreement. */
export function checkProgram(spec: ProgramSpec, opts: CheckOptions, tally?: Tally): void {
  const b = build(spec);
  const evs = opts.backends.map((be) => {
    try { return evaluate(b, be); } catch (e) { throw new Error(report(b, `${be} backend threw: ${(e as Error).stack}`)); }
  });
  for (let i = 1; i < evs.length; i++) compareEvaluations(b, evs[0], evs[i], `${opts.backends[i]} vs ${opts.backends[0]}`, opts.perEqn);
  const fd = checkFD(b, evs[0], opts.fdRtol);
  const second = b.second ? checkSecondOrder(b, evs, opts) : null;
  if (tally) {
    tally.cases++; tally.depthSum += b.depth; tally.fd[fd]++;
    if (second) tally.second[second]++;
    if (opts.backends.includes('native')) tally.native++;
  }
}
