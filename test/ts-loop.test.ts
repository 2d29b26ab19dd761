// How a scan moves values between iterations (the TS backend steps the body in one register file;
// the native executor in its arena): carries that swap, pass through unchanged, or are read as ys;
// a constant as a ys row; 0-d and vector carries together; forward and reverse. Exact arithmetic
// (+, ·) so a float64 JS loop is the reference for every bit, on both backends.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
type Carry = { a: T; b: T; v: T; keep: T };
const xs = [0.5, -1.25, 2, 0.75, -0.5];

/** (a, b, v, keep) → (b, a·x + b, v·a + x, keep); ys: the a it started from, 2, v·b */
const body = (c: Carry, x: T): [Carry, { a: T; two: T; vb: T }] => [
  { a: c.b, b: w.add(w.mul(c.a, x), c.b), v: w.add(w.mul(c.v, c.a), x), keep: c.keep },
  { a: c.a, two: w.tensor(2), vb: w.mul(c.v, c.b) },
];

/** the same recurrence in float64 JS */
function reference(reverse: boolean) {
  let a = 1.5, b = -0.25, v = [1, 2, 3];
  const ys = { a: [] as number[], two: [] as number[], vb: [] as number[][] };
  const order = reverse ? [...xs.keys()].reverse() : [...xs.keys()];
  const rows: { a: number; vb: number[] }[] = [];
  for (const k of order) {
    const x = xs[k];
    rows[k] = { a, vb: v.map((e) => e * b) };
    [a, b, v] = [b, a * x + b, v.map((e) => e * a + x)];
  }
  rows.forEach((r) => { ys.a.push(r.a); ys.two.push(2); ys.vb.push(r.vb); });
  return { carry: { a, b, v, keep: [7, 8] }, ys };
}

describeBackends('scan carries and ys', () => {
  for (const reverse of [false, true]) {
    it(`carries that swap, pass through or are read as ys; a constant row (reverse: ${reverse})`, () => {
      const init = { a: w.tensor(1.5), b: w.tensor(-0.25), v: w.tensor([1, 2, 3]), keep: w.tensor([7, 8]) };
      const [c, ys] = w.scan(body, init, w.tensor(xs), { reverse }) as [Carry, { a: T; two: T; vb: T }];
      const want = reference(reverse);
      expect({ a: c.a.item(), b: c.b.item(), v: c.v.toArray(), keep: c.keep.toArray() }).toEqual(want.carry);
      expect({ a: ys.a.toArray(), two: ys.two.toArray(), vb: ys.vb.toArray() }).toEqual(want.ys);
    });
  }

  it('compiled: the gradient through swapped carries is the bits of the unrolled JS loop', () => {
    const viaScan = (q: T) => {
      const [c, ys] = w.scan(body, { a: w.unstack(q)[0], b: w.unstack(q)[1], v: w.mul(q, 0.5), keep: q }, w.tensor(xs)) as [Carry, { vb: T }];
      return w.add(w.add(w.mul(c.a, c.b), w.sum(c.v)), w.sum(ys.vb));
    };
    const unrolled = (q: T) => {
      let c: Carry = { a: w.unstack(q)[0], b: w.unstack(q)[1], v: w.mul(q, 0.5), keep: q };
      const rows: T[] = [];
      for (const x of xs) { const [n, y] = body(c, w.tensor(x)); rows.push(y.vb); c = n; }
      return w.add(w.add(w.mul(c.a, c.b), w.sum(c.v)), w.sum(w.stack(rows)));
    };
    const q = [1.5, -0.25, 0.5];
    const [v1, g1] = w.compile(viaScan, q).valueAndGrad(q);
    const [v2, g2] = w.compile(unrolled, q).valueAndGrad(q);
    expect(v1).toBe(v2);
    expect(Array.from(g1 as ArrayLike<number>)).toEqual(Array.from(g2 as ArrayLike<number>));
  });
});

describeBackends('whileLoop re-entered from JS', () => {
  it('a body whose opaque function calls the same program again gets the values of plain JS recursion', () => {
    let depth = 0;
    // h(x) = 0.1·p(x/2) at the outer level (p re-entered while its loop runs), 0.1·x inside
    const h = w.opaque((x: Float64Array) => {
      if (depth > 0) return x[0] * 0.1;
      depth++;
      try { return (p.value(x[0] * 0.5) as T).item() * 0.1; } finally { depth--; }
    }, { shape: (s: readonly number[]) => s });
    const f = (a: T) => (w.whileLoop(([i]: T[]) => w.less(i, 3), ([i, x]: T[]) => [w.add(i, 1), w.add(x, h(x))], [w.tensor(0), a]) as T[])[1];
    const p = w.compile(f, 0.8);
    const ref = (a: number, d: number): number => {
      let x = a;
      for (let i = 0; i < 3; i++) x = x + (d === 0 ? ref(x * 0.5, 1) * 0.1 : x * 0.1);
      return x;
    };
    for (const a of [0.8, -1.5, 3]) expect((p.value(a) as T).item()).toBe(ref(a, 0));
  });
});
