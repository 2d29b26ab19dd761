// Fusion of broadcast operands (read in place by index arithmetic) and of sums over all axes (the
// chain's epilogue, in the canonical order of `sum`): the planned graph gives the unplanned
// graph's bits on the TS kernels, the native backend gives the TS backend's bits, and the
// compiled tier the interpreter's (test/codegen.test.ts compares the tiers).
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { fuse } from '../src/plan/fuse.js';
import { tsPlan } from '../src/plan/plan.js';
import { dropLowerMasks } from '../src/plan/triangles.js';
import { interpret } from '../src/backends/ts.js';
import { runOnBackend } from '../src/backends/index.js';
import { traceFunction } from '../src/transforms/trace-fn.js';
import { vjpGraph } from '../src/transforms/vjp.js';
import type { Graph } from '../src/core/graph.js';
import type { FusedAttrs } from '../src/ops/fused.js';
import { describeBackends } from './support/backends.js';

const gradGraph = (f: (...a: any[]) => unknown, ...args: unknown[]): { g: Graph; inputs: Float64Array[] } => {
  const tr = traceFunction(f, args, 'test');
  const g = vjpGraph(tr.graph, args.map((_, i) => i), ['ones']);
  return { g, inputs: tr.inputs.map((t) => t._data!) };
};
const fusedAttrs = (g: Graph) => g.eqns.filter((e) => e.op.name === 'fused').map((e) => e.attrs as FusedAttrs);
const bits = (xs: Float64Array[]) => xs.map((x) => Array.from(x, (v) => (Object.is(v, -0) ? '-0' : String(v))));
const wave = (n: number, s: number) => Float64Array.from({ length: n }, (_, i) => Math.sin(s * i + 0.3) * (1 + (i % 7)));

/** Σ_ij (a_i·b_j − c_ij)² + Σ (c/10)²·a_i: outer products (broadcast operands) and sums over all axes */
const outer = (a: w.Tensor, b: w.Tensor, c: w.Tensor) => {
  const [m, n] = c.shape;
  const d = w.sub(w.mul(w.reshape(a, [m, 1]), w.reshape(b, [1, n])), c);
  return w.add(w.sum(w.square(d)), w.sum(w.mul(w.square(w.mul(c, 0.1)), w.reshape(a, [m, 1]))));
};

// sizes around the sum's 1024-value blocks and the native tiles of 512 (a row straddles tiles)
const SIZES: [number, number][] = [[1, 2], [3, 5], [7, 146], [32, 32], [33, 31], [50, 41], [100, 41], [37, 300]];

it('planning: broadcast operands are read in place and sums become the chain\'s epilogue, with the unplanned bits', () => {
  for (const [m, n] of SIZES) {
    const { g, inputs } = gradGraph(outer, wave(m, 0.7), wave(n, 1.3), w.tensor(wave(m * n, 0.37), [m, n]));
    const p = fuse(g);
    const attrs = fusedAttrs(p);
    if (m * n > 2) {
      expect(attrs.some((a) => a.broadcastIn?.some((b) => b))).toBe(true);
      expect(attrs.some((a) => (a.sums?.length ?? 0) > 0)).toBe(true);
      expect(p.eqns.filter((e) => e.op.name === 'sum' && (e.attrs as { axes: number[] }).axes.length === 2).length).toBe(0);
    }
    expect(bits(interpret(p, inputs))).toEqual(bits(interpret(g, inputs)));
  }
});

it('a member that needs a sum of its own chain starts a new chain (no cycle)', () => {
  // softmax-like: x − Σx needs the sum of the chain that computes x·2
  const f = (x: w.Tensor) => { const a = w.mul(x, 2); return w.sum(w.exp(w.sub(a, w.sum(a)))); };
  const { g, inputs } = gradGraph(f, wave(3000, 0.01));
  expect(bits(interpret(fuse(g), inputs))).toEqual(bits(interpret(g, inputs)));
});

it('broadcasts over leading and middle axes ([4,1,3] and [5,1] into [4,5,3]) agree bit for bit', () => {
  const f = (a: w.Tensor, b: w.Tensor, c: w.Tensor) => w.sum(w.tanh(w.add(w.mul(a, b), c)));
  const { g, inputs } = gradGraph(f, w.tensor(wave(12, 0.5), [4, 1, 3]), w.tensor(wave(5, 0.9), [5, 1]), w.tensor(wave(60, 0.2), [4, 5, 3]));
  const p = fuse(g);
  expect(fusedAttrs(p).some((a) => a.broadcastIn?.some((b) => b))).toBe(true);
  expect(bits(interpret(p, inputs))).toEqual(bits(interpret(g, inputs)));
});

it('triangle masks whose masked entries only choleskyGrad would read are dropped, with the unplanned bits', () => {
  // a GP-like −log p: the solves' cotangents for L are masked outer products, summed into choleskyGrad
  const n = 40, y = w.tensor(wave(n, 0.9));
  const f = (a: w.Tensor) => {
    const K = w.add(w.matmul(a, w.transpose(a)), w.mul(n, w.tensor(Float64Array.from({ length: n * n }, (_, k) => (k % (n + 1) ? 0 : 1)), [n, n])));
    const L = w.linalg.cholesky(K);
    return w.add(w.dot(y, w.linalg.choleskySolve(L, y)), w.sum(w.log(w.gather(w.reshape(L, [n * n]), w.tensor(Float64Array.from({ length: n }, (_, i) => i * (n + 1)))))));
  };
  const { g, inputs } = gradGraph(f, w.tensor(wave(n * n, 0.31), [n, n]));
  const wheres = (h: Graph) => h.eqns.filter((e) => e.op.name === 'where').length;
  expect(wheres(dropLowerMasks(g))).toBe(wheres(g) - 2);
  expect(bits(interpret(tsPlan(g), inputs))).toEqual(bits(interpret(g, inputs)));
  // a masked value that is also an output keeps its mask
  const h = gradGraph((a: w.Tensor) => w.linalg.triangularSolve(a, y.reshape([n, 1])).sum(), w.tensor(wave(n * n, 0.31), [n, n]));
  expect(wheres(dropLowerMasks(h.g))).toBe(wheres(h.g));
});

describeBackends('fused broadcasts and sums', (backend) => {
  it('value and gradient equal the TS backend\'s bits and the analytic gradient', () => {
    for (const [m, n] of SIZES) {
      const a = wave(m, 0.7), b = wave(n, 1.3), c = wave(m * n, 0.37);
      const { g, inputs } = gradGraph(outer, a, b, w.tensor(c, [m, n]));
      w.setBackend('ts');
      const want = runOnBackend(g, inputs);
      w.setBackend(backend);
      expect(bits(runOnBackend(g, inputs))).toEqual(bits(want));
      // ∂/∂a_i = Σ_j 2(a_i b_j − c_ij) b_j + Σ_j (0.1 c_ij)²
      const p = w.compile(outer, a, b, w.tensor(c, [m, n]));
      const ga = (p.grad(a, b, w.tensor(c, [m, n])) as Float64Array);
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += 2 * (a[i] * b[j] - c[i * n + j]) * b[j] + (0.1 * c[i * n + j]) ** 2;
        expect(ga[i]).toBeCloseTo(s, 9);
      }
    }
  });
});
