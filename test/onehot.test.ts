// oneHot with out-of-range indices is ERR_ARG on every path (DESIGN §1): eager, traced (inside grad),
// compiled (Program.value and Program.grad), on both backends. Traced and compiled oneHot used to
// give quiet zero rows (issue 11, round 2).
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const DEPTH = 3;
const BAD = [-1, DEPTH, 1.5, NaN];
const argError = expect.objectContaining({ code: 'ERR_ARG' });
/** Σ x·oneHot(i, 3): its gradient in x is the one-hot rows summed */
const f = (x: T, i: T) => w.sum(w.mul(w.oneHot(i, DEPTH), x));

describeBackends('oneHot out of range', () => {
  const x = w.tensor([[1, 2, 3], [4, 5, 6]]);

  it('valid indices: the same one-hot rows on every path', () => {
    const i = w.tensor([2, 0]);
    expect(w.oneHot(i, DEPTH).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(w.grad(f)(x, i)).toEqual(w.oneHot(i, DEPTH));
    const p = w.compile(f, x, i);
    expect(p.value(x, i).item()).toBe(3 + 4);
    expect((p.grad(x, i) as T).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect((w.compile((j: T) => w.oneHot(j, DEPTH), i).value(w.tensor([1, 1])) as T).toArray()).toEqual([[0, 1, 0], [0, 1, 0]]);
  });

  for (const bad of BAD) {
    it(`index ${bad}: ERR_ARG eager, traced, inside grad and compiled (value and grad)`, () => {
      const i = w.tensor([0, bad]);
      expect(() => w.oneHot(i, DEPTH)).toThrow(argError);
      expect(() => w.oneHot([bad], DEPTH)).toThrow(argError);
      // traced: the indices are an argument of the differentiated function
      expect(() => w.grad(f)(x, i)).toThrow(argError);
      expect(() => w.valueAndGrad(f)(x, i)).toThrow(argError);
      expect(() => w.jvp((j: T) => w.mul(w.oneHot(j, DEPTH), 2), [i], [w.tensor([0, 0])])).toThrow(argError);
      // compiled with valid example indices, then called with the bad ones
      const p = w.compile(f, x, w.tensor([0, 1]));
      expect(() => p.value(x, i)).toThrow(argError);
      expect(() => p.grad(x, i)).toThrow(argError);
      expect(() => p.valueAndGrad(x, i)).toThrow(argError);
      const q = w.compile((j: T) => w.oneHot(j, DEPTH), w.tensor([0, 1]));
      expect(() => q.value(i)).toThrow(argError);
      // the Program still works afterwards
      expect(p.value(x, w.tensor([1, 2])).item()).toBe(2 + 6);
    });
  }

  it('the error names the bad index and the range', () => {
    const p = w.compile((j: T) => w.oneHot(j, DEPTH), w.tensor([0, 1]));
    expect(() => p.value(w.tensor([0, 7]))).toThrow(/\[0, 3\).*7/);
    expect(() => w.grad(f)(x, w.tensor([0, -1]))).toThrow(/\[0, 3\).*-1/);
  });
});
