// Fused elementwise chains (planner output) run natively tile by tile: random chains over shapes
// larger and smaller than a tile, scalar operands, several results, at every SIMD level.
import { it, expect, afterAll } from 'vitest';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { interpret } from '../../src/backends/ts.js';
import { NativeProgram } from '../../src/backends/native/program.js';
import { describeNative, rng, closeArrays } from './support.js';

const UN = [w.sin, w.exp, w.tanh, w.neg, w.square, w.sigmoid, w.abs, w.relu] as ((x: w.Tensor) => w.Tensor)[];
const BIN = [w.add, w.sub, w.mul, w.maximum, w.minimum, w.div] as ((a: w.Tensor, b: w.Tensor) => w.Tensor)[];

function chain(seed: number, len: number) {
  return (x: w.Tensor, y: w.Tensor, s: w.Tensor) => {
    const rand = rng(seed);
    const regs = [x, y, s];
    const pick = () => regs[Math.floor(rand() * regs.length)];
    for (let i = 0; i < len; i++) {
      const r = rand();
      if (r < 0.35) regs.push(UN[Math.floor(rand() * UN.length)](pick()));
      else if (r < 0.9) regs.push(BIN[Math.floor(rand() * BIN.length)](pick(), pick()));
      else regs.push(w.where(w.greater(pick(), 0), pick(), pick()));
    }
    // several results: the last value and two intermediates read by a reduction
    const last = regs[regs.length - 1];
    return w.add(w.add(w.sum(w.tanh(last)), w.sum(regs[3 + Math.floor(len / 2)])), w.max(regs[4]));
  };
}

describeNative('fused chains run natively', (addon) => {
  const initial = addon.simdInfo().level;
  afterAll(() => { addon.setSimd(initial); });
  for (const n of [3, 511, 512, 1500]) {
    it(`random chains over ${n} values, value and gradient, every SIMD level`, () => {
      for (const level of addon.simdInfo().supported) {
        addon.setSimd(level);
        for (let seed = 1; seed <= 6; seed++) {
          const rand = rng(seed * 31 + n);
          const args = [w.tensor(Float64Array.from({ length: n }, () => rand() * 2 - 1)), w.tensor(Float64Array.from({ length: n }, () => rand() * 2 - 1)), w.tensor(0.7)];
          const tr = traceFunction(chain(seed, 12 + seed * 3), args, 'fused');
          for (const g of [tr.graph, vjpGraph(tr.graph, [0, 1, 2], tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null)))]) {
            const p = new NativeProgram(addon, g);
            expect(p.planned.eqns.some((e) => e.op.name === 'fused'), 'the planner fused nothing').toBe(true);
            const ins = tr.inputs.map((t: w.Tensor) => t._data!);
            const want = interpret(g, ins), got = p.run(ins);
            want.forEach((a, k) => expect(closeArrays(a, got[k], 1e-12, 1e-13), `${level} seed ${seed} output ${k}`).toBeNull());
          }
        }
      }
    });
  }
});
