// Derivatives at large and awkward arguments against closed forms computed without cancellation
// (issue 11, round 2). A partial such as 1 − tanh²x or σ(1 − σ) loses every digit once tanh x or σ
// rounds to 1 although the derivative is a normal double; each rule here must stay within a few ulp
// where the derivative is well-conditioned. First derivatives in reverse and forward mode, second
// derivatives as hvp (forward over reverse) and grad of grad, on vectors (the native SIMD kernels).
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { UNARY_DERIVATIVES, sech2, type Ref } from './support/derivatives.js';

type T = w.Tensor;
const D = UNARY_DERIVATIVES;
const tanh1 = sech2;

interface Case { name: string; f: (x: T) => T; xs: number[]; d1: Ref; d2: Ref; rtol?: number }
const unary = (name: string, xs: number[]): Case =>
  ({ name, f: (w as unknown as Record<string, (x: T) => T>)[name], xs, d1: D[name][0], d2: D[name][1] });
const CASES: Case[] = [
  unary('tanh', [1e-8, 0.5, 5, 15, 19.5, 25, 100, 300, -15, -25, -300]),
  unary('sigmoid', [1e-8, 0.5, 10, 30, 36.9, 40, 100, 700, -30, -40, -700]),
  unary('softplus', [0.5, 30, 40, 100, -40, -700]),
  unary('expm1', [1e-10, -1, -10, -30, -40, -700, 10]),
  unary('exp', [-700, 700]),
  unary('log1p', [-1 + 2 ** -40, -0.5, 1e-12, 1e10]),
  unary('asin', [1e-10, 0.3, 0.6, 0.9, 0.999999, 1 - 2 ** -40, -(1 - 2 ** -40)]),
  unary('acos', [1e-10, 0.6, 0.999999, 1 - 2 ** -40, -(1 - 2 ** -40)]),
  unary('atan', [1e-10, 0.5, 2, 1e8, 1e80, 1e100, -1e100, 1e150]),
  unary('sinh', [1e-10, 1, 20, 700, -700]),
  unary('cosh', [1e-10, 1, 20, 700, -700]),
  unary('tan', [1.5, 1.57, -1.57]),
  unary('sqrt', [1e-300, 1e300]),
  unary('log', [1e-300, 1e300]),
  { name: '1/x', f: (x) => w.div(1, x), xs: [1e-100, 1e100], d1: (x) => -1 / x / x, d2: (x) => 2 / x / x / x },
];

/**
 * |got − want| ≤ rtol·|want| + floor(x) at every x (0 expected exactly where want is 0). A second
 * derivative is assembled from terms the size of the first (σ″ = σ′σ̄ − σσ̄′), so its floor is a few
 * ulp of |f′|: relative accuracy is asked for wherever f″ is not much smaller than f′.
 */
function expectAccurate(got: ArrayLike<number>, xs: readonly number[], ref: Ref, rtol: number, what: string, floor: Ref = () => 0): void {
  let err = 0, at = -1;
  xs.forEach((x, i) => {
    const want = ref(x);
    const e = want === 0 ? (got[i] === 0 ? 0 : Infinity) : Math.max(0, Math.abs(got[i] - want) - floor(x)) / Math.abs(want);
    if (!(e <= err)) { err = e; at = i; }
  });
  expect(err <= rtol, `${what}: relative error ${err.toExponential(2)} at x = ${xs[at]} (got ${got[at]}, want ${at >= 0 ? ref(xs[at]) : ''})`).toBe(true);
}
const ulpsOf = (f: Ref): Ref => (x) => 4 * Number.EPSILON * Math.abs(f(x));
const data = (r: unknown) => (r as T).data();

describeBackends('derivatives at large and awkward arguments', () => {
  for (const c of CASES) {
    const rtol = c.rtol ?? 1e-14;
    const F = (x: T) => w.sum(c.f(x));
    it(`${c.name}′ (reverse and forward) and ${c.name}″ (hvp, grad of grad) within ${rtol}`, () => {
      const ones = c.xs.map(() => 1);
      expectAccurate(data(w.grad(F)(w.tensor(c.xs))), c.xs, c.d1, rtol, `${c.name}′ reverse`);
      expectAccurate(data(w.jvp(c.f, [w.tensor(c.xs)], [w.tensor(ones)])[1]), c.xs, c.d1, rtol, `${c.name}′ forward`);
      expectAccurate(data(w.hvp(F)(w.tensor(c.xs), w.tensor(ones))), c.xs, c.d2, rtol, `${c.name}″ hvp`, ulpsOf(c.d1));
      const gg = w.grad((x: T) => w.sum(w.grad(F)(x) as T))(w.tensor(c.xs));
      expectAccurate(data(gg), c.xs, c.d2, rtol, `${c.name}″ grad of grad`, ulpsOf(c.d1));
    });
  }

  it('atan2 partials at tiny and huge scales (x² + y² would under- or overflow)', () => {
    // ∂/∂y = x/(x² + y²), ∂/∂x = −y/(x² + y²), scaled by a power of two s: exact
    const pairs: [number, number][] = [[1e-200, 2e-200], [3e200, 1e200], [1, 1e-300], [1e200, 1e-200], [-2e-170, 1e-170], [0.5, -2]];
    const ref = pairs.map(([y, x]) => {
      const s = 2 ** Math.floor(Math.log2(Math.max(Math.abs(x), Math.abs(y)))), xs = x / s, ys = y / s;
      const d = xs * xs + ys * ys;
      return [xs / d / s, -ys / d / s];
    });
    const ys = w.tensor(pairs.map((p) => p[0])), xs = w.tensor(pairs.map((p) => p[1]));
    const [gy, gx] = w.grad((a: T, b: T) => w.sum(w.atan2(a, b)), { argnums: [0, 1] })(ys, xs) as T[];
    expectAccurate(data(gy), pairs.map((_, i) => i), (i) => ref[i][0], 1e-14, '∂atan2/∂y');
    expectAccurate(data(gx), pairs.map((_, i) => i), (i) => ref[i][1], 1e-14, '∂atan2/∂x');
    // second order: the Hessian of atan2 at a moderate point against −2xy/(x²+y²)² etc.
    const H = w.hessian((v: T) => w.atan2(w.at(v, 0), w.at(v, 1)))([3, 4]) as T;
    const r4 = 625;
    expectAccurate(H.data(), [0, 1, 2, 3], (i) => [-24 / r4, -7 / r4, -7 / r4, 24 / r4][i], 1e-14, 'atan2 Hessian at (3, 4)');
  });

  it('third derivatives of tanh and sigmoid at large arguments (grad³ and forward over forward over reverse)', () => {
    // tanh‴ = 4 tanh²·sech² − 2 sech⁴ (no cancellation for |x| ≥ 1);  σ‴(x) = tanh‴(x/2)/16
    const tanh3: Ref = (x) => { const t = Math.tanh(x), s = tanh1(x); return 4 * t * t * s - 2 * s * s; };
    const xs = [2, 15, 30, 100, 300, -30, -300];
    for (const [f, ref, at] of [[w.tanh, tanh3, xs], [w.sigmoid, (x: number) => tanh3(x / 2) / 16, xs.map((x) => 2 * x)]] as const) {
      const F = (x: T) => w.sum(f(x));
      const G = (x: T) => w.grad(F)(x) as T;
      const X = w.tensor(at), V = w.tensor(at.map(() => 1));
      expectAccurate(data(w.grad((x: T) => w.sum(w.grad((y: T) => w.sum(G(y)))(x) as T))(X)), at, ref, 1e-14, `${f.name}‴ grad³`);
      expectAccurate(data(w.jvp((x: T) => w.hvp(F)(x, V) as T, [X], [V])[1]), at, ref, 1e-14, `${f.name}‴ jvp of hvp`);
    }
  });

  it('past underflow the derivatives are exactly 0 at every order, never NaN', () => {
    // sech²x underflows past |x| = 373.4; σ'(x) = ¼ sech²(x/2) past |x| = 746.8
    for (const [f, at] of [[w.tanh, [400, 800, -1000]], [w.sigmoid, [800, 1000, -1000]]] as const) {
      const xs = w.tensor([...at, 1e300, -1e300, Infinity, -Infinity]), v = w.tensor([1, 1, 1, 1, 1, 1, 1]);
      const F = (x: T) => w.sum(f(x));
      const G = (x: T) => w.grad(F)(x) as T;
      const d1 = data(G(xs)), d2 = data(w.hvp(F)(xs, v)), d2r = data(w.grad((x: T) => w.sum(G(x)))(xs));
      const d3 = data(w.grad((x: T) => w.sum(w.grad((y: T) => w.sum(G(y)))(x) as T))(xs));
      const d3f = data(w.jvp((x: T) => w.hvp(F)(x, v) as T, [xs], [v])[1]);
      for (const [d, what] of [[d1, '1st'], [d2, 'hvp'], [d2r, 'grad²'], [d3, 'grad³'], [d3f, 'jvp of hvp']] as const) {
        expect(Array.from(d).map(Math.abs), `${f.name} ${what}`).toEqual([0, 0, 0, 0, 0, 0, 0]);
      }
    }
  });
});
