import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

describeBackends('smoke', () => {
  it('gradient of 2-D Rosenbrock at (-1.2, 1)', () => {
    const rosen = (x: w.Tensor) => { const a = w.at(x, 0), b = w.at(x, 1); return w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))); };
    const g = w.grad(rosen)([-1.2, 1]) as number[];
    expect(g[0]).toBeCloseTo(-215.6, 10);
    expect(g[1]).toBeCloseTo(-88, 10);
  });
});
