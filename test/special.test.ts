// The elementwise ops added for NumPy/JAX users: values at awkward points against mpmath
// (test/data/special-refs.json: erf tails, erfinv near ±1, lgamma near its zeros 1 and 2 and its
// poles, digamma at its positive zero), NumPy's conventions (round half to even, mod with the sign
// of the divisor), exact values, and derivatives against closed forms — on every backend, eager
// (the TS kernels) and compiled (the backend's kernels).
import { it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const REFS: Record<string, [number, number][]> = JSON.parse(readFileSync(new URL('./data/special-refs.json', import.meta.url), 'utf8'));

/** |got − want| in units in the last place of want (subnormals: 2^-1074) */
function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want) || want === 0) return got === want ? 0 : Math.abs(got - want) / 2 ** -1074;
  const e = Math.max(Math.floor(Math.log2(Math.abs(want))), -1022);
  return Math.abs(got - want) / 2 ** (e - 52);
}

const OPS: Record<string, (x: T) => T> = {
  erf: w.erf, erfc: w.erfc, erfinv: w.erfinv, lgamma: w.lgamma, digamma: w.digamma,
  polygamma1: (x) => w.polygamma(1, x), polygamma2: (x) => w.polygamma(2, x),
};
/** the bound in the main domain (docs/math.md); beyond it (negative arguments) an absolute error at the scale of the reflection's terms */
const BOUND: Record<string, number> = { erf: 4, erfc: 4, erfinv: 4, lgamma: 4, digamma: 4, polygamma1: 16, polygamma2: 16 };

describeBackends('special functions', () => {
  for (const [name, f] of Object.entries(OPS)) {
    it(`${name}: values at awkward points against mpmath, eager and compiled`, () => {
      const pts = REFS[name];
      const x = Float64Array.from(pts, ([v]) => v);
      const eager = f(w.tensor(x)).data();
      const compiled = w.compile(f, x).value(x).data();
      pts.forEach(([xi, want], i) => {
        for (const [got, path] of [[eager[i], 'eager'], [compiled[i], 'compiled']] as const) {
          if (xi < 0 && (name === 'lgamma' || name === 'digamma')) {
            // reflection: accurate in absolute terms (relative accuracy is lost near the negative zeros)
            expect(Math.abs(got - want), `${name}(${xi}) ${path}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(want)));
          } else {
            expect(ulps(got, want), `${name}(${xi}) ${path}: ${got} vs ${want}`).toBeLessThanOrEqual(BOUND[name]);
          }
        }
      });
    });
  }

  it('exact and special values: zeros keep their sign, poles and limits', () => {
    const v = (f: (x: T) => T, xs: number[]) => Array.from(w.compile(f, Float64Array.from(xs)).value(Float64Array.from(xs)).data());
    expect(v(w.erf, [0, -0, Infinity, -Infinity, NaN, 6, -30])).toEqual([0, -0, 1, -1, NaN, 1, -1]);
    expect(v(w.erfc, [Infinity, -Infinity, 30, NaN])).toEqual([0, 2, 0, NaN]);
    expect(v(w.erfinv, [0, -0, 1, -1, 1.5, NaN])).toEqual([0, -0, Infinity, -Infinity, NaN, NaN]);
    expect(v(w.lgamma, [1, 2, 0, -1, -2, Infinity, -Infinity])).toEqual([0, 0, Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(v(w.digamma, [0, -1, -3, Infinity, NaN])).toEqual([NaN, NaN, NaN, Infinity, NaN]);
    expect(v(w.log2, [8, 1024, 0.5])).toEqual([3, 10, -1]);
    expect(v(w.exp2, [10, -1, 0])).toEqual([1024, 0.5, 1]);
    // glibc's cbrt is within 1 ulp (not correctly rounded): cbrt(27) may be 3 + 1 ulp on the native backend
    v(w.cbrt, [-8, 27, 1e-300]).forEach((y, i) => expect(ulps(y, [-2, 3, Math.cbrt(1e-300)][i])).toBeLessThanOrEqual(1));
    expect(v(w.log10, [1000, 1e-3])).toEqual([3, -3]);
  });

  it('round halves to even (NumPy), floor/ceil/trunc keep −0', () => {
    const xs = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999999999999996, 3.5000000000000004, 4503599627370497, -0, 0.49999999999999994, Infinity, NaN];
    const want = [0, 2, 2, -0, -2, -2, 2, 4, 4503599627370497, -0, 0, Infinity, NaN];
    for (const got of [w.round(xs).data(), w.compile(w.round, Float64Array.from(xs)).value(Float64Array.from(xs)).data()]) {
      want.forEach((y, i) => expect(Object.is(got[i], y), `round(${xs[i]}) = ${got[i]}, expected ${y}`).toBe(true));
    }
    const c = (f: (x: T) => T, x: number) => w.compile(f, Float64Array.of(x)).value(Float64Array.of(x)).data()[0];
    expect([c(w.floor, -0.5), c(w.ceil, -0.5), c(w.trunc, -0.5), c(w.trunc, 2.7)].map((y) => (Object.is(y, -0) ? '-0' : y))).toEqual([-1, '-0', '-0', 2]);
  });

  it('mod has the sign of the divisor (NumPy remainder), also with negative operands and infinities', () => {
    const pairs: [number, number, number][] = [
      [7, 3, 1], [-7, 3, 2], [7, -3, -2], [-7, -3, -1], [6, 3, 0], [6, -3, -0], [-6, 3, 0], [5.5, 2, 1.5], [-5.5, 2, 0.5],
      [5.5, -2, -0.5], [1, Infinity, 1], [-1, Infinity, Infinity], [1, 0, NaN], [Infinity, 2, NaN], [-0.25, 1, 0.75],
    ];
    const a = Float64Array.from(pairs, (p) => p[0]), b = Float64Array.from(pairs, (p) => p[1]);
    for (const got of [w.mod(a, b).data(), w.compile(w.mod, a, b).value(a, b).data()]) {
      pairs.forEach(([x, y, want], i) => expect(Object.is(got[i], want), `mod(${x}, ${y}) = ${got[i]}, expected ${want}`).toBe(true));
    }
  });

  it('hypot, logaddexp, xlogy at the awkward points', () => {
    const two = (f: (a: T, b: T) => T, a: number[], b: number[]) => Array.from(w.compile(f, Float64Array.from(a), Float64Array.from(b)).value(Float64Array.from(a), Float64Array.from(b)).data());
    expect(two(w.hypot, [3, 1e200, 0], [4, 1e200, 0])).toEqual([5, Math.hypot(1e200, 1e200), 0]);
    expect(two(w.logaddexp, [-Infinity, 1000, Infinity, 0], [-Infinity, 1000, 1, -Infinity])).toEqual([-Infinity, 1000 + Math.LN2, Infinity, 0]);
    expect(two(w.xlogy, [0, 0, 2], [0, Infinity, Math.E])).toEqual([0, 0, 2]);
  });

  it('derivatives against closed forms: erf, erfc, erfinv, lgamma (= digamma), digamma (= trigamma), polygamma', () => {
    const d = (f: (x: T) => T, x: number) => w.derivative(f)(x);
    const near = (a: number, b: number, what: string) => expect(Math.abs(a - b) <= 1e-13 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`).toBe(true);
    for (const x of [-2, -0.3, 0.7, 3]) {
      near(d(w.erf, x), (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), `erf'(${x})`);
      near(d(w.erfc, x), (-2 / Math.sqrt(Math.PI)) * Math.exp(-x * x), `erfc'(${x})`);
    }
    const ref = (k: string, x: number) => REFS[k].find(([v]) => v === x)![1];
    for (const x of [1, 2.5, 10]) {
      near(d(w.lgamma, x), w.digamma(x).item(), `lgamma'(${x})`);
      near(d(w.digamma, x), ref('polygamma1', x), `digamma'(${x})`);
    }
    near(d((x) => w.polygamma(1, x), 4), ref('polygamma2', 4), "polygamma(1)'(4)");
    const y = 0.6;
    near(d(w.erfinv, y), (Math.sqrt(Math.PI) / 2) * Math.exp(w.erfinv(y).item() ** 2), `erfinv'(${y})`);
    // second order through the special functions: lgamma'' = trigamma
    near(w.derivative(w.derivative(w.lgamma))(3), ref('polygamma1', 1) - 1 - 0.25, "lgamma''(3)");
  });

  it('step functions have zero derivative; mod: 1 w.r.t. a, −⌊a/b⌋ w.r.t. b', () => {
    for (const f of [w.floor, w.ceil, w.round, w.trunc]) expect(Array.from(w.grad((x: T) => w.sum(f(x)))([0.5, 1.2, -2.5]) as number[])).toEqual([0, 0, 0]);
    const [ga, gb] = w.grad((a: T, b: T) => w.sum(w.mod(a, b)), { argnums: [0, 1] })([7, -7, 5.5], [3, 3, -2]);
    expect(Array.from(ga)).toEqual([1, 1, 1]);
    expect(Array.from(gb)).toEqual([-2, 3, 3]);
    // logaddexp splits evenly at a tie (also at ±∞); xlogy's derivative w.r.t. y is 0 where x = 0; hypot's is 0 at the origin
    expect(w.grad(w.logaddexp, { argnums: [0, 1] })(1, 1)).toEqual([0.5, 0.5]);
    expect(w.grad(w.logaddexp, { argnums: [0, 1] })(-Infinity, -Infinity)).toEqual([0.5, 0.5]);
    expect(w.grad(w.xlogy, { argnums: [0, 1] })(0, 0)[1]).toBe(0);
    expect(w.grad(w.hypot, { argnums: [0, 1] })(0, 0)).toEqual([0, 0]);
  });
});
