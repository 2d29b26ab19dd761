// One fixed reduction order everywhere (issue 11, round 2; DESIGN §4): sum, prod, max and min over
// any axes give the same bits on the TS backend and the native one at every SIMD level — blocks of
// 1024 values, 8 lanes, a lane tree, a left-heavy power-of-two tree over blocks — checked against a
// spec-literal reference over lengths around every block and lane boundary, every axis pattern
// (last axis, leading axes, middle, mixed, full), with −0, NaN, ±∞ and subnormals; plus accuracy
// against an exact sum. (Native sums with 4 vector accumulators differed from TS's pairwise
// leaves of 256 in the last ulp for n ≥ 16.)
import { it, expect, afterAll } from 'vitest';
import * as w from '../src/index.js';
import { REGISTRY } from '../src/ops/registry.js';
import { interpret } from '../src/backends/ts.js';
import { NativeProgram } from '../src/backends/native/program.js';
import { describeBackends } from './support/backends.js';
import { describeNative, oneOp, rng } from './native/support.js';

type Kind = 'sum' | 'prod' | 'max' | 'min';
const KINDS: Kind[] = ['sum', 'prod', 'max', 'min'];
const op = (k: Kind) => REGISTRY.find((o) => o.name === k)!;

// ---- the reference: the canonical order written the plainest way ----------------------------
const C: Record<Kind, (a: number, x: number) => number> = {
  sum: (a, x) => a + x, prod: (a, x) => a * x,
  max: (a, x) => (x > a || x !== x ? x : a), min: (a, x) => (x < a || x !== x ? x : a),
};
const EMPTY: Record<Kind, number> = { sum: 0, prod: 1, max: -Infinity, min: Infinity };
const LANE: Record<Kind, number> = { sum: -0, prod: 1, max: -Infinity, min: Infinity };
function T(c: (a: number, x: number) => number, p: number[], lo: number, hi: number): number {
  if (hi - lo === 1) return p[lo];
  let h = 1;
  while (h * 2 < hi - lo) h *= 2;
  return c(T(c, p, lo, lo + h), T(c, p, lo + h, hi));
}
function reference(k: Kind, xs: ArrayLike<number>): number {
  const c = C[k];
  if (xs.length === 0) return EMPTY[k];
  const p: number[] = [];
  for (let b = 0; b < xs.length; b += 1024) {
    const a = new Array(8).fill(LANE[k]);
    for (let i = b; i < Math.min(b + 1024, xs.length); i++) a[(i - b) % 8] = c(a[(i - b) % 8], xs[i]);
    p.push(c(c(c(a[0], a[1]), c(a[2], a[3])), c(c(a[4], a[5]), c(a[6], a[7]))));
  }
  return T(c, p, 0, p.length);
}
/** reduce x (row-major, `shape`) over `axes` with the reference, output row-major over the kept axes */
function referenceAxes(k: Kind, x: Float64Array, shape: number[], axes: number[]): Float64Array {
  const kept = shape.map((_, a) => a).filter((a) => !axes.includes(a));
  const st = shape.map((_, a) => shape.slice(a + 1).reduce((p, d) => p * d, 1));
  /** the offsets of every index over `ax`, row-major */
  const offsets = (ax: number[]) => ax.reduce((offs, a) => offs.flatMap((o) => Array.from({ length: shape[a] }, (_, i) => o + i * st[a])), [0]);
  const ko = offsets(kept), ro = offsets(axes), out = new Float64Array(ko.length), seq = new Float64Array(ro.length);
  ko.forEach((base, o) => {
    for (let j = 0; j < ro.length; j++) seq[j] = x[base + ro[j]];
    out[o] = reference(k, seq);
  });
  return out;
}

// ---- data and cases ----------------------------------------------------------------------------
const SPECIAL = [0, -0, NaN, Infinity, -Infinity, 5e-324, -5e-324, 2.2250738585072014e-308, 1e308, -1e308, 1, -1];
/** values of kind `flavor`: mixed (specials sprinkled), signed zeros and subnormals, or plain */
function data(n: number, seed: number, flavor: 'mixed' | 'zeros' | 'plain', k: Kind): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, (_, i) => {
    if (flavor === 'zeros') return [0, -0, -0, 5e-324, -5e-324][Math.floor(r() * 5)];
    if (flavor === 'mixed' && r() < 0.01) return SPECIAL[Math.floor(r() * SPECIAL.length)];
    const u = (r() - 0.5) * (i % 3 === 0 ? 1e3 : 2);
    return k === 'prod' ? 1 + u / 1e4 : u;
  });
}
const LENGTHS = [0, 1, 2, 7, 8, 9, 15, 16, 17, 1023, 1024, 1025, 2047, 2048, 3 * 1024 + 17, 4096, 5000, 9 * 1024 + 5];
/** [shape, axes]: every axis pattern (last, leading, middle, mixed, full), lengths at block and lane boundaries */
const PATTERNS: [number[], number[]][] = [
  ...LENGTHS.map((n): [number[], number[]] => [[n], [0]]),
  [[3, 1025], [1]], [[5, 9], [1]], [[2, 3 * 1024 + 17], [1]],                          // last axis (rows)
  [[1025, 3], [0]], [[2049, 70], [0]], [[9, 17], [0]], [[3000, 1], [0]], [[8, 129], [0]], // leading axis (columns)
  [[1030, 2050], [0]], [[2, 1025, 2049], [1]],                                          // wider than a column tile (mixed data only)
  [[4, 1100, 3], [1]], [[2, 9, 65], [1]],                                               // middle axis
  [[20, 3, 60], [0, 2]], [[7, 5, 3, 11], [1, 3]], [[3, 400, 4], [0, 1]], [[5, 6, 7], [0, 1, 2]], // mixed, full
  [[1, 1030, 1], [1]], [[0, 5], [1]], [[6, 0], [1]], [[4, 1, 5], [1]],                 // size-1 and empty axes
];

type Case = { shape: number[]; axes: number[]; x: Float64Array; want: Float64Array };
const cases = new Map<Kind, Case[]>();
/** every pattern in every flavor of data, with the reference result (computed once) */
function casesFor(k: Kind): Case[] {
  if (!cases.has(k)) {
    const flavors = (shape: number[]) => (shape.reduce((a, b) => a * b, 1) > 1e5 ? ['mixed'] as const : ['mixed', 'zeros', 'plain'] as const);
    cases.set(k, PATTERNS.flatMap(([shape, axes], i) => flavors(shape).map((f, j) => {
      const x = data(shape.reduce((a, b) => a * b, 1), 1000 * i + 17 * j + k.length, f, k);
      return { shape, axes, x, want: referenceAxes(k, x, shape, axes) };
    })));
  }
  return cases.get(k)!;
}

const show = (v: number) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v));
/** same bits: −0 ≠ +0, any NaN = any NaN */
function expectSameBits(got: Float64Array, want: Float64Array, what: string): void {
  expect(got.length).toBe(want.length);
  let i = 0;
  while (i < got.length && (Object.is(got[i], want[i]) || (got[i] !== got[i] && want[i] !== want[i]))) i++;
  expect(i === got.length ? -1 : i, `${what}: index ${i}: ${show(got[i])} vs ${show(want[i])} (reference)`).toBe(-1);
}

// ---- TS and native kernels against the reference --------------------------------------------
it('the TS kernels follow the canonical order bit for bit (every axis pattern)', () => {
  for (const k of KINDS) {
    for (const { shape, axes, x, want } of casesFor(k)) {
      const g = oneOp(op(k), [shape], { axes, keepDims: false });
      expectSameBits(interpret(g, [x])[0], want, `${k} ${JSON.stringify(shape)} axes ${axes}`);
    }
  }
});

describeNative('native reductions = the TS order at every SIMD level', (addon) => {
  const initial = addon.simdInfo().level;
  afterAll(() => { addon.setSimd(initial); });
  for (const level of addon.simdInfo().supported) {
    it(`sum, prod, max, min at ${level}`, () => {
      expect(addon.setSimd(level)).toBe(true);
      for (const k of KINDS) {
        for (const { shape, axes, x, want } of casesFor(k)) {
          const g = oneOp(op(k), [shape], { axes, keepDims: false });
          const p = new NativeProgram(addon, g, false);
          expect(p.info().simd).toBe(level);
          expectSameBits(p.run([x])[0], want, `${k} ${JSON.stringify(shape)} axes ${axes} at ${level}`);
        }
      }
    });
  }
});

describeBackends('one reduction order on every backend', () => {
  it('w.sum / prod / max / min, traced and compiled, equal the reference bit for bit', () => {
    const x = data(3 * 1024 + 17, 5, 'mixed', 'sum'), y = data(5000, 6, 'plain', 'prod');
    const m = w.tensor(data(2049 * 6, 7, 'plain', 'sum'), [2049, 6]);
    const f = (a: w.Tensor, b: w.Tensor, c: w.Tensor) => w.stack([w.sum(a), w.prod(b), w.max(a), w.min(a), w.sum(w.sum(c, 0))]);
    const want = [reference('sum', x), reference('prod', y), reference('max', x), reference('min', x),
      reference('sum', referenceAxes('sum', m.data(), [2049, 6], [0]))];
    const p = w.compile(f, x, y, m);
    expectSameBits(p.value(x, y, m).data(), Float64Array.from(want), 'compiled');
    // sum of −0 values is −0; the empty sum is +0; one value is itself
    expect(Object.is(p.value(new Float64Array(x.length).fill(-0), y, m).data()[0], -0)).toBe(true);
    expect(Object.is(w.compile((a: w.Tensor) => w.sum(a), new Float64Array(1)).value(Float64Array.of(-0)).item(), -0)).toBe(true);
    const empty = w.tensor(new Float64Array(0), [0, 3]);
    expect(Object.is((w.compile((a: w.Tensor) => w.sum(a, 0), empty).value(empty) as w.Tensor).data()[1], 0)).toBe(true);
  });

  it('sums are accurate: within (128 + 3 + log₂ blocks)·ε·Σ|x| of the exact sum, typically far closer', () => {
    for (const n of [1e5, 1e6]) {
      const r = rng(n);
      const x = Float64Array.from({ length: n }, () => (r() - 0.3) * 10 ** Math.floor(r() * 6));
      const got = w.compile((a: w.Tensor) => w.sum(a), x).value(x).item();
      const [exact, abs] = exactSum(x);
      const bound = (128 + 3 + Math.log2(n / 1024) + 1) * 2 ** -53 * abs;
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(bound);
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(bound / 20);
    }
  });
});

/** [Σx rounded once (Neumaier's compensated sum, exact to an ulp here), Σ|x|] */
function exactSum(x: Float64Array): [number, number] {
  let s = 0, comp = 0, abs = 0;
  for (const v of x) {
    const t = s + v;
    comp += Math.abs(s) >= Math.abs(v) ? (s - t) + v : (v - t) + s;
    s = t;
    abs += Math.abs(v);
  }
  return [s + comp, abs];
}
