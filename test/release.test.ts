// w.release: the arrays of async results are given back (detached) at once; a released tensor
// throws ERR_ARG wherever it is used; caller arrays, inputs, constants and sync results are never
// touched; a result an async call in flight reads is refused; later results keep the sync bits.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { loaded } from '../src/backends/native/loader.js';
import { describeBackends } from './support/backends.js';
import { describeNative } from './native/support.js';
import { sameBits } from './support/bits.js';

const fill = (n: number, at: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => at(i));
const released = expect.objectContaining({ code: 'ERR_ARG', message: expect.stringContaining('released') });
const turn = () => new Promise((r) => setImmediate(r));
/** a 0-d Tensor output's number */
const num = (t: unknown) => (t as w.Tensor).item();

describeBackends('w.release', () => {
  it('detaches a whole result: a released Tensor throws ERR_ARG in ops, reads, programs and optimizers', async () => {
    const f = (x: w.Tensor, y: w.Tensor) => w.sum(w.mul(w.sin(x), y));
    const x = w.tensor([0.5, 1, 2]), y = w.tensor([4, 5, 6]);
    const p = w.compile(f, x, y);
    const r = (await p.valueAndGradAsync(x, y)) as [number, w.Tensor];
    const g = r[1];
    expect(Array.from(g.data())).toEqual([0.5, 1, 2].map((v, i) => Math.cos(v) * [4, 5, 6][i]));  // ∂/∂x = cos(x)·y
    expect(w.release(r)).toBe(1);
    expect(String(g)).toBe('Tensor f64[3] (released)');
    expect(() => g.data()).toThrow(released);
    expect(() => g.toArray()).toThrow(released);
    expect(() => w.add(g, 1)).toThrow(released);
    expect(() => w.sum(g)).toThrow(released);
    expect(() => w.grad((a: w.Tensor) => w.sum(w.mul(a, g)))(x)).toThrow(released);  // captured as a constant
    expect(() => p.value(g, y)).toThrow(released);
    await expect(w.minimize((a: w.Tensor) => w.sum(w.square(a)), g)).rejects.toMatchObject({ code: 'ERR_ARG' });
    // the inputs are untouched and the program still gives the sync bits
    expect(y.toArray()).toEqual([4, 5, 6]);
    const [v2, g2] = (await p.valueAndGradAsync(x, y)) as [number, w.Tensor];
    const [v1, g1] = p.valueAndGrad(x, y) as [number, w.Tensor];
    expect(Object.is(v2, v1)).toBe(true);
    expect(sameBits(g2.data(), g1.data())).toBe(true);
    expect(w.release(g, r)).toBe(0);  // already released
  });

  it('Float64Array results, valueAsync outputs and trees: every array of the result is detached', async () => {
    const q = w.compile((a: Float64Array) => w.sum(w.square(a)), new Float64Array(4));
    const ga = (await q.gradAsync(fill(4, (i) => i + 1))) as Float64Array;
    expect(Array.from(ga)).toEqual([2, 4, 6, 8]);
    expect(w.release(ga)).toBe(1);
    expect(ga.length).toBe(0);
    const t = w.compile((d: { a: w.Tensor; b: w.Tensor }) => w.add(w.sum(w.square(d.a)), w.sum(w.mul(d.a, d.b))), { a: w.tensor([1, 2]), b: w.tensor([3, 4]) });
    const [, tree] = (await t.valueAndGradAsync({ a: w.tensor([1, 2]), b: w.tensor([3, 4]) })) as [number, { a: w.Tensor; b: w.Tensor }];
    expect(tree.a.toArray()).toEqual([2 + 3, 4 + 4]);  // 2a + b
    expect(tree.b.toArray()).toEqual([1, 2]);          // a
    expect(w.release({ grads: [tree] })).toBeGreaterThanOrEqual(1);
    expect(() => tree.a.data()).toThrow(released);
    expect(() => tree.b.data()).toThrow(released);
    const vp = w.compile((a: w.Tensor) => w.mul(a, 2), w.tensor([1, 2, 3]));
    const out = (await vp.valueAsync(w.tensor([1, 2, 3]))) as w.Tensor;
    expect(out.toArray()).toEqual([2, 4, 6]);
    expect(w.release(out)).toBe(1);
    expect(() => w.neg(out)).toThrow(released);
  });

  it('leaves alone what is not an async result: inputs, caller arrays, sync results, constants, numbers', async () => {
    // ∂/∂x sum(x·y) = y: the gradient must not be (or release) y's own array
    const f = (x: w.Tensor, y: w.Tensor) => w.sum(w.mul(x, y));
    const x = w.tensor([1, 2, 3]), y = w.tensor([4, 5, 6]);
    const p = w.compile(f, x, y);
    const [, g] = (await p.valueAndGradAsync(x, y)) as [number, w.Tensor];
    w.release(g);
    expect(y.toArray()).toEqual([4, 5, 6]);
    expect(x.toArray()).toEqual([1, 2, 3]);
    // a constant gradient (∂/∂x sum(c·x) = c) leaves the program's constant intact
    const c = w.tensor([7, 8, 9]);
    const pc = w.compile((a: w.Tensor) => w.sum(w.mul(c, a)), x);
    w.release(await pc.gradAsync(x));
    expect((await pc.gradAsync(x) as w.Tensor).toArray()).toEqual([7, 8, 9]);
    expect(c.toArray()).toEqual([7, 8, 9]);
    const mine = new Float64Array([1, 2, 3]);
    const [, gs] = p.valueAndGrad(x, y) as [number, w.Tensor];
    expect(w.release(mine, gs, 3, null, 'text', x, [mine], { mine })).toBe(0);
    expect(Array.from(mine)).toEqual([1, 2, 3]);
    expect(gs.toArray()).toEqual([4, 5, 6]);
    // gradient targets of valueAndGradIntoAsync belong to the caller
    const out = new Float64Array(4);
    const q = w.compile((a: Float64Array) => w.sum(w.square(a)), new Float64Array(4));
    await q.valueAndGradIntoAsync(out, fill(4, (i) => i));
    expect(w.release(out)).toBe(0);
    expect(Array.from(out)).toEqual([0, 2, 4, 6]);
  });

  it('refuses a result an async call in flight reads, releasing nothing; after it settles the release goes through', async () => {
    const n = 1000;
    const p = w.compile((a: w.Tensor) => w.sum(w.square(a)), w.tensor(new Float64Array(n)));
    const [, g] = (await p.valueAndGradAsync(w.tensor(fill(n, (i) => i / n)))) as [number, w.Tensor];
    const [, other] = (await p.valueAndGradAsync(w.tensor(fill(n, (i) => 1 - i / n)))) as [number, w.Tensor];
    const pending = p.valueAndGradAsync(g);  // a Tensor argument is read in place, not copied
    expect(() => w.release(other, g)).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringContaining('in flight') }));
    expect(other.size).toBe(n);
    expect(other.data().length).toBe(n);  // nothing was released
    const [v] = (await pending) as [number, w.Tensor];
    const want = fill(n, (i) => 2 * i / n).reduce((s, gi) => s + gi * gi, 0);
    expect(Math.abs(v - want)).toBeLessThanOrEqual(1e-12 * want);
    expect(w.release(g, other)).toBe(2);
    expect(() => other.item()).toThrow();
  });

  it('guards stay right when the arguments a program was compiled or re-recorded with are released results', async () => {
    const id = w.compile((a: w.Tensor) => w.mul(a, 1), w.tensor([0, 0]));
    const f = (x: w.Tensor) => (x.data()[0] > 0 ? w.sum(w.square(x)) : w.sum(w.mul(x, 3)));  // a guard on the branch
    const r1 = (await id.valueAsync(w.tensor([1, 2]))) as w.Tensor;
    const p = w.compile(f, r1);
    w.release(r1);
    expect(num(p.value(w.tensor([-1, 2])))).toBe(3);   // the other branch: re-recorded
    const r2 = (await id.valueAsync(w.tensor([-2, 1]))) as w.Tensor;
    expect(num(await p.valueAsync(r2))).toBe(-3);
    w.release(r2);
    for (const [x, want] of [[[1, 2], 5], [[-1, 2], 3], [[3, 1], 10], [[-3, 1], -6]] as const) {
      expect(num(p.value(w.tensor([...x])))).toBe(want);
      expect(num(await p.valueAsync(w.tensor([...x])))).toBe(want);
    }
  });

  it('a result a recording captured as a constant is no longer released: the program keeps its values', async () => {
    const id = w.compile((a: w.Tensor) => w.mul(a, 2), w.tensor([0, 0, 0]));
    const c = (await id.valueAsync(w.tensor([1, 2, 3]))) as w.Tensor;
    const p = w.compile((x: w.Tensor) => w.sum(w.mul(x, c)), w.tensor([1, 1, 1]));
    expect(w.release(c)).toBe(0);
    expect(c.toArray()).toEqual([2, 4, 6]);
    expect(num(p.value(w.tensor([1, 1, 1])))).toBe(12);
    expect(num(await p.valueAsync(w.tensor([1, 0, 0])))).toBe(2);
  });

  it('an argument stays refused through the whole async call: its guard-reference run and its re-recording', async () => {
    const mk = w.compile((a: w.Tensor) => w.mul(a, 1), w.tensor([0, 0, 0]));
    const f = (x: w.Tensor) => (w.sum(x).item() > 0 ? w.mul(x, 2) : w.mul(x, -10));  // a guard on the sign of Σx
    const p = w.compile(f, w.tensor([1, 1, 1]));
    const r = (await mk.valueAsync(w.tensor([-1, -2, -3]))) as w.Tensor;
    let done = false, refused = 0;
    const call = p.valueAsync(r).finally(() => { done = true; });  // another branch: a guard-reference run, then a re-recording
    while (!done) {
      expect(() => w.release(r)).toThrow(expect.objectContaining({ code: 'ERR_ARG', message: expect.stringContaining('in flight') }));
      refused++;
      await turn();
    }
    expect(refused).toBeGreaterThan(2);  // the call took several turns
    expect(((await call) as w.Tensor).toArray()).toEqual([10, 20, 30]);
    expect(w.release(r)).toBe(1);
    expect(() => w.compile(f, r)).toThrow(released);
    expect(() => w.oneHot(r, 3)).toThrow(released);
  });

  it('bad input: too deep or cyclic values are ERR_ARG', () => {
    const cyc: unknown[] = [];
    cyc.push(cyc);
    expect(() => w.release(cyc)).toThrow(expect.objectContaining({ code: 'ERR_ARG' }));
  });
});

describeNative('w.release (native result memory)', () => {
  it('a released 8 MB result goes back to the block cache at the next turn, without a collection, and is reused with the right bits', async () => {
    w.setBackend('native');
    const n = 1_000_000;
    const p = w.compile((a: w.Tensor) => w.sum(w.mul(w.square(a), 3)), w.tensor(new Float64Array(n)));
    const xs = [0.25, 0.5, 0.75].map((s) => w.tensor(fill(n, (i) => s + i * 1e-7)));
    const keptBefore = loaded.addon!.blocksInfo().kept;
    const [, g0] = (await p.valueAndGradAsync(xs[0])) as [number, w.Tensor];
    expect(w.release(g0)).toBe(1);
    await turn();
    const kept = loaded.addon!.blocksInfo().kept;
    expect(kept - keptBefore).toBe(8 * n);  // the block is back, though g0's Tensor object is still alive
    for (const x of xs.slice(1)) {
      const [, g] = (await p.valueAndGradAsync(x)) as [number, w.Tensor];
      expect(sameBits(g.data(), (p.valueAndGrad(x)[1] as w.Tensor).data())).toBe(true);
      w.release(g);
      await turn();
    }
    expect(loaded.addon!.blocksInfo().kept).toBe(kept);  // each call took the block the last one gave back
    expect(loaded.addon!.detachResult(new ArrayBuffer(8))).toBe(true);
  }, 60_000);
});
