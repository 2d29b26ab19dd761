// Bad input (issue 2): a WengertError with the DESIGN §1 code whose message names the op and what
// was expected vs received; the user's inputs are unchanged. NaN and Infinity in data are values.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;

/**
 * fn(...inputs) throws a WengertError with `code`, whose op is `op` and whose message starts with
 * the op and matches every pattern (the expected and the received parts); inputs stay as they were.
 */
function expectError(code: string, op: string, patterns: RegExp[], fn: (...a: any[]) => unknown, ...inputs: unknown[]) {
  const before = structuredClone(inputs.map((x) => (x instanceof w.Tensor ? x.toArray() : x)));
  let err: unknown;
  try { fn(...inputs); } catch (e) { err = e; }
  expect(err, `${op}: expected a WengertError ${code}`).toBeInstanceOf(w.WengertError);
  const e = err as w.WengertError;
  expect(e.code, e.message).toBe(code);
  expect(e.op, e.message).toBe(op);
  expect(e.message.startsWith(`${op}:`), e.message).toBe(true);
  for (const p of patterns) expect(e.message).toMatch(p);
  expect(inputs.map((x) => (x instanceof w.Tensor ? x.toArray() : x)), 'inputs unchanged').toEqual(before);
}

const grad0 = (f: (...a: T[]) => T) => (...a: unknown[]) => w.grad(f)(...a);

describeBackends('bad input', () => {
  // ---- ERR_SHAPE ------------------------------------------------------------------------------
  it('non-broadcastable shapes, eager and traced', () => {
    const pats = [/f64\[3\]/, /f64\[2\]/, /not broadcastable/];
    expectError('ERR_SHAPE', 'add', pats, w.add, [1, 2, 3], [1, 2]);
    expectError('ERR_SHAPE', 'mul', [/f64\[2,3\]/, /f64\[3,2\]/], w.mul, [[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]]);
    expectError('ERR_SHAPE', 'add', pats, grad0((x) => w.sum(w.add(x, [1, 2]))), [1, 2, 3]);
    expectError('ERR_SHAPE', 'where', [/f64\[3\]/, /f64\[2\]/], w.where, [1, 0, 1], [1, 2], 0);
    expectError('ERR_SHAPE', 'broadcastTo', [/f64\[3\]/, /f64\[2,2\]/], w.broadcastTo, [1, 2, 3], [2, 2]);
  });

  it('matmul inner-dimension mismatch', () => {
    expectError('ERR_SHAPE', 'matmul', [/f64\[2,3\]/, /f64\[4,2\]/], w.matmul, [[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6], [7, 8]]);
    // 1-d operands are reported as given, not as promoted
    expectError('ERR_SHAPE', 'matmul', [/f64\[3\]/, /f64\[2\]/], w.matmul, [1, 2, 3], [1, 2]);
    expectError('ERR_SHAPE', 'matmul', [/f64\[2,3\]/, /f64\[2\]/], grad0((a) => w.sum(w.matmul(a, [1, 2]))), [[1, 2, 3], [4, 5, 6]]);
  });

  it('reshape to a different size', () => {
    expectError('ERR_SHAPE', 'reshape', [/f64\[6\]/, /f64\[4,2\]/, /size 6/, /size 8/], w.reshape, [1, 2, 3, 4, 5, 6], [4, 2]);
    expectError('ERR_SHAPE', 'reshape', [/-1/, /size 5/], w.reshape, [1, 2, 3, 4, 5], [2, -1]);
  });

  it('slice or at out of range', () => {
    const x = [[1, 2], [3, 4]];
    expectError('ERR_SHAPE', 'slice', [/\[0, 3\)/, /axis 0/, /f64\[2,2\]/], w.slice, x, [0, 0], [3, 2]);
    expectError('ERR_SHAPE', 'slice', [/\[-1, 1\)/], w.slice, x, [-1], [1]);
    expectError('ERR_SHAPE', 'slice', [/\[2, 1\)/, /axis 1/], w.slice, x, [0, 2], [2, 1]);
    expectError('ERR_ARG', 'at', [/index 3/, /size 3/], w.at, [1, 2, 3], 3);   // out-of-range indices are ERR_ARG (DESIGN §1)
    expectError('ERR_ARG', 'at', [/index -4/, /size 3/], w.at, [1, 2, 3], -4);
    expectError('ERR_SHAPE', 'at', [/0-d/], w.at, 5, 0);
    expectError('ERR_ARG', 'at', [/index 2/], grad0((v) => w.at(v, 2)), [1, 2]);
  });

  it('concat of 0-d tensors points to stack', () => {
    expectError('ERR_SHAPE', 'concat', [/rank ≥ 1/, /stack/, /f64\[\]/], w.concat, [1, 2]);
    expect(w.stack([1, 2]).toArray()).toEqual([1, 2]);
  });

  it('grad of a non-scalar output points to vjp and jacobian', () => {
    expectError('ERR_SHAPE', 'grad', [/scalar/, /f64\[2\]/, /vjp/, /jacobian/], grad0((x) => w.mul(x, 2)), [1, 2]);
    expectError('ERR_SHAPE', 'valueAndGrad', [/f64\[2,2\]/, /vjp/, /jacobian/], (x: unknown) => w.valueAndGrad((t: T) => w.outer(t, t))(x), [1, 2]);
    expectError('ERR_SHAPE', 'grad', [/vjp/], (x: unknown) => w.grad((t: T) => [w.sum(t), w.sum(t)])(x), [1, 2]);
    // size 1 of any rank is a scalar
    expect(w.grad((t: T) => w.reshape(w.sum(t), [1, 1]))([1, 2])).toEqual([1, 1]);
  });

  // ---- ERR_ARG --------------------------------------------------------------------------------
  it('strings', () => {
    expectError('ERR_ARG', 'tensor', [/expected a number/, /received string "abc"/], w.tensor, 'abc');
    expectError('ERR_ARG', 'add', [/expected a Tensor/, /received string "1"/], w.add, '1', 1);
    expectError('ERR_ARG', 'sin', [/received string/], w.sin, 'x');
    expectError('ERR_ARG', 'tensor', [/received string "a"/], w.tensor, [1, 'a']);
    expectError('ERR_ARG', 'grad', [/expected numbers, arrays or tensors/, /received string "abc"/], grad0((x) => x), 'abc');
  });

  it('objects without numbers', () => {
    expectError('ERR_ARG', 'tensor', [/expected a number/, /received object/], w.tensor, {});
    expectError('ERR_ARG', 'mul', [/received object/], w.mul, { a: 1 }, 2);
    expectError('ERR_ARG', 'exp', [/received null/], w.exp, null);
    expectError('ERR_ARG', 'exp', [/received undefined/], w.exp, undefined);
    expectError('ERR_ARG', 'grad', [/received string "x"/, /label/], grad0((p: any) => w.sum(p.a)), { a: [1], label: 'x' });
    expectError('ERR_ARG', 'grad', [/received Map/], grad0(() => w.tensor(1)), new Map());
  });

  it('ragged nested arrays', () => {
    expectError('ERR_ARG', 'tensor', [/ragged/, /expected 2 elements/, /array of length 1/], w.tensor, [[1, 2], [3]]);
    expectError('ERR_ARG', 'tensor', [/ragged/, /received number 3/], w.tensor, [[1, 2], 3]);
    expectError('ERR_ARG', 'tensor', [/expected numbers/, /array of length 2/], w.tensor, [1, [2, 3]]);
    expectError('ERR_ARG', 'tensor', [/ragged/], w.add, [[1], [2, 3]], 1);
    expectError('ERR_ARG', 'tensor', [/ragged/], grad0((x) => w.sum(x)), [[1, 2], [3]]);
  });

  it('non-integer or out-of-range gather indices (also when traced)', () => {
    const x = [10, 20, 30];
    expectError('ERR_ARG', 'gather', [/integer indices in \[0, 3\)/, /received 1\.5/], w.gather, x, [0, 1.5]);
    expectError('ERR_ARG', 'gather', [/\[0, 3\)/, /received 3/], w.gather, x, [3]);
    expectError('ERR_ARG', 'gather', [/received -1/], w.gather, x, [-1]);
    expectError('ERR_ARG', 'gather', [/received NaN/], w.gather, x, [NaN]);
    expectError('ERR_ARG', 'gather', [/\[0, 2\)/, /received 2/], w.gather, [[1, 2], [3, 4]], [0, 2], 1);
    const f = (v: unknown, i: unknown) => w.grad((a: T, b: T) => w.sum(w.gather(a, b)))(v, i);
    expectError('ERR_ARG', 'gather', [/\[0, 3\)/, /received 5/], f, x, [5]);
    expect(w.grad((a: T) => w.sum(w.gather(a, [2, 0, 2])))(x)).toEqual([1, 0, 2]);
  });

  it('non-finite or invalid shape entries', () => {
    expectError('ERR_ARG', 'reshape', [/non-negative integer/, /NaN/], w.reshape, [1, 2], [NaN]);
    expectError('ERR_ARG', 'reshape', [/Infinity/], w.reshape, [1, 2], [Infinity]);
    expectError('ERR_ARG', 'reshape', [/1\.5/], w.reshape, [1, 2, 3], [2, 1.5]);
    expectError('ERR_ARG', 'broadcastTo', [/non-negative integer/, /Infinity/], w.broadcastTo, [1, 2], [Infinity, 2]);
    expectError('ERR_ARG', 'broadcastTo', [/-2/], w.broadcastTo, [1, 2], [-2, 2]);
    expectError('ERR_ARG', 'tensor', [/NaN/], w.tensor, [1, 2], [NaN]);
    expectError('ERR_ARG', 'reshape', [/NaN/], grad0((x) => w.sum(w.reshape(x, [NaN]))), [1]);
  });

  // ---- values, not errors -----------------------------------------------------------------------
  it('NaN and Infinity in data propagate as in IEEE arithmetic', () => {
    expect(w.add([NaN, 1, Infinity], 1).toArray()).toEqual([NaN, 2, Infinity]);
    expect(w.exp(Infinity).item()).toBe(Infinity);
    expect(w.log(0).item()).toBe(-Infinity);
    expect(w.sqrt(-1).item()).toBeNaN();
    expect(w.div(1, 0).item()).toBe(Infinity);
    expect(w.sub(Infinity, Infinity).item()).toBeNaN();
    expect(w.max([1, NaN, 3]).item()).toBeNaN();
    expect(w.grad((x: T) => w.sum(w.mul(x, x)))([NaN, 1])).toEqual([NaN, 2]);
    expect(w.grad((x: T) => w.log(x))(0)).toBe(Infinity);
    expect(w.valueAndGrad((x: T) => w.sum(w.exp(x)))([Infinity, 0])).toEqual([Infinity, [Infinity, 1]]);
    const x = Float64Array.of(NaN, -Infinity);
    expect(Array.from(w.grad((t: T) => w.sum(w.mul(t, 3)))(x) as Float64Array)).toEqual([3, 3]);
    expect(Array.from(x)).toEqual([NaN, -Infinity]);
  });
});
