// A recording's equations and shapes live in typed arrays (core/tape.ts) until a reader asks for
// g.eqns / g.shapes: the typed accessors and the materialized lists must tell the same program.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { withOutputs } from '../src/core/graph.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const f = (x: T) => {
  let y = x;
  for (let i = 0; i < 5; i++) y = w.add(w.mul(y, 0.5), w.slice(x, [i], [i + 1]).reshape([]));
  return w.sum(w.mul(y, x));
};

it('typed accessors, g.eqns and g.shapes describe the same program', () => {
  const g = traceFunction(f, [Float64Array.of(1, 2, 3, 4, 5)], 'test').graph;
  const n = g.neqns, nv = g.nvars;
  const typed = Array.from({ length: n }, (_, k) => ({
    op: g.tape.op(k).name, ins: Array.from({ length: g.tape.nIns(k) }, (_, o) => g.tape.in(k, o)), out: g.tape.out(k), attrs: g.tape.attrs(k),
  }));
  const shapes = Array.from({ length: nv }, (_, v) => [...g.shapeOf(v)]);
  expect(typed.filter((e) => e.op === 'slice').map((e) => e.attrs)).toEqual([0, 1, 2, 3, 4].map((i) => ({ begin: [i], end: [i + 1] })));
  // materialized: the same equations and shapes, and the accessors still agree
  expect(g.eqns.map((e) => ({ op: e.op.name, ins: [...e.ins], out: e.out, attrs: e.attrs }))).toEqual(typed);
  expect(g.shapes.map((s) => [...s])).toEqual(shapes);
  expect([g.neqns, g.nvars]).toEqual([n, nv]);
  expect(g.tape.eqn(3)).toBe(g.eqns[3]);
  expect(g.shapeOf(nv - 1)).toBe(g.shapes[nv - 1]);
});

it('a copy sharing the store sees materialization and appends made through either graph', () => {
  const g = traceFunction(f, [Float64Array.of(1, 2, 3, 4, 5)], 'test').graph;
  const c = withOutputs(g, [g.outputs[0]]);
  expect(c.eqns).toBe(g.eqns);
  const e = g.eqns[0];
  g.eqns.push({ ...e, out: g.newVar([]) });
  expect([c.neqns, c.nvars]).toEqual([g.neqns, g.nvars]);
  // assigning lists replaces the store of that graph only
  c.eqns = g.eqns.slice(0, 2);
  expect([c.neqns, g.neqns]).toEqual([2, g.eqns.length]);
});

describeBackends('a recording kept as typed arrays', () => {
  it('values read while recording come from the typed store (the same value as the program, rolled or not)', () => {
    const x = Float64Array.of(1, 2, 3, 4, 5);
    let seen = NaN;
    const g = (v: T) => { const y = f(v); seen = y.item(); return y; };
    const p = w.compile(g, x);
    expect(p.value(x).item()).toBe(seen);
    expect(seen).toBe(f(w.tensor(x)).item());
    // d/dx Σ y·x by finite differences in float64 against the compiled gradient
    const [, grad] = p.valueAndGrad(x);
    const h = 1e-6, fd = Array.from(x, (_, i) => {
      const up = x.slice(), dn = x.slice(); up[i] += h; dn[i] -= h;
      return (f(w.tensor(up)).item() - f(w.tensor(dn)).item()) / (2 * h);
    });
    Array.from(grad as Float64Array).forEach((d, i) => expect(d).toBeCloseTo(fd[i], 6));
  });
});
