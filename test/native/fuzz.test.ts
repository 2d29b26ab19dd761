// The addon trusts nothing: ≥ 10,000 randomly corrupted encodings (wrong op ids, out-of-range
// operands, wrong lengths, NaN shapes, truncated and detached buffers, wrong typed-array types)
// each come back as an error value, the process survives, and valid programs still run right.
import { it, expect } from 'vitest';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { interpret } from '../../src/backends/ts.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import type { Graph } from '../../src/core/graph.js';
import { sizeOf } from '../../src/core/shape.js';
import type { Addon } from '../../src/backends/native/loader.js';
import { describeNative, rng, closeArrays, rawProgram } from './support.js';

type Fn = (...xs: w.Tensor[]) => w.Tensor;
const FNS: [Fn, number[][]][] = [
  [(x) => w.sum(w.mul(w.sin(x), w.exp(x))), [[7]]],
  [(x, y) => w.sum(w.tanh(w.add(w.matmul(x, y), 1))), [[3, 4], [4, 5]]],
  [(x) => w.max(w.transpose(w.reshape(x, [2, 6]), [1, 0]), 0).sum(), [[12]]],
  [(x) => w.sum(w.gather(w.concat([x, w.square(x)], 0), w.tensor([0, 3, 5]), 0)), [[4, 2]]],
  [(a, b) => w.mul(w.add(a, b), w.sub(a, b)), [[], []]],
  [(x) => w.sum(w.where(w.greater(x, 0), w.slice(w.concat([x, x], 0), [1], [21]), 0)), [[20]]],
];

function gradGraph(f: Fn, shapes: number[][]): { g: Graph; inputs: Float64Array[] } {
  const rand = rng(17);
  const args = shapes.map((s) => w.tensor(Float64Array.from({ length: sizeOf(s) }, () => rand() * 2 - 1), s));
  const tr = traceFunction((...xs: w.Tensor[]) => f(...xs), args, 'fuzz');
  const wrt = args.map((_, i) => i);
  const g = sizeOf(tr.graph.shapes[tr.graph.outputs[0]]) === 1 ? vjpGraph(tr.graph, wrt, tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null))) : tr.graph;
  return { g, inputs: tr.inputs.map((t: w.Tensor) => t._data!) };
}

const INTERESTING = [-1, 0, 1, 2, 3, 7, 255, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 30, -2, 54, 1000];

function mutate(enc: Int32Array, rand: () => number): Int32Array {
  const e = enc.slice();
  const kind = Math.floor(rand() * 6);
  const pos = () => Math.floor(rand() * e.length);
  if (kind === 0) { e[pos()] = INTERESTING[Math.floor(rand() * INTERESTING.length)]; return e; }
  if (kind === 1) { const p = pos(); e[p] += rand() < 0.5 ? 1 : -1; return e; }
  if (kind === 2) { e[pos()] = (rand() * 2 ** 32) | 0; return e; }
  if (kind === 3) return e.slice(0, pos());
  if (kind === 4) { const x = new Int32Array(e.length + 1 + Math.floor(rand() * 4)); x.set(e); return x; }
  const a = pos(), b = pos(); [e[a], e[b]] = [e[b], e[a]]; e[pos()] = NaN; return e;  // NaN → 0 in an Int32Array
}

function tryProgram(addon: Addon, enc: unknown, consts: unknown, inputs: Float64Array[], outSizes: number[]): 'error' | 'ran' | 'run-error' {
  const p = rawProgram(addon, enc, consts);
  const err = p.error();
  if (err) {
    expect(err.status).toBeGreaterThan(0);
    expect(typeof err.message).toBe('string');
    return 'error';
  }
  if (p.info().memoryBytes > 1e8) { p.dispose(); return 'ran'; }
  const st = p.run(inputs, outSizes.map((n) => new Float64Array(n)));
  p.dispose();
  return st === 0 ? 'ran' : 'run-error';
}

describeNative('corrupted encodings never crash the addon', (addon) => {
  const programs = FNS.map(([f, s]) => {
    const { g, inputs } = gradGraph(f, s);
    const { enc, consts } = encodeGraph(g);
    return { g, inputs, enc, consts, outSizes: g.outputs.map((v) => sizeOf(g.shapes[v])) };
  });

  it('valid encodings run and match the TS interpreter', () => {
    for (const p of programs) {
      const prog = rawProgram(addon, p.enc, p.consts);
      expect(prog.error()).toBeNull();
      const outs = p.outSizes.map((n) => new Float64Array(n));
      expect(prog.run(p.inputs, outs)).toBe(0);
      interpret(p.g, p.inputs).forEach((want, k) => expect(closeArrays(want, outs[k], 1e-12, 1e-14)).toBeNull());
    }
  });

  it('12,000 corrupted encodings return errors, never crash', () => {
    const rand = rng(2024);
    let errors = 0, ran = 0;
    for (let i = 0; i < 12000; i++) {
      const p = programs[i % programs.length];
      const enc = mutate(p.enc, rand);
      const consts = rand() < 0.1 ? p.consts.slice(0, Math.floor(rand() * p.consts.length)) : p.consts;
      const r = tryProgram(addon, enc, consts, p.inputs, p.outSizes);
      if (r === 'ran') ran++; else errors++;
    }
    // a mutation may leave a valid program (a changed constant id pointing to an equal shape, a
    // swapped pair of equal words): those must run; everything else must be refused
    expect(errors).toBeGreaterThanOrEqual(10000);
    expect(ran).toBeLessThan(2000);
  });

  it('wrong types, detached and mismatched buffers are refused', () => {
    const p = programs[1];
    const detached = () => { const a = p.enc.slice(); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
    const detachedConsts = () => { const a = new Float64Array(p.consts); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
    const bad: [unknown, unknown][] = [
      [Float64Array.from(p.enc), p.consts], [p.enc, Int32Array.from(p.consts)], [new Uint8Array(p.enc.buffer), p.consts],
      [Array.from(p.enc), p.consts], [undefined, p.consts], [p.enc, undefined], [null, null], [42, 'x'], [{}, []],
      [detached(), p.consts], [p.enc, detachedConsts()], [new Int32Array(0), new Float64Array(0)],
      [new Int32Array(p.enc.buffer, 4), p.consts], [Float64Array.from(p.enc, (x, i) => (i === 12 ? NaN : x)), p.consts],
    ];
    for (const [e, c] of bad) expect(tryProgram(addon, e, c, p.inputs, p.outSizes)).not.toBe('ran');
    // NaN shapes: a NaN stored into the encoding reads as 0 and no longer fits the op's shape rule
    for (let k = 10; k < 40; k++) {
      const e = p.enc.slice(); e[k] = NaN;
      tryProgram(addon, e, p.consts, p.inputs, p.outSizes);
    }
  });

  it('run() refuses wrong inputs and outputs, then still runs correctly', () => {
    const p = programs[1];
    const prog = rawProgram(addon, p.enc, p.consts);
    const outs = () => p.outSizes.map((n) => new Float64Array(n));
    const ins = p.inputs;
    const detachedIn = () => { const a = new Float64Array(ins[0]); structuredClone(a.buffer, { transfer: [a.buffer] }); return a; };
    const shared = new Float64Array(ins[0].length + 100);
    const bad: [unknown, unknown][] = [
      [ins.slice(1), outs()], [[...ins, ins[0]], outs()], [ins, outs().slice(1)], [[Float32Array.from(ins[0]), ...ins.slice(1)], outs()],
      [[ins[0].subarray(1), ...ins.slice(1)], outs()], [[detachedIn(), ...ins.slice(1)], outs()], [ins, [new Float64Array(2), ...outs().slice(1)]], [ins, [outs()[0], new Float64Array(3), ...outs().slice(2)]],
      [undefined, outs()], [ins, null], [ins.map(() => 'x'), outs()], [[...ins], outs().map((o, k) => (k === 0 ? ins[0] : o))],
      [[shared.subarray(0, ins[0].length), ...ins.slice(1)], outs().map((o, k) => (k === 1 ? shared.subarray(2, 2 + o.length) : o))],
      [new Proxy(ins, { get: (t, k) => { if (k === '0') throw new Error('boom'); return Reflect.get(t, k); } }), outs()],
    ];
    for (const [n, [i, o]] of bad.entries()) {
      expect(prog.run(i as Float64Array[], o as Float64Array[]), `case ${n}`).not.toBe(0);
      expect(prog.error()!.message.length).toBeGreaterThan(0);
    }
    const o = outs();
    expect(prog.run(ins, o)).toBe(0);
    interpret(p.g, ins).forEach((want, k) => expect(closeArrays(want, o[k], 1e-12, 1e-14)).toBeNull());
    prog.dispose();
    expect(prog.run(ins, outs())).not.toBe(0);
  });

  it('gather indices are checked at run time (integer, in range)', () => {
    const { g } = gradGraph((x) => w.sum(w.gather(x, w.tensor([0, 2]), 0)), [[3]]);
    const prog = rawProgram(addon, encodeGraph(g).enc, encodeGraph(g).consts);
    expect(prog.error()).toBeNull();
    const { g: g2, inputs } = gradGraph((x, i) => w.sum(w.gather(x, i, 0)), [[3], [2]]);
    expect(g2.inputs.length).toBeGreaterThan(0);
    const p2 = rawProgram(addon, encodeGraph(g2).enc, encodeGraph(g2).consts);
    for (const bad of [[0, 3], [-1, 0], [0.5, 1], [NaN, 0], [Infinity, 0]]) {
      const outs = g2.outputs.map((v) => new Float64Array(sizeOf(g2.shapes[v])));
      expect(p2.run([inputs[0], Float64Array.from(bad)], outs)).toBe(10);
      expect(p2.error()!.message).toMatch(/expected integer indices in \[0, 3\)/);
    }
  });
});
