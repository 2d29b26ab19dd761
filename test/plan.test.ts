// Planning passes that change how a program runs, never what it computes: custom calls inlined,
// graphs cut around opaque (JS) equations.
import { describe, it, expect } from 'vitest';
import * as w from '../src/index.js';
import { inlineCalls } from '../src/plan/inline.js';
import { segment, runSegments } from '../src/plan/segments.js';
import { interpret } from '../src/backends/ts.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';

const gradGraph = (f: (...a: any[]) => unknown, ...args: unknown[]) => {
  const tr = traceFunction(f, args, 'test');
  return { g: vjpGraph(tr.graph, [0], ['ones']), inputs: tr.inputs.map((t) => t._data!) };
};

describe('planning: inlined custom calls and opaque segments', () => {
  const softplus = w.customVjp((x: w.Tensor) => w.log1p(w.exp(x)), { vjp: (g, { inputs: [x] }) => [w.mul(g, w.sigmoid(x as w.Tensor))] });
  const same = w.customVjp((x: w.Tensor) => x, { vjp: (g) => [w.mul(g, 3)] });
  const sq = w.opaque((x) => x.map((v) => v * v), { name: 'sq', shape: (s) => s, vjp: (g, { inputs: [x] }) => [w.mul(g, w.mul(x as w.Tensor, 2))] });

  it('customCall bodies are inlined (no customCall left), values unchanged', () => {
    const { g, inputs } = gradGraph((x: w.Tensor) => w.sum(w.mul(softplus(x), same(x))), [0.5, -1, 2]);
    expect(g.eqns.some((e) => e.op.name === 'customCall')).toBe(true);
    const p = inlineCalls(g);
    expect(p.eqns.some((e) => e.op.name === 'customCall')).toBe(false);
    expect(interpret(p, inputs).map((x) => Array.from(x))).toEqual(interpret(g, inputs).map((x) => Array.from(x)));
  });

  it('a graph with opaque equations runs as native stretches around JS equations, same values', () => {
    const f = (x: w.Tensor) => w.sum(w.mul(w.sin(sq(w.exp(x))), sq(x)));
    const { g, inputs } = gradGraph(f, [0.3, -0.2, 1.1]);
    const segs = segment(g, (e) => e.op.name === 'opaque');
    expect(segs.filter((s) => s.kind === 'js').length).toBe(2);
    expect(segs.filter((s) => s.kind === 'native').length).toBeGreaterThanOrEqual(2);
    const got = runSegments(g, segs, inputs, (sub, ins) => interpret(sub, ins));
    expect(got.map((x) => Array.from(x))).toEqual(interpret(g, inputs).map((x) => Array.from(x)));
  });
});

describe('planning: common subexpressions', () => {
  it('equal equations are computed once; values unchanged; opaque calls are kept', async () => {
    const { cse } = await import('../src/plan/cse.js');
    let calls = 0;
    const id = w.opaque((x) => { calls++; return x; }, { shape: (s) => s, vjp: (g) => [g] });
    const f = (x: w.Tensor) => w.add(w.sum(w.mul(w.sin(x), w.sin(x))), w.sum(w.add(id(x), id(x))));
    const { g, inputs } = gradGraph(f, [0.3, 1.2]);
    const c = cse(g);
    const sins = (h: typeof g) => h.eqns.filter((e) => e.op.name === 'sin').length;
    expect(sins(c)).toBeLessThan(sins(g));
    expect(c.eqns.filter((e) => e.op.name === 'opaque').length).toBe(g.eqns.filter((e) => e.op.name === 'opaque').length);
    const want = interpret(g, inputs).map((x) => Array.from(x));
    calls = 0;
    expect(interpret(c, inputs).map((x) => Array.from(x))).toEqual(want);
    expect(calls).toBe(2);
  });
});

describe('opaque functions on the native backend', () => {
  it.skipIf(!w.nativeInfo().available)('run between native stretches (not a TS fallback), same values as TS', async () => {
    const { backendRuns } = await import('../src/backends/index.js');
    let calls = 0;
    const cube = w.opaque((x) => { calls++; return x.map((v) => v * v * v); }, { shape: (s) => s, vjp: (g, { inputs: [x] }) => [w.mul(g, w.mul(3, w.square(x as w.Tensor)))] });
    const f = (x: w.Tensor) => w.sum(w.mul(w.exp(cube(w.sin(x))), x));
    const x = [0.2, -0.7, 1.3, 0.05];
    w.setBackend('ts');
    const want = w.compile(f, x).valueAndGrad(x);
    w.setBackend('native');
    try {
      const p = w.compile(f, x);
      const before = backendRuns();
      calls = 0;
      const got = p.valueAndGrad(x);
      const after = backendRuns();
      expect(after.native).toBeGreaterThan(before.native);
      expect(after.ts).toBe(before.ts);
      expect(calls).toBe(1);
      expect(got[0]).toBeCloseTo(want[0] as number, 13);
      (got[1] as number[]).forEach((g, i) => expect(g).toBeCloseTo((want[1] as number[])[i], 13));
      w.setBackend('check');
      p.valueAndGrad(x);   // compared against the TS interpreter
    } finally {
      w.setBackend('ts');
    }
  });
});

describe('large constants on the native backend', () => {
  it.skipIf(!w.nativeInfo().available)('are read in place, not copied into the program (same values as TS)', () => {
    const X = w.tensor(Float64Array.from({ length: 20000 * 10 }, (_, i) => Math.sin(i)), [20000, 10]);
    const f = (v: w.Tensor) => w.mean(w.softplus(w.matmul(X, v)));
    const v0 = Float64Array.from({ length: 10 }, (_, i) => 0.1 * Math.cos(i));
    w.setBackend('ts');
    const want = w.compile(f, v0).valueAndGrad(v0) as [number, Float64Array];
    w.setBackend('native');
    try {
      const p = w.compile(f, v0);
      const got = p.valueAndGrad(v0) as [number, Float64Array];
      expect(got[0]).toBeCloseTo(want[0], 13);
      got[1].forEach((g, i) => expect(g).toBeCloseTo(want[1][i], 13));
      // X is 1.6 MB; the program's own memory (arena) must not hold a copy of it
      expect(p.stats.memoryBytes).toBeLessThan(1.6e6 + 1.3e6);
      w.setBackend('check');
      p.valueAndGrad(v0);
    } finally {
      w.setBackend('ts');
    }
  });
});
