// Every registry op, native vs the TS interpreter, on random inputs (broadcasting, 0-d, size-1,
// empty, special values), at every SIMD level this CPU supports.
import { it, expect, beforeAll, afterAll } from 'vitest';
import { REGISTRY } from '../../src/ops/registry.js';
import type { OpDef } from '../../src/ops/op.js';
import type { Shape } from '../../src/core/shape.js';
import { interpret } from '../../src/backends/ts.js';
import { NativeProgram } from '../../src/backends/native/program.js';
import { describeNative, oneOp, rng, fill, closeArrays } from './support.js';

const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2];
const ELEMENTWISE_SHAPES: Shape[][] = [
  [[]], [[1]], [[5]], [[37]], [[3, 4]], [[0]], [[2, 0, 3]], [[1000]],
];
const BINARY_SHAPES: Shape[][] = [
  [[], []], [[1], [1]], [[37], [37]], [[1000], [1000]], [[4], []], [[], [33]], [[3, 1], [1, 4]], [[2, 3, 4], [4]],
  [[2, 3, 4], [3, 1]], [[5, 1, 7], [1, 6, 1]], [[0, 3], [1, 3]], [[1, 1], [3, 1, 1]], [[2, 1, 3, 1, 2], [4, 3, 1, 2]],
];
const TERNARY_SHAPES: Shape[][] = [
  [[], [], []], [[37], [37], [37]], [[3, 4], [4], []], [[3, 1], [], [1, 4]], [[], [5, 2], [2]], [[2, 1, 3], [1, 4, 1], [3]],
  [[0, 2], [2], []],
];

type Case = { op: OpDef; shapes: Shape[]; attrs: unknown; ints?: number[] };

function cases(op: OpDef): Case[] {
  const c = (shapes: Shape[], attrs?: unknown, ints?: number[]): Case => ({ op, shapes, attrs, ints });
  switch (op.family) {
    case 'unary': return ELEMENTWISE_SHAPES.map((s) => c(s));
    case 'binary': return BINARY_SHAPES.map((s) => c(s));
    case 'ternary': return TERNARY_SHAPES.map((s) => c(s));
    case 'reduce': {
      const out: Case[] = [];
      const axesList = [[], [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
      for (const keepDims of [false, true]) {
        for (const axes of axesList) out.push(c([[3, 4, 5]], { axes, keepDims }));
        out.push(c([[]], { axes: [], keepDims }), c([[1000]], { axes: [0], keepDims }), c([[1]], { axes: [0], keepDims }));
        out.push(c([[0, 3]], { axes: [0], keepDims }), c([[3, 0]], { axes: [1], keepDims }), c([[0]], { axes: [0], keepDims }));
        out.push(c([[2, 1, 300]], { axes: [0, 2], keepDims }), c([[600, 3]], { axes: [0], keepDims }), c([[3, 1, 4]], { axes: [1], keepDims }));
      }
      return out;
    }
    case 'matmul': return op.name === 'matmulT'
      ? [[[4, 3], [4, 2], true, false], [[3, 4], [2, 4], false, true], [[2, 4, 3], [2, 5, 4], true, true], [[53, 37], [53, 29], true, false], [[5, 1], [7, 5], true, true], [[6, 5], [1, 5], false, true]]
        .map(([a, b, transA, transB]) => c([a, b] as Shape[], { transA, transB }))
      : [
      [[3, 4], [4, 2]], [[2, 3, 4], [2, 4, 5]], [[1, 5], [5, 7]], [[6, 5], [5, 1]], [[37, 53], [53, 29]], [[0, 3], [3, 2]],
      [[3, 0], [0, 2]], [[1, 1], [1, 1]], [[2, 2, 300], [2, 300, 17]], [[130, 9], [9, 70]], [[1, 300], [300, 1]],
    ].map((s) => c(s as Shape[]));
    case 'gather':
      if (op.name === 'argsort') return [c([[5]]), c([[3, 7]]), c([[2, 3, 100]]), c([[0]]), c([[]]), c([[4, 0]])];
      if (op.name === 'random') {
        return [c([[2]], { shape: [7], dist: 'bits' }, [0]), c([[3, 2]], { shape: [2, 5], dist: 'uniform' }, [0]),
          c([[2]], { shape: [1001], dist: 'normal' }, [0]), c([[2, 1, 2]], { shape: [], dist: 'normal' }, [0]), c([[2]], { shape: [0], dist: 'bits' }, [0])];
      }
      return op.name === 'gather'
      ? [c([[4, 3], [5]], { axis: 0 }, [1]), c([[2, 6, 3], [2, 2]], { axis: 1 }, [1]), c([[7], []], { axis: 0 }, [1]), c([[3, 4], [0]], { axis: 1 }, [1])]
      : [c([[5, 3], [5]], { axis: 0, size: 4 }, [1]), c([[2, 2, 3, 4], [2, 3]], { axis: 1, size: 6 }, [1]), c([[0], [0]], { axis: 0, size: 3 }, [1])];
    case 'layout': return layoutCases(op).map(([s, a]) => c(s, a));
    case 'linalg': return linalgCases(op).map(([s, a]) => c(s, a));
    default: return [];
  }
}

function layoutCases(op: OpDef): [Shape[], unknown][] {
  switch (op.name) {
    case 'reshape': return [[[[2, 3]], { shape: [3, 2] }], [[[6]], { shape: [1, 6, 1] }], [[[]], { shape: [1, 1] }], [[[0, 2]], { shape: [2, 0] }]];
    case 'broadcastTo': return [[[[3, 1]], { shape: [2, 3, 4] }], [[[]], { shape: [2, 2] }], [[[1]], { shape: [1] }], [[[4]], { shape: [0, 4] }], [[[2, 1, 3]], { shape: [2, 5, 3] }]];
    case 'transpose': return [[[[2, 3, 4]], { perm: [2, 0, 1] }], [[[40, 30]], { perm: [1, 0] }], [[[1, 5]], { perm: [1, 0] }], [[[3, 2, 50]], { perm: [0, 2, 1] }], [[[]], { perm: [] }]];
    case 'slice': return [[[[4, 5]], { begin: [1, 0], end: [3, 4] }], [[[10]], { begin: [3], end: [3] }], [[[3, 4, 5]], { begin: [1, 1, 1], end: [2, 2, 2] }], [[[100]], { begin: [1], end: [100] }]];
    case 'pad': return [[[[2, 3]], { before: [1, 0], after: [0, 2] }], [[[0]], { before: [2], after: [1] }], [[[]], { before: [], after: [] }], [[[2, 2, 2]], { before: [0, 1, 0], after: [1, 0, 3] }]];
    case 'part': return [[[[10]], { index: 1, offset: 2, shape: [2, 3] }], [[[7]], { index: 0, offset: 0, shape: [] }], [[[4]], { index: 2, offset: 4, shape: [0] }], [[[1200]], { index: 1, offset: 100, shape: [1000] }]];
    case 'concat': return [[[[2, 3], [1, 3]], { axis: 0 }], [[[2, 1], [2, 2], [2, 3]], { axis: 1 }], [[[0, 2], [3, 2]], { axis: 0 }], [[[2, 2, 2], [2, 1, 2]], { axis: 1 }]];
    default: return [];
  }
}

/** unblocked and blocked sizes (blocks of 64), a batch, empty batches and 0×0 matrices */
function linalgCases(op: OpDef): [Shape[], unknown][] {
  const square: Shape[] = [[1, 1], [5, 5], [70, 70], [3, 4, 4], [0, 3, 3], [2, 0, 0], [130, 130]];
  switch (op.name) {
    case 'triangularSolve':
      return [[[[5, 5], [5, 3]], 7], [[[70, 70], [70, 1]], 1], [[[130, 130], [130, 9]], 2], [[[2, 3, 3], [2, 3, 2]], 4], [[[0, 0], [0, 2]], 3], [[[4, 4], [4, 0]], 5]]
        .map(([s, f]) => [s as Shape[], { lower: !!((f as number) & 1), transpose: !!((f as number) & 2), unitDiagonal: !!((f as number) & 4) }]);
    case 'solve': return [[[5, 5], [5, 1]], [[70, 70], [70, 70]], [[130, 130], [130, 1]], [[2, 3, 3], [2, 3, 2]], [[0, 0], [0, 1]]].map((s) => [s as Shape[], undefined]);
    case 'qr': case 'svd': return [[[5, 3]], [[3, 5]], [[70, 66]], [[66, 70]], [[2, 4, 4]], [[0, 2, 3]], [[130, 20]]].map((s) => [s as Shape[], undefined]);
    case 'eigh': return square.filter((s) => s[s.length - 1] <= 70).map((s) => [[s], undefined]);
    case 'choleskyGrad': return square.map((s) => [[s, s], undefined]);
    case 'qrPivoted': return [[[[6, 4], [6], [4]], undefined], [[[3, 5], [3], [4]], undefined], [[[200, 90], [200], [60]], undefined], [[[1, 1], [1], [1]], undefined]];
    default: return square.map((s) => [[s], undefined]);
  }
}

/**
 * Matrices for the linear-algebra ops: diagonally dominant squares (well conditioned; their
 * symmetric parts positive definite), plain random otherwise (eigh: well separated eigenvalues);
 * with special values, one NaN or ±∞ entry.
 */
function linalgInput(cs: Case, k: number, rand: () => number, special: boolean): Float64Array {
  const s = cs.shapes[k], r = s.length, n = s[r - 1], m = s[r - 2];
  if (cs.op.name === 'qrPivoted' && k === 2) {   // distinct column indices, shuffled
    const idx = Array.from({ length: cs.shapes[0][1] }, (_, j) => j).sort(() => rand() - 0.5);
    return Float64Array.from(idx.slice(0, s[0]));
  }
  if (cs.op.name === 'qrPivoted' && k === 0 && s[0] > 100) {   // a sparse J (each row two entries)
    const x = new Float64Array(s[0] * s[1]);
    for (let i = 0; i < s[0]; i++) for (let t = 0; t < 2; t++) x[i * s[1] + Math.floor(rand() * s[1])] = rand() - 0.5;
    return x;
  }
  const x = fill(s, () => rand() - 0.5);
  const dominant = k === 0 && m === n && cs.op.name !== 'eigh';
  if (dominant) for (let i = 0; i < x.length; i++) if (Math.floor(i / n) % n === i % n) x[i] += n + 1;
  if (special && x.length) x[Math.floor(rand() * x.length)] = SPECIAL[Math.floor(rand() * 3)];
  return x;
}

function inputs(cs: Case, rand: () => number, special: boolean): Float64Array[] {
  if (cs.op.family === 'linalg') return cs.shapes.map((_, k) => linalgInput(cs, k, rand, special));
  return cs.shapes.map((s, k) => {
    if (cs.op.name === 'random') return fill(s, () => Math.floor(rand() * 2 ** 32));   // key words
    if (cs.ints?.includes(k)) {
      const a = cs.attrs as { axis: number; size?: number };
      const n = cs.op.name === 'gather' ? cs.shapes[0][a.axis] : a.size!;
      return fill(s, () => Math.floor(rand() * n));
    }
    if (cs.op.name === 'where' && k === 0) return fill(s, () => (rand() < 0.3 ? 0 : rand() < 0.1 ? NaN : rand() - 0.5));
    return fill(s, () => (special && rand() < 0.25 ? SPECIAL[Math.floor(rand() * SPECIAL.length)] : (rand() - 0.5) * 6));
  });
}

describeNative('native kernels match the TS interpreter', (addon) => {
  const levels = addon.simdInfo().supported;
  const initial = addon.simdInfo().level;
  afterAll(() => { addon.setSimd(initial); });
  for (const level of levels) {
    for (const op of REGISTRY) {
      if (op.family === 'none') continue;
      it(`${op.name} [${level}]`, () => {
        expect(addon.setSimd(level)).toBe(true);
        const rand = rng(op.id * 7919 + levels.indexOf(level) + 1);
        const all = cases(op);
        expect(all.length, `no test cases for ${op.name}`).toBeGreaterThan(0);
        for (const cs of all) {
          const g = oneOp(op, cs.shapes, cs.attrs);
          const prog = new NativeProgram(addon, g);
          expect(prog.info().simd).toBe(level);
          for (const special of [false, true]) {
            const ins = inputs(cs, rand, special && !cs.ints);
            const want = interpret(g, ins)[0];
            const got = prog.run(ins)[0];
            // transcendental libm calls may differ from V8 by a few ulp; the rest are exact up to summation order
            // factorizations: blocked in native, so rounded differently (relative to the output's scale)
            const elementwise = op.family === 'unary' || op.family === 'binary' || op.family === 'ternary';
            const atol = op.family === 'reduce' || op.family === 'matmul' ? 1e-14 : op.family === 'linalg' ? 1e-12 : 0;
            const bad = closeArrays(want, got, 1e-13, atol, elementwise);
            expect(bad, `${op.name} ${JSON.stringify(cs.shapes)} ${JSON.stringify(cs.attrs ?? '')}${special ? ' (special values)' : ''}: ${bad}`).toBeNull();
          }
        }
      });
    }
  }
  beforeAll(() => { expect(levels).toContain(initial); });
});
