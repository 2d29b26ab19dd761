// Leaves and pytrees exactly as DESIGN §1: results mirror the differentiated argument, static values
// pass through, user arrays are never mutated, tensors print readably and refuse JS arithmetic.
import { it, expect } from 'vitest';
import { inspect } from 'node:util';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const sumSq = (x: T) => w.sum(w.square(x));

/** the WengertError thrown by fn */
function thrown(fn: () => unknown): w.WengertError {
  try { fn(); } catch (e) { expect(e).toBeInstanceOf(w.WengertError); return e as w.WengertError; }
  return expect.fail('expected a WengertError');
}

describeBackends('pytrees and leaves', () => {
  it('number → number', () => {
    const g = w.grad((x: T) => w.mul(x, x))(3);
    expect(g).toBe(6);
    const [v, g2] = w.valueAndGrad((x: T) => w.sin(x))(0);
    expect([v, g2]).toEqual([0, 1]);
  });

  it('inside f every leaf is a Tensor (a number as 0-d)', () => {
    const seen: unknown[] = [];
    w.grad((x: T, p: { a: T; b: T[] }) => { seen.push(x, p.a, p.b[0]); return w.add(x, w.sum(p.a)); })(2, { a: [1, 2], b: [new Float64Array(3)] });
    expect(seen.every((t) => t instanceof w.Tensor)).toBe(true);
    expect((seen as T[]).map((t) => t.shape)).toEqual([[], [2], [3]]);
  });

  it('Float64Array → Float64Array', () => {
    const g = w.grad(sumSq)(Float64Array.of(1, -2, 0.5));
    expect(g).toBeInstanceOf(Float64Array);
    expect(Array.from(g as Float64Array)).toEqual([2, -4, 1]);
  });

  it('Float32Array → Float32Array, rounded; its values enter exactly', () => {
    const x = Float32Array.of(0.1, 0.2, 3);
    const g = w.grad((t: T) => w.sum(w.mul(t, 0.1)))(x);
    expect(g).toBeInstanceOf(Float32Array);
    expect(Array.from(g as Float32Array)).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    // the float32 input is widened exactly: d/dx x² = 2·fround(0.1)
    const g2 = w.grad(sumSq)(x) as Float32Array;
    expect(g2[0]).toBe(Math.fround(2 * Math.fround(0.1)));
    const [v] = w.valueAndGrad((t: T) => w.at(t, 0))(x);
    expect(v).toBe(Math.fround(0.1));
  });

  it('nested number[] → the same nesting', () => {
    expect(w.grad(sumSq)([1, 2, 3])).toEqual([2, 4, 6]);
    expect(w.grad(sumSq)([[1, 2], [3, 4]])).toEqual([[2, 4], [6, 8]]);
    expect(w.grad(sumSq)([[[1], [2]], [[3], [4]]])).toEqual([[[2], [4]], [[6], [8]]]);
    expect(w.grad(sumSq)([[5]])).toEqual([[10]]);
    expect(w.grad(sumSq)([])).toEqual([]);
  });

  it('{W, b} → {W, b}, each leaf mirroring its own kind', () => {
    const p = { W: [[1, 2], [3, 4]], b: Float64Array.of(1, -1) };
    const loss = (q: { W: T; b: T }) => w.sum(w.add(w.matmul(q.W, [1, 1]), q.b));
    const g = w.grad(loss)(p) as { W: number[][]; b: Float64Array };
    expect(Object.keys(g)).toEqual(['W', 'b']);
    expect(g.W).toEqual([[1, 1], [1, 1]]);
    expect(g.b).toBeInstanceOf(Float64Array);
    expect(Array.from(g.b)).toEqual([1, 1]);
    // nested objects and arrays of objects
    const deep = { layers: [{ w: 2 }, { w: 3 }], scale: [4] };
    const g2 = w.grad((d: { layers: { w: T }[]; scale: T }) => w.mul(w.mul(d.layers[0].w, d.layers[1].w), w.sum(d.scale)))(deep);
    expect(g2).toEqual({ layers: [{ w: 12 }, { w: 8 }], scale: [6] });
  });

  it('arrays of tensors → arrays of Tensors; a 0-d Tensor → number', () => {
    const a = w.tensor([1, 2]), b = w.tensor([[3], [4]]), c = w.tensor(5);
    const g = w.grad((xs: T[]) => w.add(w.add(sumSq(xs[0]), sumSq(xs[1])), w.mul(xs[2], 2)))([a, b, c]) as [T, T, number];
    expect(g[0]).toBeInstanceOf(w.Tensor);
    expect(g[0].shape).toEqual([2]);
    expect(g[0].toArray()).toEqual([2, 4]);
    expect(g[1].shape).toEqual([2, 1]);
    expect(g[1].toArray()).toEqual([[6], [8]]);
    expect(g[2]).toBeInstanceOf(w.Tensor);   // a Tensor stays a Tensor, also 0-d (DESIGN §8)
    expect((g[2] as unknown as T).item()).toBe(2);
  });

  it('static values in non-differentiated arguments pass through', () => {
    const f = (x: T, mode: string, opts: { scale: T; name?: string; flag?: boolean; none?: null }) => {
      expect(mode).toBe('double');
      if (opts.name) expect([opts.name, opts.flag, opts.none]).toEqual(['n', true, null]);
      return w.mul(w.sum(x), mode === 'double' ? w.mul(opts.scale, 2) : opts.scale);
    };
    expect(w.grad(f)([1, 2], 'double', { scale: 3, name: 'n', flag: true, none: null })).toEqual([6, 6]);
    expect(w.grad(f, { argnums: [0, 2] })([1, 2], 'double', { scale: 3 } as any)).toEqual([[6, 6], { scale: 6 }]);
  });

  it('a static value inside a differentiated argument is ERR_ARG naming where it is', () => {
    const e = thrown(() => w.grad((p: { a: T }) => w.sum(p.a))({ a: [1], label: 'x' }));
    expect(e.code).toBe('ERR_ARG');
    expect(e.message).toMatch(/grad/);
    expect(e.message).toMatch(/label/);
  });

  it('returned values: a number where the contract fixes size 1, else mirroring the output (a Tensor stays a Tensor)', () => {
    expect(w.valueAndGrad((x: T) => w.sum(x))([1, 2])[0]).toBe(3);
    expect(w.valueAndGrad((x: T) => w.reshape(w.sum(x), [1, 1]))([1, 2])[0]).toBe(3);
    const [out] = w.vjp((x: T) => ({ v: w.mul(x, 2), s: w.sum(x), one: w.reshape(w.sum(x), [1]) }), [1, 2]) as unknown as [{ v: T; s: number; one: number }];
    expect(out.v).toBeInstanceOf(w.Tensor);
    expect(out.v.toArray()).toEqual([2, 4]);
    expect((out.s as unknown as T).item()).toBe(3);
    expect((out.one as unknown as T).shape).toEqual([1]);
  });

  it('input arrays are never mutated', () => {
    const nested = [[1, 2], [3, 4]], f64 = Float64Array.of(1, 2), f32 = Float32Array.of(0.5, 1.5), t = w.tensor([7, 8]);
    const tree = { W: nested, b: f64, c: f32, t, list: [f64, 3] };
    const copy = structuredClone({ nested, f64, f32 });
    const tData = t.data();
    const loss = (p: { W: T; b: T; c: T; t: T; list: [T, T] }) =>
      w.add(w.add(w.sum(w.exp(p.W)), w.sum(w.mul(p.b, p.c))), w.add(w.sum(w.mul(p.t, p.list[0])), p.list[1]));
    w.grad(loss)(tree);
    w.valueAndGrad(loss)(tree);
    w.vjp(loss, tree)[1](1);
    expect({ nested, f64, f32 }).toEqual(copy);
    expect(Array.from(t.data())).toEqual(Array.from(tData));
    // w.tensor copies once; data() hands out copies
    const src = [1, 2, 3], ft = w.tensor(src);
    src[0] = 100;
    const d = ft.data(); d[1] = 100;
    expect(ft.toArray()).toEqual([1, 2, 3]);
  });

  it('String(t), `${t}` and util.inspect are readable', () => {
    const t = w.tensor([[1, 2.5], [-3, 4]]);
    for (const s of [String(t), `${t}`, inspect(t)]) {
      expect(s).toMatch(/Tensor/);
      expect(s).toMatch(/f64\[2,2\]/);
      expect(s).toMatch(/2\.5/);
      expect(s).toMatch(/-3/);
    }
    expect(String(w.tensor(1.5))).toMatch(/1\.5/);
    expect(() => inspect({ t })).not.toThrow();
  });

  it('t * 2, t + 1, Math.sin(t) throw ERR_ARG naming the ops to use', () => {
    const t = w.tensor([1, 2]) as any;
    const cases: [() => unknown, RegExp][] = [
      [() => t * 2, /w\.mul/], [() => t + 1, /w\.add/], [() => Math.sin(t), /w\.sin/], [() => t - t, /w\.sub/], [() => -t, /w\.neg/],
    ];
    for (const [fn, op] of cases) {
      const e = thrown(fn);
      expect(e.code).toBe('ERR_ARG');
      expect(e.message).toMatch(op);
    }
    // also on tracers inside f: never a silent NaN
    const e = thrown(() => w.grad((x: any) => x * 2)(3));
    expect(e.code).toBe('ERR_ARG');
  });
});
