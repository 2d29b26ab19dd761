// Fusion planning (src/program/fuse.ts): a planned graph computes exactly what the unplanned
// graph computes (same scalar formulas, so bit for bit), in fewer passes.
import { describe, it, expect } from 'vitest';
import * as w from '../src/index.js';
import { fuse } from '../src/plan/fuse.js';
import { tsPlan } from '../src/plan/plan.js';
import { interpret } from '../src/backends/ts.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import type { Graph } from '../src/core/graph.js';

const gradGraph = (f: (...a: any[]) => unknown, ...args: unknown[]): { g: Graph; inputs: Float64Array[] } => {
  const tr = traceFunction(f, args, 'test');
  const g = vjpGraph(tr.graph, [0], ['ones']);
  return { g, inputs: tr.inputs.map((t) => t._data!) };
};
const count = (g: Graph, name: string) => g.eqns.filter((e) => e.op.name === name).length;
const bits = (xs: Float64Array[]) => xs.map((x) => Array.from(x));

describe('fusion planning', () => {
  it('W1-style Rosenbrock: forward and backward elementwise work becomes one loop, results bit-identical', () => {
    const n = 1000;
    const x = Float64Array.from({ length: n }, (_, i) => 0.5 + 0.4 * Math.sin(i));
    const f = (v: w.Tensor) => {
      const a = w.slice(v, [0], [n - 1]), b = w.slice(v, [1], [n]);
      return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
    };
    const { g, inputs } = gradGraph(f, x);
    const p = fuse(g);
    expect(count(p, 'fused')).toBe(1);
    expect(p.eqns.length).toBeLessThan(g.eqns.length);
    expect(bits(interpret(p, inputs))).toEqual(bits(interpret(g, inputs)));
  });

  it('a group value needed by a reduction that the group itself needs later is materialized first (no cycle)', () => {
    // a = x·2; s = Σa; b = a·s  — b needs s, which needs a: two loops, in order
    const f = (x: w.Tensor) => { const a = w.mul(x, 2); return w.sum(w.mul(w.exp(a), w.sum(a))); };
    const { g, inputs } = gradGraph(f, [0.1, -0.2, 0.3]);
    const p = fuse(g);
    expect(bits(interpret(p, inputs))).toEqual(bits(interpret(g, inputs)));
    const want = (w.grad(f)([0.1, -0.2, 0.3]) as number[]);
    const s = 2 * (0.1 - 0.2 + 0.3), E = [0.2, -0.4, 0.6].map(Math.exp).reduce((a, b) => a + b);
    [0.1, -0.2, 0.3].forEach((xi, i) => expect(want[i]).toBeCloseTo(2 * Math.exp(2 * xi) * s + 2 * E, 12));
  });

  it('random elementwise chains with scalars and shared intermediates agree bit for bit', () => {
    const unary = [w.sin, w.exp, w.tanh, w.square, w.sigmoid, w.abs, w.softplus];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let trial = 0; trial < 30; trial++) {
      const ops = Array.from({ length: 12 }, () => Math.floor(rnd() * 10));
      const f = (x: w.Tensor, y: w.Tensor) => {
        const vals: w.Tensor[] = [x, y];
        for (const o of ops) {
          const a = vals[Math.floor(rnd() * vals.length)], b = vals[Math.floor(rnd() * vals.length)];
          vals.push(o < 7 ? unary[o](a) : o === 7 ? w.add(a, b) : o === 8 ? w.mul(a, 0.5) : w.maximum(a, b));
        }
        return w.sum(vals[vals.length - 1]);
      };
      seed = 1000 + trial;
      const { g, inputs } = gradGraph(f, [0.3, -1.2, 2], [1.5, 0.2, -0.7]);
      seed = 1000 + trial;
      expect(bits(interpret(fuse(g), inputs))).toEqual(bits(interpret(g, inputs)));
    }
  });

  it('transposes feeding matmul are read in place (matmulT), results bit-identical', () => {
    const f = (W: w.Tensor, X: w.Tensor) => w.sum(w.tanh(w.matmul(w.tanh(w.matmul(X, W)), w.transpose(W))));
    const W = Array.from({ length: 4 }, (_, i) => Array.from({ length: 3 }, (_, j) => Math.sin(i * 3 + j)));
    const X = Array.from({ length: 5 }, (_, i) => Array.from({ length: 4 }, (_, j) => Math.cos(i * 4 + j)));
    const { g, inputs } = gradGraph(f, W, X);
    const p = tsPlan(g);
    expect(count(p, 'matmulT')).toBeGreaterThan(0);
    expect(count(p, 'transpose')).toBeLessThan(count(g, 'transpose'));
    expect(bits(interpret(p, inputs))).toEqual(bits(interpret(g, inputs)));
    // matrix·vector fast path
    const v = gradGraph((x: w.Tensor, A: w.Tensor) => w.sum(w.matmul(A, x)), [1, 2, 3], X.map((r) => r.slice(0, 3)));
    expect(bits(interpret(tsPlan(v.g), v.inputs))).toEqual(bits(interpret(v.g, v.inputs)));
  });

  it('outputs never alias caller-owned input arrays', () => {
    const p = w.compile((x: w.Tensor) => w.reshape(w.slice(x, [1], [3]), [2]), new Float64Array([1, 2, 3]));
    const x = new Float64Array([1, 2, 3]);
    const y = p.value(x) as w.Tensor;
    x[1] = 99;
    expect(Array.from(y.data())).toEqual([2, 3]);
  });
});
