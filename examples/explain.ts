// Pages that show what AD does (w.show.html), for the README's examples: first and second order,
// a vector function and a loop. Each page draws the forward program and the gradient program
// side by side, every node with its equation, value and cotangent.
// Run: npx tsx examples/explain.ts [output directory, default explain-pages/]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as w from '../src/index.js';

type T = w.Tensor;

/** f(x) = sin(x)·eˣ: the README's example */
export const f = (x: T) => w.mul(w.sin(x), w.exp(x));
/** f′(x) = cos(x)·eˣ + sin(x)·eˣ as a program; its gradient program computes f″ */
const fPrime = w.grad(f);
/** ‖A·x − b‖², x ∈ ℝ³: vectors and a matrix product */
const A = w.tensor([[1, 2, 0], [0, 1, -1], [2, 0, 1], [1, 1, 1]]);
const b = w.tensor([1, 0, 2, 3]);
export const residual = (x: T) => w.sum(w.square(w.sub(w.matmul(A, x), b)));
/** three steps of y ← y·cos(y) + x, kept as a loop (w.foriLoop) */
export const iterate = (x: T) => w.foriLoop(0, 3, (_i: T, y: T) => w.add(w.mul(y, w.cos(y)), x), x);

export interface Example { file: string; title: string; f: (...a: any[]) => unknown; args: unknown[] }

export const examples: Example[] = [
  { file: 'first-order.html', title: 'f(x) = sin(x)·eˣ at x = 1: the gradient program', f, args: [1] },
  { file: 'second-order.html', title: 'f′(x) = w.grad(f) at x = 1 and its gradient program (f″)', f: fPrime, args: [1] },
  { file: 'vector.html', title: 'f(x) = ‖A·x − b‖² at x = (0.5, −1, 2)', f: residual, args: [[0.5, -1, 2]] },
  { file: 'loop.html', title: 'three steps of y ← y·cos(y) + x (w.foriLoop) at x = 0.5', f: iterate, args: [0.5] },
];

/** writes one page per example into `dir`; returns their paths */
export function writePages(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return examples.map((e) => {
    const path = join(dir, e.file);
    writeFileSync(path, w.show.html.with({ title: e.title })(e.f, ...e.args));
    return path;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = resolve(process.argv[2] ?? 'explain-pages');
  for (const p of writePages(dir)) console.log(`wrote ${p}`);
  console.log(w.show.values(f, 1));
}
