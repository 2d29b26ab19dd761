// p.show(): the simplified programs of a compiled Program; p.show({ planned: true }): the gradient
// program as it runs on the active backend (fused kernels, buffers, loops, tier).
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { tierOf } from '../src/show/planned.js';

type T = w.Tensor;
const A = w.tensor(Array.from({ length: 400 }, (_, i) => Math.sin(i)), [20, 20]);
const deep = (x: T) => w.sum(w.tanh(w.matmul(A, w.tanh(w.matmul(A, w.tanh(w.matmul(A, x)))))));
const code = (l: string) => l.replace(/\s+#.*$/, '');

describeBackends('p.show', (backend) => {
  it('prints the simplified forward and gradient programs with cotangent marks', () => {
    const p = w.compile((x: T) => w.sum(w.mul(w.sin(x), w.exp(x))), new Float64Array(4));
    const text = p.show();
    expect(text).toMatch(/^# path 0 \(0 guards\): forward program of f/m);
    expect(text).toMatch(/^# path 0 \(0 guards\): gradient program of f \(reverse mode\)/m);
    expect(text).toMatch(/# ∂f\/∂%\d+/);
    expect(text.match(/= sin %0 :/g)).toHaveLength(2);   // once per program
    expect(p.show({})).toBe(text);
  });

  it('{ planned: true } prints fused kernels with their instructions, the backend and the tier', () => {
    const p = w.compile((x: T) => w.sum(w.mul(w.sin(x), w.exp(x))), new Float64Array(100));
    p.grad(new Float64Array(100));
    const text = p.show({ planned: true });
    expect(text).toMatch(/planned gradient program of f, as p\.grad and p\.valueAndGrad run it: \d+ equations after planning/);
    // the value's sum is the chain's epilogue (Σr3): only the gradient row and the sum are stored
    expect(text).toMatch(/^%\d+ = fused %0 \{ r1 = sin r0; r2 = exp r0; r3 = mul r1 r2; .* \} → r\d+ Σr3 : f64\[101\]/m);
    expect(text).toMatch(/fused \{ r2 = sin r0; … \} → r3: one loop over the shape/);
    expect(text).toMatch(new RegExp(`^# backend: ${backend}.* · tier: interpreter$`, 'm'));
    expect(tierOf(w.tensor(1) as never)).toBe('interpreter');
  });

  it('{ planned: true } shows where the native encoder put each value', () => {
    const p = w.compile(deep, new Float64Array(20));
    const text = p.show({ planned: true });
    if (backend === 'ts') {
      expect(text).toMatch(/fresh array \(no reuse\)/);
      expect(text).not.toMatch(/@a\+/);
      return;
    }
    expect(text).toMatch(/^# native arena: \d+ values \(\d+ bytes\)/m);
    expect(text).toMatch(/# @in 0$/m);
    expect(text).toMatch(/# @out 1$/m);
    expect(text).toMatch(/# @a\+\d+ \(reuses %\d+'s buffer\)/);
    expect(text).toMatch(/# @a\+\d+ \(in place over %\d+\)/);
    expect(text).toMatch(/# @a\+\d+ \(view of %\d+\)/);
    expect(text).toMatch(/@a\+n: where a value lives in the native arena/);
    // every equation says where its value is
    for (const l of text.split('\n').filter((x) => /^%\d+ = /.test(x))) expect(l, l).toMatch(/# @(a\+\d+|in \d+|out \d+)/);
    // and the program that printed is the one that runs: same gradient
    expect(Array.from(p.grad(new Float64Array(20)) as Float64Array)).toEqual(Array.from(w.grad(deep)(new Float64Array(20)) as Float64Array));
  });

  it('{ planned: true } prints loops with their planned bodies; on the native backend the loops run inside the native program', () => {
    const p = w.compile((x: T) => w.sum(w.foriLoop(0, 5, (_i: T, c: T) => w.mul(w.sin(c), x), x)), new Float64Array(40));
    const text = p.show({ planned: true });
    expect(text).toMatch(/^%\d+ = scan .* length=5 consts=1 carries=2/m);
    expect(text).toMatch(/^%\d+ = scan .* length=5 reverse/m);
    expect(text).toMatch(/^│ {3}%\d+ = fused /m);   // loop bodies run planned
    if (backend === 'native') {
      expect(text).not.toMatch(/^# == JS/m);   // no stretch runs in JS around the loops
      expect(text).toMatch(/^%\d+ = scan .* length=5 consts=1 carries=2 : f64\[441\] +# @a\+\d+$/m);
      expect(text).not.toMatch(/^│.*# @a\+/m);   // body lines carry no outer arena offsets
    }
  });

  it('a non-scalar f: the planned program p.value runs', () => {
    const p = w.compile((x: T) => w.sin(x), new Float64Array(3));
    expect(p.show({ planned: true })).toMatch(/planned program of f, as p\.value runs it \(no gradient: f is not scalar\)/);
    expect(p.show()).not.toMatch(/gradient program/);
    expect(code(p.show().split('\n').find((l) => l.startsWith('%1'))!)).toBe('%1 = sin %0 : f64[3]');
  });
});
