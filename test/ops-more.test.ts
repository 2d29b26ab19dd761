// The reductions, layout ops, constructors and indexing added for NumPy/JAX users: values against
// NumPy's conventions, derivatives (cumprod with zeros exactly, sort = the permuted cotangent, norm
// at 0), einsum against explicit sums, and out-of-range indices as ERR_ARG on every path
// (eager, traced, compiled, inside loops) on both backends.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const arr = (t: unknown) => (t instanceof w.Tensor ? t.toArray() : t);
const argErr = expect.objectContaining({ code: 'ERR_ARG' });

describeBackends('reductions, layout, constructors', () => {
  it('constructors (NumPy): zeros ones full *Like arange linspace eye', () => {
    expect(arr(w.zeros([2, 2]))).toEqual([[0, 0], [0, 0]]);
    expect(arr(w.ones([3]))).toEqual([1, 1, 1]);
    expect(arr(w.full([2], 7))).toEqual([7, 7]);
    expect(arr(w.zerosLike([[1, 2]]))).toEqual([[0, 0]]);
    expect(arr(w.onesLike(5))).toBe(1);
    expect(arr(w.arange(5))).toEqual([0, 1, 2, 3, 4]);
    expect(arr(w.arange(1, 2, 0.25))).toEqual([1, 1.25, 1.5, 1.75]);
    expect(arr(w.arange(5, 0, -2))).toEqual([5, 3, 1]);
    expect(arr(w.linspace(0, 1, 5))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(w.linspace(0, 0.3, 4).data()[3]).toBe(0.3);
    expect(arr(w.eye(2, 3))).toEqual([[1, 0, 0], [0, 1, 0]]);
    // inside a recording, full(shape, traced) is one broadcast equation
    expect(w.grad((v: T) => w.sum(w.full([3, 2], v)))(2)).toBe(6);
  });

  it('variance and std (ddof, axes, options object), norms (vector, matrix, ±∞, 0, p, fro) and their gradients', () => {
    const x = [[1, 2, 3], [4, 6, 8]];
    expect(w.variance(x).item()).toBeCloseTo(5.666666666666667, 14);
    expect(arr(w.variance(x, 1))).toEqual([2 / 3, 8 / 3]);
    expect(w.std(x, { axis: 1, ddof: 1, keepDims: true }).shape).toEqual([2, 1]);
    expect(arr(w.std(x, 1, false, 1))).toEqual([1, 2]);
    expect(w.norm([3, 4]).item()).toBe(5);
    expect(w.norm([1e200, 1e200]).item()).toBeCloseTo(Math.SQRT2 * 1e200, -185);
    expect(w.norm([3, -4], Infinity).item()).toBe(4);
    expect(w.norm([3, -4], -Infinity).item()).toBe(3);
    expect(w.norm([3, 0, -4], 0).item()).toBe(2);
    expect(w.norm([3, -4], 1).item()).toBe(7);
    expect(w.norm([1, 2], 3).item()).toBeCloseTo(9 ** (1 / 3), 14);
    expect(w.norm(x, 'fro').item()).toBeCloseTo(Math.sqrt(130), 13);
    expect(w.norm(x, 1).item()).toBe(11);
    expect(w.norm(x, Infinity).item()).toBe(18);
    expect(w.norm(x, -1).item()).toBe(5);
    (w.norm(x, 2, 1).toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo([Math.sqrt(14), Math.sqrt(116)][i], 14));
    expect(w.norm([Infinity, 1]).item()).toBe(Infinity);
    // singular-value norms: x xᵀ = [[14, 40], [40, 116]], so σ² = 65 ± √4201
    const [s1, s2] = [Math.sqrt(65 + Math.sqrt(4201)), Math.sqrt(65 - Math.sqrt(4201))];
    expect(w.norm(x, 2).item()).toBeCloseTo(s1, 13);
    expect(w.norm(x, -2).item()).toBeCloseTo(s2, 13);
    expect(w.norm(x, 'nuc').item()).toBeCloseTo(s1 + s2, 13);
    expect(w.norm(x, 2, [1, 0], true).shape).toEqual([1, 1]);
    expect(w.norm(x, 2, [1, 0]).item()).toBeCloseTo(s1, 13);
    expect(() => w.norm(x, 3)).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringMatching(/received 3/) }));
    // d‖A‖₂/dA = u₁v₁ᵀ: A = R(θ)·diag(3, 1)·R(φ)ᵀ
    const [c, sn, cp, sp] = [Math.cos(0.3), Math.sin(0.3), Math.cos(1.1), Math.sin(1.1)];
    const A = [[3 * c * cp + -sn * sp, 3 * c * sp + sn * cp], [3 * sn * cp + c * sp, 3 * sn * sp - c * cp]];
    expect(w.norm(A, 2).item()).toBeCloseTo(3, 14);
    expect(w.norm(A, 'nuc').item()).toBeCloseTo(4, 14);
    (w.grad((a: T) => w.norm(a, 2))(A) as number[][]).flat().forEach((g, i) => expect(g).toBeCloseTo([c * cp, c * sp, sn * cp, sn * sp][i], 12));
    expect(w.gradcheck((a: T) => w.norm(a, 'nuc'), [x]).ok).toBe(true);
    expect(w.gradcheck((a: T) => w.norm(a, -2), [x]).ok).toBe(true);
    (w.grad((v: T) => w.norm(v))([3, 4]) as number[]).forEach((g, i) => expect(g).toBeCloseTo([0.6, 0.8][i], 15));
    expect(arr(w.grad((v: T) => w.norm(v))([0, 0]))).toEqual([0, 0]);   // the subgradient 0 at the origin
    const gv = w.grad((v: T) => w.variance(v))([1, 2, 6]) as number[];
    gv.forEach((g, i) => expect(g).toBeCloseTo((2 / 3) * ([1, 2, 6][i] - 3), 14));
  });

  it('argmax, argmin: the first extreme, a NaN first; along an axis or flattened', () => {
    expect(w.argmax([1, 5, 5, 2]).item()).toBe(1);
    expect(w.argmin([[3, 1], [0, 9]]).item()).toBe(2);
    expect(arr(w.argmax([[3, 1], [0, 9]], 0))).toEqual([0, 1]);
    expect(arr(w.argmin([[3, 1], [0, 9]], 1))).toEqual([1, 0]);
    expect(w.argmax([1, NaN, 7, NaN]).item()).toBe(1);
    expect(w.grad((v: T) => w.sum(w.mul(w.argmax(v), v)))([1, 3, 2])).toEqual([0, 0, 0].map((_, i) => [1, 1, 1][i]));
  });

  it('cumsum, cumprod along an axis; cumprod with zeros differentiated exactly', () => {
    expect(arr(w.cumsum([1, 2, 3, 4, 5]))).toEqual([1, 3, 6, 10, 15]);
    expect(arr(w.cumsum([[1, 2], [3, 4]], 1))).toEqual([[1, 3], [3, 7]]);
    expect(arr(w.cumprod([[1, 2], [3, 4]]))).toEqual([[1, 2], [3, 8]]);
    const f = (v: T) => w.sum(w.cumprod(v));
    // d/dx_i Σ_j Π_{k≤j} x_k = Σ_{j≥i} Π_{k≤j, k≠i} x_k
    const ref = (x: number[]) => x.map((_, i) => x.reduce((s, _v, j) => (j < i ? s : s + x.slice(0, j + 1).reduce((p, v, k) => (k === i ? p : p * v), 1)), 0));
    for (const x of [[2, 0, 3, 4], [0, 0, 5], [1.5, -2, 0, 0.5, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8]]) expect(arr(w.grad(f)(x))).toEqual(ref(x));
    const p = w.compile((v: T) => w.cumsum(v), new Float64Array(1000).fill(1));
    expect(p.value(new Float64Array(1000).fill(1)).data()[999]).toBe(1000);
  });

  it('sort and argsort: ascending, stable, NaN last; the derivative is the cotangent permuted back', () => {
    expect(arr(w.sort([3, 1, NaN, 2, -0, 0]))).toEqual([-0, 0, 1, 2, 3, NaN]);
    expect(arr(w.argsort([3, 1, 1, 2]))).toEqual([1, 2, 3, 0]);
    expect(arr(w.sort([[3, 1], [0, 5]], 0))).toEqual([[0, 1], [3, 5]]);
    const c = w.tensor([10, 20, 30]);
    expect(arr(w.grad((v: T) => w.sum(w.mul(w.sort(v), c)))([2, 3, 1]))).toEqual([20, 30, 10]);
    expect(arr(w.compile((v: T) => w.sort(v), [3, 1, 2]).value([9, 7, 8]))).toEqual([7, 8, 9]);
  });

  it('flip over several axes, tile, pad with a value, split by sections or indices', () => {
    expect(arr(w.flip([[1, 2], [3, 4]]))).toEqual([[4, 3], [2, 1]]);
    expect(arr(w.flip([[1, 2], [3, 4]], 1))).toEqual([[2, 1], [4, 3]]);
    expect(arr(w.flip([[1, 2], [3, 4]], [0, 1]))).toEqual([[4, 3], [2, 1]]);
    expect(arr(w.tile([1, 2], 2))).toEqual([1, 2, 1, 2]);
    expect(arr(w.tile([[1, 2]], [2, 2]))).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]]);
    expect(arr(w.tile([1, 2], [2, 1]))).toEqual([[1, 2], [1, 2]]);
    expect(arr(w.pad([[1, 2]], [[1, 0], [0, 1]], 9))).toEqual([[9, 9, 9], [1, 2, 9]]);
    expect(arr(w.grad((v: T) => w.sum(w.mul(w.pad(v, [[1, 1]], -1), [1, 2, 3, 4])))([5, 6]))).toEqual([2, 3]);
    expect(w.split(w.arange(6), 3).map(arr)).toEqual([[0, 1], [2, 3], [4, 5]]);
    expect(w.split(w.arange(6), [2, 3, 10]).map(arr)).toEqual([[0, 1], [2], [3, 4, 5], []]);
    expect(() => w.split(w.arange(5), 2)).toThrow(argErr);
    expect(arr(w.grad((v: T) => w.sum(w.mul(w.tile(v, 3), w.arange(6))))([1, 1]))).toEqual([6, 9]);
  });

  it('einsum against explicit sums (matmul, trace, diagonal, outer, batch, three operands, implicit output)', () => {
    const A = w.tensor([[1, 2, 3], [4, 5, 6]]), B = w.tensor([[1, 0], [2, 1], [0, 3]]), C = w.tensor([[2, 1], [1, 2]]);
    expect(arr(w.einsum('ij,jk->ik', A, B))).toEqual(arr(w.matmul(A, B)));
    expect(w.einsum('ii->', C).item()).toBe(4);
    expect(arr(w.einsum('ii->i', C))).toEqual([2, 2]);
    expect(arr(w.einsum('i,j->ij', [1, 2], [3, 4, 5]))).toEqual([[3, 4, 5], [6, 8, 10]]);
    expect(arr(w.einsum('ij->ji', A))).toEqual(arr(w.transpose(A)));
    expect(arr(w.einsum('ij,jk,kl->il', A, B, C))).toEqual(arr(w.matmul(w.matmul(A, B), C)));
    expect(arr(w.einsum('ij,jk', A, B))).toEqual(arr(w.matmul(A, B)));
    const X = w.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    expect(arr(w.einsum('bij,bjk->bik', X, X))).toEqual(arr(w.matmul(X, X)));
    expect(w.einsum('ij,ij->', A, A).item()).toBe(91);
    // derivative through the lowering: d/dA Σ (A·B) = 1·Bᵀ
    expect(arr(w.grad((a: T) => w.sum(w.einsum('ij,jk->ik', a, B)))(A))).toEqual([[1, 3, 3], [1, 3, 3]]);
    expect(() => w.einsum('ij,jk->ik', A, A)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
  });

  it('dynamicSlice, dynamicUpdateSlice, scatterAdd and at with traced indices (loop counters); values and derivatives', () => {
    const x = w.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
    expect(arr(w.dynamicSlice(x, [1, 1], [2, 2]))).toEqual([[5, 6], [8, 9]]);
    expect(arr(w.dynamicUpdateSlice(x, [[0, 0]], [2, 1]))).toEqual([[1, 2, 3], [4, 5, 6], [7, 0, 0]]);
    expect(arr(w.scatterAdd([0, 0, 0], [0, 2, 0], [1, 2, 3]))).toEqual([4, 0, 2]);
    // a loop over rows with the counter as index: at, dynamicSlice and dynamicUpdateSlice traced
    const rowsum = (m: T) => w.foriLoop(0, 3, (i, acc: T) => w.add(acc, w.sum(w.at(m, i))), w.tensor(0));
    expect((rowsum(x) as T).item()).toBe(45);
    const diag = (m: T) => w.foriLoop(0, 3, (i, acc: T) => w.add(acc, w.sum(w.dynamicSlice(m, w.stack([i, i]), [1, 1]))), w.tensor(0));
    expect((diag(x) as T).item()).toBe(15);
    expect(arr(w.grad(diag)(x))).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const zeroDiag = (m: T) => w.foriLoop(0, 3, (i, acc: T) => w.dynamicUpdateSlice(acc, [[0]], w.stack([i, i])), m);
    expect(arr(zeroDiag(x))).toEqual([[0, 2, 3], [4, 0, 6], [7, 8, 0]]);
    expect(arr(w.compile(zeroDiag, x).value(x))).toEqual([[0, 2, 3], [4, 0, 6], [7, 8, 0]]);
    expect(arr(w.grad((m: T) => w.sum(zeroDiag(m) as T))(x))).toEqual([[0, 1, 1], [1, 0, 1], [1, 1, 0]]);
    const sc = (v: T, i: T) => w.sum(w.mul(w.scatterAdd(w.zeros([4]), i, v), [1, 2, 3, 4]));
    expect(arr(w.grad(sc)([1, 1], [3, 0]))).toEqual([4, 1]);
  });

  it('out-of-range indices are ERR_ARG on every path: eager, traced, compiled, inside a loop', () => {
    const x = w.tensor([[1, 2], [3, 4]]);
    expect(() => w.at(x, 2)).toThrow(argErr);
    expect(() => w.at(x, w.tensor(-1))).toThrow(argErr);
    expect(() => w.dynamicSlice(x, [1, 1], [2, 1])).toThrow(argErr);
    expect(() => w.dynamicUpdateSlice(x, [[1, 1]], [0, 1])).toThrow(argErr);
    expect(() => w.scatterAdd([0, 0], [2], [1])).toThrow(argErr);
    const pAt = w.compile((m: T, i: T) => w.at(m, i), x, w.tensor(0));
    expect(arr(pAt.value(x, w.tensor(1)))).toEqual([3, 4]);
    expect(() => pAt.value(x, w.tensor(2))).toThrow(argErr);
    expect(() => pAt.value(x, w.tensor(0.5))).toThrow(argErr);
    const pDs = w.compile((m: T, s: T) => w.dynamicSlice(m, s, [1, 2]), x, w.tensor([0, 0]));
    expect(() => pDs.value(x, w.tensor([2, 0]))).toThrow(argErr);
    expect(() => pDs.value(x, w.tensor([0, 1]))).toThrow(argErr);
    const pDu = w.compile((m: T, s: T) => w.dynamicUpdateSlice(m, [[9]], s), x, w.tensor([0, 0]));
    expect(() => pDu.value(x, w.tensor([0, 2]))).toThrow(argErr);
    const pSc = w.compile((i: T) => w.scatterAdd(w.zeros([2]), i, [1]), w.tensor([0]));
    expect(() => pSc.value(w.tensor([5]))).toThrow(argErr);
    expect(() => w.grad((m: T) => w.foriLoop(0, 3, (i, acc: T) => w.add(acc, w.sum(w.at(m, i))), w.tensor(0)))(x)).toThrow(argErr);
    expect(arr(pAt.value(x, w.tensor(0)))).toEqual([1, 2]);   // the Program stays usable
  });
});
