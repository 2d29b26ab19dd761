// show.html: one self-contained page; every equation a node with its value (and, forward, its
// cotangent); nodes laid out without overlap; the data the page's script highlights with.
// (npm run test:browser loads the pages in headless Chromium and drives them.)
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';

type T = w.Tensor;
const f = (x: T) => w.mul(w.sin(x), w.exp(x));

/** the nodes of one drawing: variable → box and data attributes */
function nodes(page: string, prog: 'fwd' | 'grad') {
  const out = new Map<number, { eqn?: string; value?: string; ct?: string; box: number[] }>();
  for (const m of page.matchAll(/<g class="node[^"]*" data-prog="(\w+)" data-var="(\d+)"([^>]*)><rect x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/g)) {
    if (m[1] !== prog) continue;
    const attr = (k: string) => new RegExp(`data-${k}="([^"]*)"`).exec(m[3])?.[1];
    out.set(Number(m[2]), { eqn: attr('eqn'), value: attr('value'), ct: attr('ct'), box: [4, 5, 6, 7].map((i) => Number(m[i])) });
  }
  return out;
}
const unesc = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const data = (page: string) => JSON.parse(/<script type="application\/json" id="wengert-data">(.*?)<\/script>/s.exec(page)![1]);

describeBackends('show.html', () => {
  it('is one self-contained page', () => {
    const page = w.show.html(f, 1);
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(page).not.toMatch(/\s(src|href)=/);
    expect(page.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:|url\(/);
    expect(page).toMatch(/<style>/);
    expect(page).toMatch(/<script>/);
  });

  it('draws every equation of both programs as a node, with the numbers of show.values', () => {
    for (const [fn, args] of [[f, [1]], [w.grad(f), [1]], [(x: T) => w.sum(w.square(x)), [[1, 2, 3]]]] as const) {
      const page = w.show.html(fn as never, ...args);
      const text = w.show.values(fn as never, ...args).split('\n\n');
      for (const [prog, section] of [['fwd', text[0]], ['grad', text[text.length - 1]]] as const) {
        const drawn = [...nodes(page, prog).values()];
        for (const l of section.split('\n').filter((x) => /^(%\d+ = |in %)/.test(x))) {
          const cols = l.split(/\s{3,}/);
          const n = drawn.find((d) => d.eqn && unesc(d.eqn) === cols[0]);
          expect(n, `${prog}: ${cols[0]}`).toBeDefined();
          expect(unesc(n!.value!)).toBe(cols.find((c) => c.startsWith('= '))!.slice(2));
        }
      }
    }
  });

  it('lays nodes out without overlap, operands above their uses', () => {
    const page = w.show.html(w.grad(f), 1);
    for (const prog of ['fwd', 'grad'] as const) {
      const ns = [...nodes(page, prog).entries()];
      expect(ns.length).toBeGreaterThan(3);
      for (let i = 0; i < ns.length; i++) for (let j = i + 1; j < ns.length; j++) {
        const [x, y, wd, h] = ns[i][1].box, [a, b, wb, hb] = ns[j][1].box;
        expect(x < a + wb && a < x + wd && y < b + hb && b < y + h, `%${ns[i][0]} and %${ns[j][0]} overlap`).toBe(false);
      }
      const box = new Map(ns);
      for (const m of page.matchAll(new RegExp(`<path class="edge" data-prog="${prog}" data-from="(\\d+)" data-to="(\\d+)"`, 'g'))) {
        const a = box.get(Number(m[1]))!, b = box.get(Number(m[2]))!;
        expect(a.box[1] + a.box[3]).toBeLessThanOrEqual(b.box[1]);
      }
    }
  });

  it('links each forward variable to the gradient equations that compute its cotangent', () => {
    const page = w.show.html(f, 1);
    const d = data(page);
    // ∂f/∂x is the gradient output; its equations are the backward sweep's cmul, cos, cmul, add
    const ct = d.ct[0];
    expect(nodes(page, 'grad').get(ct)!.eqn).toMatch(/^%\d+ = add /);
    const ops = (d.cone[0] as number[]).map((g) => /= (\w+)/.exec(nodes(page, 'grad').get(g)!.eqn!)![1]).sort();
    expect(ops).toEqual(['add', 'cmul', 'cmul', 'cos']);
    expect(d.info[0]).toMatch(/^∂f\/∂x \(%0\) = 3\.75605\n {2}= the sum of 2 terms, one per use:\n {2}1\.46869 {3}from %1 = sin %0/);
    // terms on the edges out of x sum to its cotangent
    const terms = [...page.matchAll(/<path class="edge" data-prog="fwd" data-from="0" [^>]*data-term="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(terms.reduce((a, b) => a + b, 0)).toBeCloseTo(3.75605, 4);
  });

  it('draws a loop as one node holding its body', () => {
    const page = w.show.html((x: T) => w.foriLoop(0, 3, (_i: T, c: T) => w.mul(w.sin(c), x), x), 1);
    expect(page).toMatch(/<g class="node eqn loop"[^>]*data-eqn="%\d+ = scan /);
    expect(page).toMatch(/<tspan[^>]*class="body">body:<\/tspan>/);
  });
});
