// The fast path of small compiled programs (src/program/quick.ts): valueAndGrad, grad and
// valueAndGradInto of a Program with Float64Array arguments give the general path's values (and
// the analytic ones), count their calls, keep tiering, and leave every check to the general path:
// wrong arguments, a disposed Program, guards, the 'check' backend, calls inside a transformation.
import { describe, it, expect } from 'vitest';
import * as w from '../src/index.js';
import { backendRuns } from '../src/backends/index.js';
import { describeBackends } from './support/backends.js';

const rosen2 = (v: w.Tensor) => {
  const x = w.at(v, 0), y = w.at(v, 1);
  return w.add(w.square(w.sub(1, x)), w.mul(100, w.square(w.sub(y, w.square(x)))));
};
/** the analytic value and gradient */
const exact = (x: number, y: number): [number, number[]] => {
  const t = y - x * x;
  return [(1 - x) ** 2 + 100 * t * t, [-2 * (1 - x) - 400 * x * t, 200 * t]];
};
const points = [[-1.2, 1], [0.3, -0.7], [1, 1], [2.5, 6.1]];

describeBackends('small compiled programs, called repeatedly', (backend) => {
  it('valueAndGrad, grad and valueAndGradInto give the analytic values and fresh arrays', () => {
    const p = w.compile(rosen2, new Float64Array([0, 0]));
    const g = new Float64Array(2);
    for (let r = 0; r < 3; r++) {
      for (const [x, y] of points) {
        const v = new Float64Array([x, y]);
        const [want, dw] = exact(x, y);
        const [val, grad] = p.valueAndGrad(v) as [number, Float64Array];
        expect(val).toBeCloseTo(want, 10);
        expect(grad[0]).toBeCloseTo(dw[0], 9);
        expect(grad[1]).toBeCloseTo(dw[1], 9);
        const again = p.grad(v) as Float64Array;
        expect(again).not.toBe(grad);  // a fresh array each call
        expect(Array.from(again)).toEqual(Array.from(grad));
        expect(p.valueAndGradInto(g, v)).toBe(val);
        expect(Array.from(g)).toEqual(Array.from(grad));
      }
    }
    expect(p.stats.calls).toBe(3 * points.length * 3);
    expect(p.stats.backend).toBe(backend);
  });

  it('arguments the general path refuses are refused the same way, and change nothing', () => {
    const p = w.compile(rosen2, new Float64Array([0, 0]));
    const v = new Float64Array([0.5, 0.5]);
    const [v0, g0] = p.valueAndGrad(v) as [number, Float64Array];
    expect(() => p.valueAndGrad(new Float64Array(3))).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
    expect(() => p.valueAndGrad(v, v as never)).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
    expect(() => p.valueAndGradInto(new Float64Array(3), v)).toThrow(expect.objectContaining({ code: 'ERR_SIGNATURE' }));
    // other leaf types still work (the general path)
    const [v1, g1] = p.valueAndGrad([0.5, 0.5] as never) as [number, Float64Array];
    expect(v1).toBe(v0);
    expect(Array.from(g1)).toEqual(Array.from(g0));
    p.dispose();
    expect(() => p.valueAndGrad(v)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
    expect(() => p.valueAndGradInto(new Float64Array(2), v)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
  });

  it('guarded programs keep checking their guards (a branch taken on the other side records again)', () => {
    const f = (v: w.Tensor) => {
      const x = w.at(v, 0);
      return x.item() > 0 ? w.square(x) : w.mul(w.neg(x), 3);
    };
    const p = w.compile(f, new Float64Array([1, 0]));
    expect(p.valueAndGrad(new Float64Array([2, 0]))[0]).toBe(4);
    const [v, g] = p.valueAndGrad(new Float64Array([-2, 0])) as [number, Float64Array];
    expect(v).toBe(6);
    expect(g[0]).toBe(-3);
    expect(p.stats.paths).toBeGreaterThanOrEqual(2);
    expect(p.valueAndGrad(new Float64Array([3, 0]))[0]).toBe(9);
  });

  it('inside a transformation the value stays a tensor (as from the general path)', () => {
    const p = w.compile(rosen2, new Float64Array([0, 0]));
    p.valueAndGrad(new Float64Array([0.1, 0.2]));
    const outer = w.grad((s: w.Tensor) => {
      const [val] = p.valueAndGrad(new Float64Array([0.1, 0.2])) as unknown as [w.Tensor];
      expect(val).toBeInstanceOf(w.Tensor);
      return w.mul(s, val);
    });
    expect(outer(w.tensor(1)).item()).toBeCloseTo(exact(0.1, 0.2)[0], 12);
  });
});

describe('the fast path on the native backend', () => {
  const d = w.nativeInfo().available ? it : it.skip;
  d('runs natively, counts as a native run, and the check backend still compares', () => {
    w.setBackend('native', { codegen: 'off' });
    const p = w.compile(rosen2, new Float64Array([0, 0]));
    const v = new Float64Array([-1.2, 1]);
    p.valueAndGrad(v);
    const before = backendRuns().native;
    for (let k = 0; k < 10; k++) p.valueAndGrad(v);
    expect(backendRuns().native - before).toBe(10);
    expect(p.stats.tier).toBe('interpreter');
    w.setBackend('check');
    const [val, g] = p.valueAndGrad(v) as [number, Float64Array];
    expect(val).toBeCloseTo(24.2, 12);
    expect(g[0]).toBeCloseTo(-215.6, 10);
    w.setBackend('ts');
  });
});
