// show.values (the classic AD table) and show.html's numbers, computed on every backend.
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const f = (x: T) => w.mul(w.sin(x), w.exp(x));
const full = w.show.values.with({ digits: 17 });
const sections = (text: string) => text.split('\n\n');

/** `%k … = value   v̄ = ct` rows of the first section, by variable */
function table(text: string): Map<number, { value: string; ct?: string }> {
  const rows = new Map<number, { value: string; ct?: string }>();
  for (const l of sections(text)[0].split('\n')) {
    const m = /^(?:in )?%(\d+)\b/.exec(l);
    if (!m) continue;
    const cols = l.split(/\s{3,}/);
    const value = cols.find((c) => c.startsWith('= '))!.slice(2);
    const ct = cols.find((c) => c.startsWith('v̄ = '))?.slice('v̄ = '.length);
    rows.set(Number(m[1]), { value, ct });
  }
  return rows;
}

describeBackends('show.values', () => {
  it('matches a hand computation for f(x) = sin(x)·eˣ at x = 1', () => {
    const text = full(f, 1);
    const t = table(text);
    const s = Math.sin(1), c = Math.cos(1), e = Math.exp(1);
    // forward sweep: v0 = x, v1 = sin x, v2 = eˣ, v3 = v1·v2
    const want = [[1, e * (c + s)], [s, e], [e, s], [s * e, 1]];
    want.forEach(([v, ct], k) => {
      expect(Number(t.get(k)!.value)).toBeCloseTo(v, 15);
      expect(Number(t.get(k)!.ct)).toBeCloseTo(ct, 14);
    });
    expect(sections(text)[0]).toMatch(/^%1 = sin %0 : f64\[\]/m);
    // backward sweep: v̄0 = v̄1·cos x + v̄2·eˣ, term by term
    const x = /^∂f\/∂x \(%0\) = (\S+) \(from %1 = sin %0\) \+ (\S+) \(from %2 = exp %0\) = (\S+)$/m.exec(sections(text)[1])!;
    expect(x).not.toBeNull();
    expect(Number(x[1])).toBeCloseTo(e * c, 14);
    expect(Number(x[2])).toBeCloseTo(e * s, 14);
    expect(Number(x[3])).toBe(Number(t.get(0)!.ct));
    // the gradient program that runs, each equation with its value; its result is w.grad's
    const grad = sections(text)[2];
    expect(grad).toMatch(/^# gradient program of f\(x\) \(reverse mode\) at x = 1/m);
    const out = /^%(\d+) = add .*= (\S+)\s+# ∂f\/∂x$/m.exec(grad)!;
    expect(Number(out[2])).toBe(w.grad(f)(1));
  });

  it('rounds to 6 digits by default and elides arrays past a few elements', () => {
    const text = w.show.values(f, 1);
    expect(text).toMatch(/^%1 = sin %0 : f64\[\]\s+= 0\.841471\s+v̄ = 2\.71828$/m);
    const long = w.show.values((x: T) => w.sum(w.square(x)), Array.from({ length: 10 }, (_, i) => i / 9));
    expect(long).toMatch(/= \[0, 0\.111111, 0\.222222, 0\.333333, 0\.444444, 0\.555556, …\]/);
    expect(long).toMatch(/\[a, b, …\] f64\[n\]: the first values/);
    expect(w.show.values.with({ elements: 2 })((x: T) => w.sum(w.square(x)), Array.from({ length: 10 }, (_, i) => i / 9))).toMatch(/= \[0, 0\.111111, …\]/);
  });

  it('an object after f is an argument (a pytree), never options', () => {
    const text = w.show.values((p: { a: T; b: T }) => w.mul(p.a, p.b), { a: 2, b: 3 });
    expect(text).toMatch(/^in %0 : f64\[\]\s+= 2\s+v̄ = 3\s+# p\.a$/m);
    expect(text).toMatch(/^in %1 : f64\[\]\s+= 3\s+v̄ = 2\s+# p\.b$/m);
  });

  it('cotangents of every variable agree with w.grad, also through a loop and for tensors', () => {
    const loop = (x: T) => w.foriLoop(0, 3, (_i: T, c: T) => w.add(w.mul(c, w.cos(c)), x), x);
    const t = table(full(loop, 0.5));
    expect(Number(t.get(0)!.ct)).toBeCloseTo(w.grad(loop)(0.5) as number, 14);
    expect(full(loop, 0.5)).toMatch(/values inside loop bodies change every iteration/);
    const vec = (x: T) => w.sum(w.mul(w.sin(x), x));
    const text = full(vec, [1, 2, 3]);
    const g = w.grad(vec)([1, 2, 3]) as number[];
    const ct = table(text).get(0)!.ct!;
    expect(JSON.parse(ct)).toEqual(g.map((x) => Number(x.toPrecision(17))));
  });

  it('a vector output has values but no cotangents', () => {
    const text = w.show.values((x: T) => w.sin(x), [1, 2]);
    expect(text).toMatch(/not a scalar: no gradient program/);
    expect(text).toMatch(/^%1 = sin %0 : f64\[2\]\s+= \[0\.841471, 0\.909297\]/m);
  });

  it('show.html carries the same numbers', () => {
    const page = w.show.html(f, 1);
    expect(page).toMatch(/data-eqn="%1 = sin %0 : f64\[\]" data-value="0\.841471" data-ct="2\.71828"/);
    expect(page).toMatch(/data-prog="fwd" data-from="0" data-to="1" data-operand="0" data-term="1\.46869"/);
  });
});
