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
