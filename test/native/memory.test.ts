// Memory planning: buffers reused by liveness, reshape aliases, 0-d programs in the scalar loop.
import { it, expect } from 'vitest';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { interpret } from '../../src/backends/ts.js';
import { NativeProgram } from '../../src/backends/native/program.js';
import { describeNative, closeArrays } from './support.js';

function program(addon: Parameters<Parameters<typeof describeNative>[1]>[0], f: (x: w.Tensor) => w.Tensor, x: w.Tensor, grad = false) {
  const tr = traceFunction(f, [x], 'memory');
  const g = grad ? vjpGraph(tr.graph, [0], tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null))) : tr.graph;
  const p = new NativeProgram(addon, g);
  const ins = tr.inputs.map((t: w.Tensor) => t._data!);
  interpret(g, ins).forEach((want, k) => expect(closeArrays(want, p.run(ins)[k], 1e-12, 1e-14)).toBeNull());
  return p;
}

describeNative('native memory plan', (addon) => {
  it('a chain of 200 elementwise ops over 10,000 values needs about one buffer, not 200', () => {
    const n = 10_000;
    const x = w.tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i)));
    const p = program(addon, (v) => { let y = v; for (let i = 0; i < 200; i++) y = w.add(w.mul(y, 0.5), v); return w.sum(y); }, x);
    expect(p.info().memoryBytes).toBeLessThanOrEqual(3 * n * 8);
  });

  it('the gradient of that chain stays near its live set too', () => {
    const n = 10_000;
    const x = w.tensor(Float64Array.from({ length: n }, (_, i) => Math.cos(i)));
    const p = program(addon, (v) => { let y = v; for (let i = 0; i < 50; i++) y = w.sin(w.add(y, v)); return w.sum(y); }, x, true);
    // the reverse sweep keeps the 50 forward values (residuals) alive, and little else
    expect(p.info().memoryBytes).toBeLessThanOrEqual(56 * n * 8);
  });

  it('reshape aliases its operand (no copy step)', () => {
    const x = w.tensor(Float64Array.from({ length: 600 }, (_, i) => i / 600));
    const p = program(addon, (v) => w.sum(w.exp(w.reshape(w.reshape(w.sin(v), [20, 30]), [600]))), x);
    // sin, then exp with the sum as its epilogue: the two reshapes cost nothing
    expect(p.info().steps).toBe(2);
  });

  it('contiguous slices are views, of inputs and of intermediates (no copy step)', () => {
    const x = w.tensor(Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i)));
    const p = program(addon, (v) => {
      const a = w.slice(v, [1], [1000]), b = w.slice(v, [0], [999]);
      const m = w.reshape(w.exp(v), [10, 100]);
      return w.add(w.sum(w.mul(a, b)), w.sum(w.slice(m, [3, 0], [5, 100])));
    }, x, true);
    expect(p.planned.eqns.filter((e) => e.op.name === 'slice').length).toBeGreaterThanOrEqual(3);
    const copies = p.planned.eqns.filter((e) => e.op.name === 'slice' || e.op.name === 'pad').length;
    const pads = p.planned.eqns.filter((e) => e.op.name === 'pad').length;
    // every slice above is contiguous: only the pads of the reverse sweep run as steps of their own
    expect(p.info().steps).toBeLessThanOrEqual(p.planned.eqns.length - (copies - pads));
  });

  it('0-d programs run as one tight scalar block with a small arena', () => {
    const x = w.tensor(0.3);
    const p = program(addon, (v) => { let y = v; for (let i = 0; i < 5000; i++) y = w.add(w.mul(y, 0.999), w.mul(v, 0.001)); return y; }, x, true);
    const info = p.info();
    expect(info.steps).toBe(1);
    expect(info.scalarOps).toBeGreaterThan(10_000);
    expect(info.memoryBytes).toBeLessThan(200 * 1024);
  });
});
