import { describe, it, expect } from 'vitest';
import * as w from '../src/index.js';

type T = w.Tensor;
const sinx = (x: T) => w.mul(w.sin(x), x);
/** y₀ = x, y_{k+1} = sin(y_k)·y_k: every level uses y_k twice */
const nested = (n: number) => (x: T) => { let y = x; for (let i = 0; i < n; i++) y = w.mul(w.sin(y), y); return y; };

/** The two programs of show's text, split at the blank line. */
const programs = (text: string) => text.split('\n\n');
const lines = (text: string) => text.split('\n');
const code = (line: string) => line.replace(/\s+#.*$/, '');

/** Scalar interpreter of printed SSA (checks the text itself is a correct program). */
function runPrinted(text: string, inputs: number[]): number[] {
  const env = new Map<string, number>();
  const outs: number[] = [];
  let nextIn = 0;
  const fns: Record<string, (...a: number[]) => number> = {
    sin: Math.sin, cos: Math.cos, neg: (a) => -a, mul: (a, b) => a * b, cmul: (a, b) => (a === 0 ? 0 : a * b),
    add: (a, b) => a + b, sub: (a, b) => a - b, exp: Math.exp, equal: (a, b) => (a === b ? 1 : 0), where: (c, a, b) => (c !== 0 ? a : b),
  };
  for (const line of lines(text).map(code)) {
    let m: RegExpExecArray | null;
    if ((m = /^in (%\d+) : f64\[\]$/.exec(line))) env.set(m[1], inputs[nextIn++]);
    else if ((m = /^const (%\d+) = (\S+) : f64\[\]$/.exec(line))) env.set(m[1], Number(m[2]));
    else if ((m = /^(%\d+) = (\w+)((?: %\d+)+) : f64\[\]$/.exec(line))) {
      const args = m[3].trim().split(' ').map((v) => env.get(v)!);
      expect(fns[m[2]], `op ${m[2]}`).toBeDefined();
      env.set(m[1], fns[m[2]](...args));
    } else if ((m = /^out (%\d+) : f64\[\]$/.exec(line))) outs.push(env.get(m[1])!);
    else expect(line.startsWith('#'), `unexpected line: ${line}`).toBe(true);
  }
  return outs;
}

describe('show', () => {
  it('prints the forward and gradient programs of sin(x)·x as numbered SSA', () => {
    const [fwd, grad] = programs(w.show(sinx, 2));
    expect(lines(fwd).map(code)).toEqual([
      expect.stringMatching(/^# forward program of sinx\(x\)/),
      'in %0 : f64[]',
      '%1 = sin %0 : f64[]',
      '%2 = mul %1 %0 : f64[]',
      'out %2 : f64[]',
    ]);
    expect(fwd).toMatch(/^in %0 : f64\[\]\s+# x$/m);
    expect(grad).toMatch(/^# gradient program of sinx\(x\) \(reverse mode\)/);
    expect(grad).toMatch(/^%\d+ = cos %0 : f64\[\]/m);
    expect(grad).toMatch(/^out %\d+ : f64\[\]\s+# ∂sinx\/∂x$/m);
    expect(grad).toContain('# -- forward sweep');
    expect(grad).toContain('# -- backward sweep');
  });

  it('prints programs that compute what they claim', () => {
    const [fwd, grad] = programs(w.show(sinx, 0.7));
    expect(runPrinted(fwd, [0.7])[0]).toBeCloseTo(Math.sin(0.7) * 0.7, 15);
    const [value, d] = runPrinted(grad, [0.7]);
    expect(value).toBeCloseTo(Math.sin(0.7) * 0.7, 15);
    expect(d).toBeCloseTo(Math.sin(0.7) + 0.7 * Math.cos(0.7), 15);
  });

  it('names cotangents by the variable they belong to, in the printed numbering', () => {
    const text = programs(w.show((x: T) => w.sum(w.mul(w.exp(w.sin(x)), x)), [1, 2, 3]))[1];
    const defs = new Map(lines(text).map(code).flatMap((l) => {
      const m = /^(%\d+) = (\w+)/.exec(l);
      return m ? [[m[1], m[2]] as const] : [];
    }));
    const cts = [...text.matchAll(/# ∂f\/∂(%\d+)$/gm)].map((m) => m[1]);
    expect(cts.length).toBeGreaterThan(0);
    for (const v of cts) expect(['sin', 'exp', 'mul']).toContain(defs.get(v));
    expect(text).toMatch(/^%\d+ = sum %\d+ axes=\[0\] : f64\[\]/m);
  });

  it('numbers variables compactly and drops dead code', () => {
    const text = w.show((x: T) => { w.exp(x); return w.mul(x, 3); }, 2);
    const [fwd] = programs(text);
    expect(fwd).not.toContain('exp');
    expect(fwd).toMatch(/^const %1 = 3 : f64\[\]$/m);
    expect(fwd).toMatch(/^%2 = mul %0 %1 : f64\[\]$/m);
    for (const p of programs(text)) {
      const defined = [...p.matchAll(/^(?:in |const )?%(\d+)(?: =| :)/gm)].map((m) => Number(m[1]));
      expect(defined).toEqual(defined.map((_, i) => i));
    }
  });

  it('prints small constants by value and big ones by shape', () => {
    const big = w.tensor(Array.from({ length: 100 }, (_, i) => i));
    const text = w.show((x: T) => w.sum(w.mul(w.mul(x, big), [1.5, 2.5, 3.5].length)), big);
    expect(text).toMatch(/^const %\d+ : f64\[100\]$/m);
    expect(text).toMatch(/^const %\d+ = 3 : f64\[\]$/m);
    const small = w.show((x: T) => w.sum(w.mul(x, [1.5, -2])), [1, 1]);
    expect(small).toMatch(/^const %\d+ = \[1\.5, -2\] : f64\[2\]$/m);
  });

  it('labels pytree leaves and several arguments', () => {
    const text = w.show((p: { W: T; b: T }, c: T) => w.add(w.sum(w.mul(p.W, p.b)), c), { W: [1, 2], b: [3, 4] }, 5);
    expect(text).toMatch(/^in %0 : f64\[2\]\s+# p\.W$/m);
    expect(text).toMatch(/^in %1 : f64\[2\]\s+# p\.b$/m);
    expect(text).toMatch(/^in %2 : f64\[\]\s+# c$/m);
    expect(text).toMatch(/# ∂f\/∂p\.W$/m);
    expect(text).toMatch(/# ∂f\/∂c$/m);
  });

  it('shows the program of a transformed function', () => {
    const text = w.show(w.grad(sinx), 2);
    const [g, hess] = programs(text);
    expect(g).toMatch(/= cos %0/m);
    expect(g).toMatch(/^in %0 : f64\[\]\s+# arg0$/m);
    // d/dx (sin x + x cos x) = 2 cos x − x sin x
    const [, second] = runPrinted(hess, [2]);
    expect(second).toBeCloseTo(2 * Math.cos(2) - 2 * Math.sin(2), 14);
  });

  it('explains why a non-scalar output has no gradient program', () => {
    const text = w.show((x: T) => w.sin(x), [1, 2]);
    expect(text).toMatch(/^out %1 : f64\[2\]/m);
    expect(text).toMatch(/not a scalar: no gradient program/);
  });

  it('prints guards for values read while recording', () => {
    const text = w.show((x: T) => (x.item() > 0 ? w.sin(x) : w.cos(x)), 2);
    expect(text).toMatch(/^guard %0 == 2\s+#/m);
  });

  it('rejects a non-function', () => {
    expect(() => w.show(3 as never)).toThrow(w.WengertError);
  });
});

/** sizes printed under each inlined expression */
const sizes = (text: string) => [...text.matchAll(/inlined: (\d+) characters, (\d+) nodes · SSA: (\d+) equations?/g)]
  .map((m) => ({ chars: BigInt(m[1]), nodes: BigInt(m[2]), eqns: Number(m[3]) }));

describe('show.expression', () => {
  it('inlines the value and the derivative of sin(x)·x', () => {
    const text = w.show.expression(sinx, 2);
    expect(text).toMatch(/^sinx = \(sin\(x\) \* x\)$/m);
    const d = /^∂sinx\/∂x = (.*)$/m.exec(text)![1];
    const js = new Function('x', `return ${d.replace(/\b(sin|cos)\(/g, 'Math.$1(')}`) as (x: number) => number;
    expect(js(0.3)).toBeCloseTo(Math.sin(0.3) + 0.3 * Math.cos(0.3), 15);
    expect(sizes(text)[0]).toEqual({ chars: 12n, nodes: 4n, eqns: 2 });
  });

  it('expression swell: inlined size grows geometrically with depth, SSA linearly', () => {
    const s = [1, 2, 3, 4, 5, 6].map((n) => sizes(w.show.expression(nested(n), 0.5)));
    s.forEach(([fwd], i) => expect(fwd.eqns).toBe(2 * (i + 1)));
    // '(sin(' y ') * ' y ')': len_{k+1} = 2·len_k + 10 with len_0 = 1 ('x'), so 11·2ⁿ − 10
    s.forEach(([fwd], i) => expect(fwd.chars).toBe(11n * 2n ** BigInt(i + 1) - 10n));
    const gradEqns = s.map(([, g]) => g.eqns);
    const steps = gradEqns.slice(1).map((e, i) => e - gradEqns[i]);
    expect(new Set(steps).size).toBe(1);
    for (let i = 1; i < s.length; i++) expect(Number(s[i][1].chars) / Number(s[i - 1][1].chars)).toBeGreaterThan(2);
  });

  it('caps huge expressions and still counts them exactly', () => {
    const t0 = Date.now();
    const text = w.show.expression(nested(40), 0.5);
    expect(Date.now() - t0).toBeLessThan(5000);
    const first = lines(text).find((l) => l.startsWith('f = '))!;
    expect(first).toContain(`cut at 2000 of ${11n * 2n ** 40n - 10n} characters`);
    expect(first.length).toBeLessThan(2100);
    expect(sizes(text)[0].eqns).toBe(80);
  });
});

/** A small DOT reader: the statements of `digraph { ... }` with node and edge ids. */
function readDot(dot: string) {
  const m = /^digraph\s+\w+\s*\{([\s\S]*)\}\s*$/.exec(dot);
  expect(m, 'digraph { ... }').not.toBeNull();
  let depth = 0;
  for (const ch of dot.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if (ch === '{') depth++;
    if (ch === '}') depth--;
    expect(depth).toBeGreaterThanOrEqual(0);
  }
  expect(depth).toBe(0);
  const body = m![1];
  const nodes = new Set([...body.matchAll(/^\s*(\w+) \[label=/gm)].map((x) => x[1]));
  const edges = [...body.matchAll(/^\s*(\w+) -> (\w+)/gm)].map((x) => [x[1], x[2]]);
  const clusters = [...body.matchAll(/subgraph "(cluster_\w+)"/g)].map((x) => x[1]);
  return { nodes, edges, clusters };
}

describe('show.dot', () => {
  it('is a digraph with one cluster per program and edges between declared nodes', () => {
    const dot = w.show.dot(sinx, 2);
    const { nodes, edges, clusters } = readDot(dot);
    expect(clusters).toEqual(['cluster_forward', 'cluster_gradient']);
    expect([...nodes].filter((n) => n.startsWith('forward_'))).toHaveLength(3);
    expect(edges).toContainEqual(['forward_0', 'forward_1']);
    for (const [a, b] of edges) { expect(nodes).toContain(a); expect(nodes).toContain(b); }
    expect(dot).toMatch(/peripheries=2/);
  });

  it('has only the forward cluster for a non-scalar output', () => {
    expect(readDot(w.show.dot((x: T) => w.exp(x), [1, 2])).clusters).toEqual(['cluster_forward']);
  });
});

const sinExp = (x: T) => w.mul(w.sin(x), w.exp(x));
const count = (text: string, re: RegExp) => [...text.matchAll(re)].length;

describe('show: simplified by default, raw on request', () => {
  it('prints the second-order program of sin(x)·eˣ without repeated work', () => {
    const text = w.show(w.grad(w.grad(sinExp)), 1);
    for (const p of programs(text)) {
      expect(count(p, /= sin %0 :/g)).toBe(1);
      expect(count(p, /= cos %0 :/g)).toBe(1);
      expect(count(p, /= exp %0 :/g)).toBe(1);
      // no two equations alike
      const eqns = lines(p).map(code).filter((l) => /^%\d+ = /.test(l)).map((l) => l.replace(/^%\d+ = /, ''));
      expect(new Set(eqns).size).toBe(eqns.length);
    }
    const raw = w.show.raw(w.grad(w.grad(sinExp)), 1);
    expect(count(programs(raw)[1], /= sin %0 :/g)).toBeGreaterThanOrEqual(4);
    expect(raw).toMatch(/raw, as recorded/);
  });

  it('simplified programs still compute what they claim', () => {
    const [fwd, grad] = programs(w.show(w.grad(w.grad(sinExp)), 0.3));
    const x = 0.3, e = Math.exp(x), s = Math.sin(x), c = Math.cos(x);
    expect(runPrinted(fwd, [x])[0]).toBeCloseTo(2 * e * c, 14);          // f″ = 2eˣcos x
    expect(runPrinted(grad, [x])[1]).toBeCloseTo(2 * e * (c - s), 14);   // f‴ = 2eˣ(cos x − sin x)
  });

  it('explains every annotation in the header of the program that first uses it, once', () => {
    const text = w.show(w.grad(w.grad(sinExp)), 1);
    const [fwd, grad] = programs(text);
    const header = (p: string) => lines(p).filter((l) => l.startsWith('#   ')).join('\n');
    // cmul and the zero guard appear first in the forward program (it is a derivative program)
    expect(fwd).toMatch(/= cmul /);
    expect(header(fwd)).toMatch(/cmul g p = g·p/);
    expect(fwd).toMatch(/# 0 where %\d+ = 0/);
    expect(header(fwd)).toMatch(/where \(equal b 0\) 0 p/);
    expect(header(grad)).not.toMatch(/cmul g p/);
    // cotangent marks, the sweeps, gradient outputs: explained where they first appear
    expect(grad).toMatch(/# ∂f\/∂%\d+/);
    expect(header(grad)).toMatch(/∂f\/∂%k \(a comment\): this variable holds the cotangent of %k/);
    expect(header(grad)).toMatch(/-- forward sweep: the gradient program runs on its own/);
    expect(header(grad)).toMatch(/∂f\/∂x \(a comment\): a gradient output/);
    for (const needle of ['cmul g p = g·p', 'this variable holds the cotangent', '-- forward sweep: the gradient']) expect(count(text, new RegExp(needle, 'g'))).toBe(1);
  });

  it('prints loops as one equation with the body indented under it (scan, foriLoop, whileLoop, a rolled JS loop)', () => {
    const fori = w.show((x: T) => w.foriLoop(0, 3, (_i: T, c: T) => w.mul(w.sin(c), x), x), 1);
    expect(fori).toMatch(/^%\d+ = scan .*length=3/m);
    expect(fori).toMatch(/^│ {3}# body: %0 loop constant, %1 %2 carries → %\d+ %\d+ next carries/m);
    expect(fori).toMatch(/^│ {3}%\d+ = sin %2 : f64\[\]$/m);
    expect(fori).toMatch(/scan: a loop kept as one equation/);
    // the reverse sweep is a reverse scan over the body's VJP
    expect(programs(fori)[1]).toMatch(/^%\d+ = scan .*length=3 reverse/m);
    const xs = w.show((x: T) => w.sum(w.scan((c: T, xi: T) => [w.add(c, w.mul(xi, x)), c], 0, w.tensor([1, 2, 3]))[1]), 2);
    expect(xs).toMatch(/# body: %0 loop constant, %1 carry, %2 slice of xs → %\d+ next carry, %\d+ row of ys/);
    const wl = w.show((x: T) => w.whileLoop((c: T) => w.less(c, 10), (c: T) => w.mul(c, x), x), 2);
    expect(wl).toMatch(/^│ {3}# cond: %0 loop constant, %1 carry → go on when ≠ 0/m);
    expect(wl).toMatch(/^│ {3}# body: /m);
    expect(programs(wl)[1]).toMatch(/^%\d+ = whileVjp /m);
    expect(programs(wl)[1]).toMatch(/^│ {3}# reverse sweep: %0 loop constant, %1 carry the iteration started from, %2 cotangent after it, %3 running sum → %\d+ cotangent before it, %\d+ running sum/m);
    // a plain JS loop, rolled by the planner as w.grad rolls it
    const js = (x: T) => { let y = x; for (let i = 0; i < 8; i++) y = w.add(w.mul(w.sin(y), 0.5), w.mul(y, x)); return w.sum(y); };
    const rolled = w.show(js, [0.5, 1]);
    expect(rolled).toMatch(/^%\d+ = scan .*length=\d/m);
    expect(count(programs(rolled)[0], /= sin /g)).toBeLessThan(4);
    expect(count(programs(w.show.raw(js, [0.5, 1]))[0], /= sin /g)).toBe(8);
  });
});
