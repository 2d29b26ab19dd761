import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { erf, erfScalar } from '../examples/erf.js';
import { fixedPoint } from '../examples/implicit.js';

const derf = (x: number) => (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));

describeBackends('custom rules and opaque functions', () => {
  it('straight-through estimator: round forward, identity backward', () => {
    const round = w.opaque((x) => x.map(Math.round), { name: 'round', shape: (s) => s });
    const ste = w.customVjp((x: w.Tensor) => round(x), { vjp: (g) => [g], name: 'ste' });
    const f = (x: w.Tensor) => w.sum(w.mul(ste(x), x));
    const [v, g] = w.valueAndGrad(f)([1.4, 2.6]) as [number, number[]];
    expect(v).toBeCloseTo(1 * 1.4 + 3 * 2.6, 14);
    expect(g).toEqual([1 + 1.4, 3 + 2.6]);   // d/dx [round(x)·x] with round' := 1
  });

  it('opaque erf with its rule matches the analytic derivative to 1e-12 (both modes, second order)', () => {
    const xs = [-3.7, -1.2, -0.1, 0, 0.4, 2.5];
    const g = w.grad((x: w.Tensor) => w.sum(erf(x)))(xs) as number[];
    xs.forEach((x, i) => close(g[i], derf(x)));
    xs.forEach((x) => close(w.derivative(erf)(x), derf(x)));
    xs.forEach((x) => close(w.derivative(w.derivative(erf))(x), -2 * x * derf(x)));
    close(erf(0.5).item(), 0.5204998778130465, 1e-15);
    expect(erfScalar(4)).toBeCloseTo(0.9999999845827421, 15);
  });

  it('missing rule → ERR_NO_RULE naming the function and the mode; the value still works', () => {
    const f = w.opaque(function besselish(x) { return x.map((v) => Math.cos(v) * 2); }, { shape: (s) => s });
    expect(f([0]).item()).toBe(2);
    expect(() => w.grad((x: w.Tensor) => w.sum(f(x)))([1])).toThrow(expect.objectContaining({
      code: 'ERR_NO_RULE', message: expect.stringMatching(/besselish.*reverse mode.*vjp/) }));
    expect(() => w.derivative(f)(1)).toThrow(expect.objectContaining({
      code: 'ERR_NO_RULE', message: expect.stringMatching(/besselish.*forward mode.*jvp/) }));
    expect(w.compile((x: w.Tensor) => w.sum(f(x)), [1, 2]).value([0, 0]).item()).toBe(4);
  });

  it('second derivative through a customVjp whose rule is written in wengert ops', () => {
    const mysin = w.customVjp((x: w.Tensor) => w.sin(x), { vjp: (g, { inputs: [x] }) => [w.mul(g, w.cos(x as w.Tensor))] });
    close(w.grad(mysin)(0.5) as number, Math.cos(0.5));
    close(w.grad(w.grad(mysin))(0.5) as number, -Math.sin(0.5));
    close((w.hessian(mysin)(0.5) as number), -Math.sin(0.5));
    close(w.derivative(mysin)(0.5), Math.cos(0.5));   // forward mode differentiates f's body
  });

  it('the rule is what reverse mode uses (a deliberately different rule shows through)', () => {
    const f = w.customVjp((x: w.Tensor) => w.sin(x), { vjp: (g) => [w.mul(g, 42)] });
    expect(w.grad(f)(0.3)).toBe(42);
    close(w.derivative(f)(0.3), Math.cos(0.3));
  });

  it('customJvp-only: reverse mode transposes the linear jvp rule; both rules can be combined', () => {
    const mycos = w.customJvp((x: w.Tensor) => w.cos(x), { jvp: ([t], { inputs: [x] }) => w.mul(t as w.Tensor, w.neg(w.sin(x as w.Tensor))) });
    close(w.derivative(mycos)(0.5), -Math.sin(0.5));
    close(w.grad(mycos)(0.5) as number, -Math.sin(0.5));
    close(w.hessian(mycos)(0.5) as number, -Math.cos(0.5));
    const both = w.customJvp(w.customVjp((x: w.Tensor) => w.exp(x), { vjp: (g) => [w.mul(g, 2)] }), { jvp: ([t]) => w.mul(t as w.Tensor, 3) });
    expect(w.grad(both)(0)).toBe(2);
    expect(w.derivative(both)(0)).toBe(3);
  });

  it('implicit differentiation of a fixed-point solver agrees with finite differences', () => {
    const xs = (a: number) => { let x = 0.5; for (let i = 0; i < 2000; i++) x = Math.cos(a * x); return x; };
    const a = 0.8, h = 1e-6;
    close(w.grad(fixedPoint)(a) as number, (xs(a + h) - xs(a - h)) / (2 * h), 1e-8);
    expect(w.gradcheck(fixedPoint, [a]).ok).toBe(true);
  });

  it('gradcheck catches a deliberately wrong rule and names the argument', () => {
    const wrong = w.customVjp((x: w.Tensor, y: w.Tensor) => w.mul(x, y), { vjp: (g, { inputs: [x, y] }) => [w.mul(g, y as w.Tensor), w.mul(g, w.mul(x as w.Tensor, 2))] });
    const r = w.gradcheck(wrong, [1.5, -0.7]);
    expect(r.ok).toBe(false);
    expect(r.worst.argument).toBe(1);
    const right = w.customVjp((x: w.Tensor, y: w.Tensor) => w.mul(x, y), { vjp: (g, { inputs: [x, y] }) => [w.mul(g, y as w.Tensor), w.mul(g, x as w.Tensor)] });
    expect(w.gradcheck(right, [1.5, -0.7]).ok).toBe(true);
  });

  it('malformed rules and opaque results → ERR_RULE naming the rule and the leaf', () => {
    const two = w.customVjp(function twoCts(x: w.Tensor) { return w.sin(x); }, { vjp: (g) => [g, g] });
    expect(() => w.grad(two)(1)).toThrow(expect.objectContaining({ code: 'ERR_RULE', message: expect.stringMatching(/twoCts.*2 cotangent\(s\) for 1 input/) }));
    const shape = w.customVjp((x: w.Tensor) => w.sum(w.sin(x)), { vjp: () => [w.tensor([1, 2, 3])], name: 'badShape' });
    expect(() => w.grad(shape)([1, 2])).toThrow(expect.objectContaining({ code: 'ERR_RULE', message: expect.stringMatching(/badShape.*f64\[3\].*f64\[2\]/) }));
    const nonTensor = w.customVjp((x: w.Tensor) => w.sin(x), { vjp: () => ['nope' as any], name: 'nonTensor' });
    expect(() => w.grad(nonTensor)(1)).toThrow(expect.objectContaining({ code: 'ERR_RULE', message: expect.stringMatching(/nonTensor.*string/) }));
    const short = w.opaque(() => [1], { shape: (s) => s, name: 'short' });
    expect(() => short([1, 2])).toThrow(expect.objectContaining({ code: 'ERR_RULE', message: expect.stringMatching(/short.*2 value/) }));
    const nan = w.opaque(() => 'x' as any, { shape: (s) => s, name: 'strings' });
    expect(() => nan([1])).toThrow(expect.objectContaining({ code: 'ERR_RULE', message: expect.stringMatching(/strings/) }));
  });

  it('an exception inside a rule or opaque fn propagates with its stack; the Program stays usable', () => {
    let explode = false;
    const f = w.opaque(function flaky(x) { if (explode) throw new RangeError('boom from flaky'); return x; }, { shape: (s) => s, vjp: (g) => [g] });
    const p = w.compile((x: w.Tensor) => w.sum(f(x)), [1, 2]);
    expect(p.grad([1, 2])).toEqual([1, 1]);
    explode = true;
    let err: unknown;
    try { p.value([3, 4]); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).stack).toMatch(/flaky/);
    explode = false;
    expect(p.value([3, 4]).item()).toBe(7);
    const boomRule = w.customVjp((x: w.Tensor) => w.sin(x), { vjp: () => { throw new TypeError('rule failed'); } });
    expect(() => w.grad(boomRule)(1)).toThrow(TypeError);
    expect(w.grad(w.sin)(0)).toBe(1);
  });

  it('a compiled program calls the opaque function on every replay', () => {
    let calls = 0;
    const sq = w.opaque((x) => { calls++; return x.map((v) => v * v); }, { shape: (s) => s, vjp: (g, { inputs: [x] }) => [w.mul(g, w.mul(x as w.Tensor, 2))] });
    const p = w.compile((x: w.Tensor) => w.sum(sq(x)), [1, 2, 3]);
    const before = calls;
    expect(p.valueAndGrad([1, 2, 3])).toEqual([14, [2, 4, 6]]);
    expect(p.valueAndGrad([2, 0, -1])).toEqual([5, [4, 0, -2]]);
    expect(calls - before).toBe(2);
    expect(p.stats.retraces).toBe(0);
  });
});
