import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

const rosen = (x: w.Tensor) => {
  const a = w.at(x, 0), b = w.at(x, 1);
  return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)));
};
const close = (a: number, b: number, tol = 1e-12) => expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b)));
const arr = (t: unknown) => (t instanceof w.Tensor ? (t.toArray() as any) : t);

describeBackends('forward mode', () => {
  it('derivative: sin\'(0) === 1, and it composes to any order', () => {
    expect(w.derivative(w.sin)(0)).toBe(1);
    close(w.derivative(w.derivative(w.sin))(0.7), -Math.sin(0.7));
    close(w.derivative(w.derivative(w.derivative(w.sin)))(0.7), -Math.cos(0.7));
    close(w.derivative(w.derivative(w.derivative(w.derivative(w.sin))))(0.7), Math.sin(0.7));
  });

  it('derivative of x^x and of a composition of 20 ops', () => {
    close(w.derivative((x: w.Tensor) => w.pow(x, x))(2), 4 * (Math.log(2) + 1));
    // f = g20 ∘ … ∘ g1 with alternating sin / mul 1.1 / add 0.3 / exp(−x²)
    const steps: ((x: w.Tensor) => w.Tensor)[] = [];
    const dsteps: ((x: number) => [number, number])[] = [];
    for (let i = 0; i < 20; i++) {
      switch (i % 4) {
        case 0: steps.push(w.sin); dsteps.push((x) => [Math.sin(x), Math.cos(x)]); break;
        case 1: steps.push((x) => w.mul(x, 1.1)); dsteps.push((x) => [1.1 * x, 1.1]); break;
        case 2: steps.push((x) => w.add(x, 0.3)); dsteps.push((x) => [x + 0.3, 1]); break;
        default: steps.push((x) => w.exp(w.neg(w.square(x)))); dsteps.push((x) => [Math.exp(-x * x), -2 * x * Math.exp(-x * x)]);
      }
    }
    const f = (x: w.Tensor) => steps.reduce((v, s) => s(v), x);
    let v = 0.4, d = 1;
    for (const s of dsteps) { const [y, dy] = s(v); d *= dy; v = y; }
    close(w.derivative(f)(0.4), d, 1e-13);
  });

  it('jvp pushes tangents through pytrees', () => {
    const f = (p: { a: w.Tensor; b: w.Tensor }) => w.mul(w.sin(p.a), p.b);
    const [out, t] = w.jvp(f, [{ a: [0.1, 0.2], b: 3 }], [{ a: [1, 0], b: 1 }]);
    expect(arr(out)[0]).toBeCloseTo(3 * Math.sin(0.1), 14);
    close(arr(t)[0], 3 * Math.cos(0.1) + Math.sin(0.1));
    close(arr(t)[1], Math.sin(0.2));
  });

  it('known Hessian: Rosenbrock at (−1.2, 1) is [[1330, 480], [480, 200]]', () => {
    const H = arr(w.hessian(rosen)([-1.2, 1]));
    close(H[0][0], 1330); close(H[0][1], 480); close(H[1][0], 480); close(H[1][1], 200);
  });

  it('hvp equals H·v without forming H', () => {
    const hv = w.hvp(rosen)([-1.2, 1], [0.3, -2]) as number[];
    close(hv[0], 1330 * 0.3 + 480 * -2);
    close(hv[1], 480 * 0.3 + 200 * -2);
  });

  it('Jacobian of a vector function vs analytic; forward and reverse agree', () => {
    // f(x) = [x0·x1, sin(x2), x0 + x1²]
    const f = (x: w.Tensor) => w.stack([w.mul(w.at(x, 0), w.at(x, 1)), w.sin(w.at(x, 2)), w.add(w.at(x, 0), w.square(w.at(x, 1)))]);
    const x = [0.5, -1.5, 2];
    const want = [[-1.5, 0.5, 0], [0, 0, Math.cos(2)], [1, -3, 0]];
    for (const mode of ['forward', 'reverse', 'auto'] as const) {
      const J = arr(w.jacobian(f, { mode })(x));
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(J[i][j], want[i][j]);
    }
  });

  it('Jacobian shapes: [...outShape, ...inShape], pytrees output-outside/input-inside', () => {
    const f = (x: w.Tensor) => w.matmul(x, w.tensor([[1, 2, 3], [4, 5, 6]]));   // [2,2]·[2,3] → [2,3]
    const x = [[1, 2], [3, 4]];
    const Jf = w.jacobian(f, { mode: 'forward' })(x) as w.Tensor;
    const Jr = w.jacobian(f, { mode: 'reverse' })(x) as w.Tensor;
    expect(Jf.shape).toEqual([2, 3, 2, 2]);
    expect(Jr.toArray()).toEqual(Jf.toArray());
    // ∂y[i,j]/∂x[k,l] = [i = k]·B[l, j]
    expect((Jf.toArray() as number[][][][])[1][2][1][0]).toBe(3);
    const g = (p: { a: w.Tensor; b: w.Tensor }) => ({ s: w.sum(w.mul(p.a, p.b)), t: w.mul(p.a, 2) });
    const J = w.jacobian(g)({ a: [1, 2], b: [3, 4] });
    expect(arr(J.s.a)).toEqual([3, 4]);
    expect(arr(J.t.a)).toEqual([[2, 0], [0, 2]]);
    expect(arr(J.t.b)).toEqual([[0, 0], [0, 0]]);
    expect(w.jacobian(w.sin)(0)).toBe(1);
  });

  it('Hessian of a loss that contains logsumexp (stable at large inputs)', () => {
    const x = [1000, 1001, 999];
    const H = arr(w.hessian((v: w.Tensor) => w.logsumexp(v))(x));
    const m = Math.max(...x), e = x.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b), p = e.map((v) => v / s);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) close(H[i][j], (i === j ? p[i] : 0) - p[i] * p[j], 1e-14);
  });

  it('nesting: gradient of a function that calls grad; no perturbation confusion', () => {
    // d/dx [x · (d/dy (x·y))] = d/dx x² = 2x — a confused tangent would give x or 3x
    const g = w.grad((x: w.Tensor) => w.mul(x, w.grad((y: w.Tensor) => w.mul(x, y))(1) as w.Tensor));
    close(g(3) as number, 6);
    const h = w.derivative((x: w.Tensor) => w.mul(x, w.derivative((y: w.Tensor) => w.mul(x, y))(2) as w.Tensor));
    close(h(5), 10);
  });

  it('a dense Hessian of extended Rosenbrock (n = 50) matches the analytic tridiagonal one', () => {
    const n = 50;
    const f = (x: w.Tensor) => {
      const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
      return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
    };
    const x = Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i));
    const H = arr(w.hessian(f)(x)) as number[][];
    for (let i = 0; i < n; i++) {
      let d = 0;
      if (i < n - 1) d += 1200 * x[i] ** 2 - 400 * x[i + 1] + 2;
      if (i > 0) d += 200;
      close(H[i][i], d, 1e-12);
      if (i < n - 1) { close(H[i][i + 1], -400 * x[i], 1e-12); close(H[i + 1][i], -400 * x[i], 1e-12); }
      if (i < n - 2) expect(H[i][i + 2]).toBe(0);
    }
  });

  it('bad input: derivative of non-scalars and mismatched tangents → ERR_SHAPE', () => {
    expect(() => w.derivative(w.sin)([1, 2])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringMatching(/jacobian|jvp/) }));
    expect(() => w.derivative((x: w.Tensor) => w.stack([x, x]))(1)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringMatching(/jacobian|jvp/) }));
    expect(() => w.jvp(w.sin, [[1, 2]], [[1, 2, 3]])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringMatching(/f64\[2\].*f64\[3\]/) }));
    expect(() => w.jvp((p: any) => p.a, [{ a: 1, b: 2 }], [{ a: 1 }])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => w.jacobian(w.sin, { mode: 'sideways' as any })).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
  });
});
