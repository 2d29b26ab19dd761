// Numerical conventions of DESIGN §4: NaN-safe zero cotangents, `where` gives the unchosen side an
// exact zero, comparisons and stopGradient have zero derivative. (Kinks are in rules.test.ts.)
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const safeSqrt = (x: T) => w.where(w.greater(x, 0), w.sqrt(x), 0);

describeBackends('numerical conventions', () => {
  it('grad(x => where(x > 0, sqrt(x), 0))(0) is 0, not NaN', () => {
    expect(w.grad(safeSqrt)(0)).toBe(0);
    expect(w.grad(safeSqrt)(-1)).toBe(0);
    expect(w.grad(safeSqrt)(4)).toBe(0.25);
    expect(w.grad((x: T) => w.sum(safeSqrt(x)))([-1, 0, 4])).toEqual([0, 0, 0.25]);
    expect(w.valueAndGrad(safeSqrt)(-4)).toEqual([0, 0]);
  });

  it('where gives the unchosen side an exact zero even when its partial is ±Inf or NaN', () => {
    // 1/x at 0: partial −1/x² = −Inf
    expect(w.grad((x: T) => w.sum(w.where(w.notEqual(x, 0), w.div(1, x), 0)))([0, 2])).toEqual([0, -0.25]);
    // x·log x at 0: the forward value is NaN and the partial −Inf on the unchosen side
    expect(w.grad((x: T) => w.where(w.greater(x, 0), w.mul(x, w.log(x)), 0))(0)).toBe(0);
    // log of a negative number (NaN value, finite partial) on the unchosen side
    expect(w.grad((x: T) => w.where(w.less(x, 0), w.mul(x, 3), w.log(x)))(-2)).toBe(3);
    // the chosen side's gradient is untouched; both sides of one input add up
    expect(w.grad((x: T) => w.sum(w.where(w.greater(x, 0), w.square(x), w.mul(x, -5))))([-1, 3])).toEqual([-5, 6]);
    // separate inputs for the two sides, with broadcasting: the unchosen side gets exact zeros
    const [ga, gb] = w.grad((a: T, b: T) => w.sum(w.where([1, 0, 1], w.log(a), w.sqrt(b))), { argnums: [0, 1] })([1, 0, 2], [0, 0, 0]) as number[][];
    expect(ga).toEqual([1, 0, 0.5]);
    expect(gb).toEqual([0, Infinity, 0]);
    const [gs, gc] = w.grad((s: T, c: T) => w.sum(w.where([1, 0, 1], c, w.log(s))), { argnums: [0, 1] })(0, [1, 2, 3]) as [number, number[]];
    expect(gs).toBe(Infinity); // log'(0) = 1/0 on the chosen middle element
    expect(gc).toEqual([1, 0, 1]);
  });

  it('grad of grad through where stays NaN-free', () => {
    expect(w.grad(w.grad(safeSqrt))(0)).toBe(0);
    expect(w.grad(w.grad(safeSqrt))(4)).toBe(-0.25 * 4 ** -1.5);
  });

  it('an exactly-zero cotangent contributes zero against an infinite partial', () => {
    // ȳ = 0 reaches log at 0, whose partial is 1/0 = Inf: the contribution is 0, not NaN
    expect(w.grad((x: T) => w.mul(w.log(x), 0))(0)).toBe(0);
    expect(w.grad((x: T) => w.add(w.mul(w.sqrt(x), 0), x))(0)).toBe(1);
  });

  it('comparisons have zero derivative (also at ties)', () => {
    const cmps = [w.less, w.lessEqual, w.greater, w.greaterEqual, w.equal, w.notEqual];
    for (const cmp of cmps) {
      const [ga, gb] = w.grad((a: T, b: T) => w.sum(cmp(a, b)), { argnums: [0, 1] })([1, 2, 3], [2, 2, 2]) as number[][];
      expect([ga, gb], cmp.name).toEqual([[0, 0, 0], [0, 0, 0]]);
    }
    // a mask multiplying x acts as a constant
    expect(w.grad((x: T) => w.sum(w.mul(w.greater(x, 0), x)))([-1, 0, 2])).toEqual([0, 0, 1]);
    expect(w.grad((x: T) => w.sum(w.mul(w.sign(x), x)))([-1, 0, 2])).toEqual([-1, 0, 1]);
  });

  it('stopGradient: value passes, derivative zero', () => {
    expect(w.valueAndGrad((x: T) => w.stopGradient(w.mul(x, x)))(3)).toEqual([9, 0]);
    expect(w.grad((x: T) => w.sum(w.stopGradient(x)))([1, 2])).toEqual([0, 0]);
    expect(w.grad((x: T) => w.mul(w.stopGradient(x), x))(3)).toBe(3);
    // higher order: f = x²·sg(x) → f' = 2x·sg(x) → f'' = 2·sg(x); and (sg(x²)·x)'' = (sg(x²))' = 0
    expect(w.grad(w.grad((x: T) => w.mul(w.square(x), w.stopGradient(x))))(3)).toBe(6);
    expect(w.grad(w.grad((x: T) => w.mul(w.stopGradient(w.square(x)), x)))(3)).toBe(0);
  });
});

describeBackends('prod gradient without division', () => {
  it('is the exact product of the others, also with zeros and when the product underflows', () => {
    const sub = (w.grad((v: w.Tensor) => w.prod(v))(w.tensor([0.424522, -2, 1.42203506, -5e-324])) as w.Tensor).data();
    expect(sub[3]).toBe(0.424522 * -2 * 1.42203506);
    expect(Array.from((w.grad((v: w.Tensor) => w.prod(v))(w.tensor([2, 0, 3])) as w.Tensor).data())).toEqual([0, 6, 0]);
    expect(Array.from((w.grad((v: w.Tensor) => w.prod(v))(w.tensor([0, 0, 3])) as w.Tensor).data())).toEqual([0, 0, 0]);
    expect(Array.from((w.grad((v: w.Tensor) => w.sum(w.prod(v, 1)))(w.tensor([[1, 2, 3], [4, 5, 6]])) as w.Tensor).data())).toEqual([6, 3, 2, 30, 24, 20]);
  });
});

// ---- NaN-safety at every order and in forward mode (issue 11, round 2) ---------------------------
/** flat data of a result (number, Tensor, nested array) */
const flat = (r: unknown): number[] =>
  (typeof r === 'number' ? [r] : Array.isArray(r) ? r.flatMap(flat) : Array.from((r as T).data()));
/** exact zeros stay exact (either sign), the rest within a few ulp */
function expectValues(got: unknown, want: readonly number[], what: string): void {
  const g = flat(got);
  expect(g.length, what).toBe(want.length);
  g.forEach((v, i) => {
    if (want[i] === 0) expect(Math.abs(v), `${what} [${i}] = ${v}, expected exactly 0`).toBe(0);
    else expect(Math.abs(v - want[i]) <= 1e-14 * Math.abs(want[i]), `${what} [${i}] = ${v}, expected ${want[i]}`).toBe(true);
  });
}

/** f singular at 0 (an infinite partial or derivative there), and its 1st–3rd derivatives at x = 2 */
const SINGULAR: [string, (x: T) => T, [number, number, number]][] = [
  ['sqrt', w.sqrt, [0.5 / Math.SQRT2, -0.125 / Math.SQRT2, 0.375 / 4 / Math.SQRT2]],
  ['log', w.log, [0.5, -0.25, 0.25]],
  ['1/x', (x) => w.div(1, x), [-0.25, 0.25, -0.375]],
  ['pow(x, 0.5)', (x) => w.pow(x, 0.5), [0.5 / Math.SQRT2, -0.125 / Math.SQRT2, 0.375 / 4 / Math.SQRT2]],
  ['pow(x, -1)', (x) => w.pow(x, -1), [-0.25, 0.25, -0.375]],
];

describeBackends('NaN-safe accumulation at every order and in forward mode', () => {
  const x = [-1, 0, -0, 2];
  const ones = [1, 1, 1, 1];
  for (const [name, f, [d1, d2, d3]] of SINGULAR) {
    // the unchosen side (x ≤ 0) gets exact zeros at every order: a zero cotangent or tangent contributes zero
    const safe = (t: T) => w.sum(w.where(w.greater(t, 0), f(t), 0));
    const g = (t: T) => w.grad(safe)(t) as T;
    const hv = (t: T) => w.hvp(safe)(t, ones) as T;
    const diag = (d: number) => [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, d];

    it(`where(x > 0, ${name}, 0): gradient and second order (hessian, hvp, jvp of grad, grad of grad)`, () => {
      expectValues(w.grad(safe)(x), [0, 0, 0, d1], 'grad');
      expectValues(w.jvp(safe, [x], [ones])[1], [d1], 'jvp');
      expectValues(w.hessian(safe)(x), diag(d2), 'hessian');
      expectValues(w.hvp(safe)(x, ones), [0, 0, 0, d2], 'hvp');
      expectValues(w.jvp(g, [x], [ones])[1], [0, 0, 0, d2], 'jvp of grad');
      expectValues(w.grad((t: T) => w.sum(g(t)))(x), [0, 0, 0, d2], 'grad of grad');
      expectValues(w.jacobian(g, { mode: 'reverse' })(x), diag(d2), 'reverse jacobian of grad');
    });

    it(`where(x > 0, ${name}, 0): third order (grad of hvp, jvp of hvp, hessian of grad, derivative³)`, () => {
      expectValues(w.grad((t: T) => w.sum(hv(t)))(x), [0, 0, 0, d3], 'grad of hvp');
      expectValues(w.jvp(hv, [x], [ones])[1], [0, 0, 0, d3], 'jvp of hvp');
      expectValues(w.grad((t: T) => w.sum(w.grad((u: T) => w.sum(g(u)))(t) as T))(x), [0, 0, 0, d3], 'grad of grad of grad');
      expectValues(w.hessian((t: T) => w.sum(g(t)))(x), diag(d3), 'hessian of Σ grad');
      const s = (t: T) => w.where(w.greater(t, 0), f(t), 0);
      const d = w.derivative;
      for (const at of [0, -0, -1]) expectValues(d(d(d(s)))(at), [0], `derivative³ at ${at}`);
      expectValues(d(d(d(s)))(2), [d3], 'derivative³ at 2');
    });
  }

  it('a genuine ∞·0 in a chain rule stays NaN (a zero partial does not guard an infinite cotangent)', () => {
    // (x³)^(1/3) = x, but the chain rule at 0 is ∞ · 0: no value is right, so wengert says NaN
    expect(w.grad((t: T) => w.pow(w.pow(t, 3), 1 / 3))(0)).toBeNaN();
    // an exactly zero cotangent still wins: 0 · ∞ = 0
    expect(w.grad((t: T) => w.mul(w.pow(w.pow(t, 3), 1 / 3), 0))(0)).toBe(0);
  });
});

// ---- pow at a zero base (issue 11, round 2) ----------------------------------------------------
describeBackends('pow at a zero base', () => {
  const d = w.derivative;
  it('Σ c·pow(x, [0, 1, 2, 3]) has gradient c₁ at x = 0 (and at every element of a vector x = 0)', () => {
    const c = w.tensor([2, 3, 5, 7]), k = w.tensor([0, 1, 2, 3]);
    expect(w.grad((t: T) => w.sum(w.mul(c, w.pow(t, k))))(0)).toBe(3);
    expect(w.grad((t: T) => w.sum(w.mul(c, w.pow(t, k))))([0, 0, 0, 0])).toEqual([0, 3, 0, 0]);
    expect(w.grad((t: T) => w.sum(w.mul(c, w.pow(t, k))))([0, -0, 0, -0])).toEqual([0, 3, 0, 0]);
  });

  it('derivatives of x⁰, x¹, x², x³ at 0 of orders 1–3, in reverse, forward and mixed modes', () => {
    const want: Record<number, number[]> = { 0: [0, 0, 0], 1: [1, 0, 0], 2: [0, 2, 0], 3: [0, 0, 6] };
    for (const k of [0, 1, 2, 3]) {
      const f = (t: T) => w.pow(t, k);
      const g1 = (t: T) => w.grad(f)(t) as T;
      const g2 = (t: T) => w.grad(g1)(t) as T;
      expectValues([w.grad(f)(0), d(f)(0)], [want[k][0], want[k][0]], `x^${k}: first`);
      expectValues([g2(w.tensor(0)), d(d(f))(0), w.hessian(f)(0), w.hvp(f)(0, 1), w.jvp(g1, [0], [1])[1]],
        Array(5).fill(want[k][1]), `x^${k}: second`);
      expectValues([w.grad(g2)(0), d(d(d(f)))(0), w.hvp(g1)(0, 1), w.jvp((t: T) => w.hvp(f)(t, 1) as T, [0], [1])[1]],
        Array(4).fill(want[k][2]), `x^${k}: third`);
      // a vector of zeros: the native SIMD kernels, not the 0-d path
      expectValues(w.hvp((t: T) => w.sum(w.pow(t, k)))([0, -0, 0], [1, 1, 1]), Array(3).fill(want[k][1]), `x^${k}: vector hvp`);
    }
  });

  it('a traced exponent: derivatives in x at a zero base match the constant exponent; the Hessian is symmetric elsewhere', () => {
    const pxy = (v: T) => w.pow(w.at(v, 0), w.at(v, 1));
    for (const k of [0, 1, 2, 3]) {
      const fx = (t: T) => w.pow(t, w.add(w.mul(t, 0), k));  // the exponent is traced (it depends on t)
      expectValues([d(fx)(0), d(d(fx))(0), d(d(d(fx)))(0)], [[0, 1, 0, 0][k], [0, 0, 2, 0][k], [0, 0, 0, 6][k]], `x^${k} traced`);
      expect(flat(w.hessian(pxy)([0, k]))[0], `∂²/∂x² pow(0, ${k})`).toBe([0, 0, 2, 0][k]);
      // at a = 2 the exact Hessian of aᵇ: [[b(b−1)a^(b−2), a^(b−1)(1 + b ln a)], [·, ln²a · aᵇ]]
      const a = 2, l = Math.LN2;
      const H = [k * (k - 1) * a ** (k - 2), a ** (k - 1) * (1 + k * l), a ** (k - 1) * (1 + k * l), l * l * a ** k];
      expectValues(w.hessian(pxy)([a, k]), H, `hessian of pow at (2, ${k})`);
      expectValues(w.jacobian((v: T) => w.grad(pxy)(v) as T, { mode: 'reverse' })([a, k]), H, `reverse-over-reverse at (2, ${k})`);
    }
  });

  it('∂/∂b pow(a, b): 0 at a = 0 (b > 0), NaN for a < 0 (b ↦ aᵇ is NaN at every non-integer b)', () => {
    for (const b of [0.5, 1, 2, 3]) expect(w.grad((e: T) => w.pow(0, e))(b)).toBe(0);
    expect(w.grad((e: T) => w.pow(-2, e))(2)).toBeNaN();
    expect(w.grad((e: T) => w.sum(w.pow([-2, 2], e)))(3)).toBeNaN();
    // a zero cotangent still gives 0, and the derivative in a is the usual b·aᵇ⁻¹
    expect(w.grad((e: T) => w.mul(w.pow(-2, e), 0))(2)).toBe(0);
    expect(w.grad((t: T) => w.pow(t, 3))(-2)).toBe(12);
  });
});
