// The loop programs of test/loops.test.ts and test/reroll.test.ts (scan, foriLoop, whileLoop,
// checkpointing, JS loops the planner rolls), as data: test/native/loops.test.ts runs each on the
// native executor against the TS backend, and native/fuzz/make-corpus.ts encodes them as seeds.
// `exact`: the programs use only IEEE-exact arithmetic (and exact reductions), so both backends
// give the same bits; the others call transcendental functions (sin, tanh, exp) whose native and
// V8 results differ within a few ulps.
import * as w from '../../src/index.js';
import { ode } from '../../bench/workloads.js';

type T = w.Tensor;
export interface LoopProgram {
  name: string;
  /** a scalar loss of its arguments (gradients w.r.t. all of them) */
  f: (...args: any[]) => T;
  args: unknown[];
  exact: boolean;
  /** second order (hessian w.r.t. argument 0) is also compared */
  second?: boolean;
}

const step = (p: T, c: T) => (x: T) => w.add(w.sin(w.mul(p, x)), w.mul(c, x));
const viaScan = (n: number) => (q: T) => {
  const [p, c] = w.unstack(q);
  return w.scan((x: T) => [step(p, c)(x), null], w.tensor(0.5), null, { length: n })[0] as T;
};
const cumsum = (reverse: boolean) => (xs: T) => {
  const [c, ys] = w.scan((acc: T, x: T) => { const s = w.add(acc, x); return [s, w.mul(s, x)]; }, w.tensor(0.25), xs, { reverse });
  return w.add(c, w.sum(ys as T));
};
const W = w.tensor([[0.5, -0.2], [0.1, 0.3]]);
const pytree = (h0: T, xs: T, b: T) => {
  const [{ h, s }, ys] = w.scan(({ h, s }: { h: T; s: T }, x: { a: T; u: T }) => {
    const hn = w.tanh(w.add(w.add(w.matmul(W, h), w.mul(x.a, b)), x.u));
    return [{ h: hn, s: w.add(s, w.sum(hn)) }, { out: w.mul(hn, 2) }];
  }, { h: h0, s: 0 }, { a: w.sin(xs), u: w.mul(xs, 0.5) });
  return w.add(w.add(w.sum(h), s), w.sum(w.mul((ys as { out: T }).out, xs)));
};
const reverseXs = (xs: T) => {
  const [c, ys] = w.scan((c: T, x: T) => [w.add(w.mul(c, x), w.sin(c)), w.mul(c, c)], w.tensor(0.3), xs, { reverse: true });
  return w.add(c, w.sum(ys as T));
};
const inner = (a: T) => w.scan((c: T) => [w.sin(w.add(c, a)), null], w.tensor(0.05), null, { length: 4 })[0] as T;
const outer = (a: T) => w.scan((c: T) => [w.add(inner(w.add(a, c)), 0.1), null], w.tensor(0.05), null, { length: 3 })[0] as T;
const descent = (t: T) => {
  const loss = (x: T) => w.sum(w.square(w.sub(x, t)));
  const [x] = w.scan((x: T) => [w.sub(x, w.mul(0.25, w.grad(loss)(x) as T)), null], w.tensor([0, 0]), null, { length: 30 });
  return w.sum(w.mul(x as T, x as T));
};
const fori = (x: T) => w.foriLoop(2, 6, (i: T, c: T) => w.add(w.mul(c, x), i), w.tensor(1));
const newton = (a: T) => w.whileLoop(
  (x: T) => w.greater(w.abs(w.sub(w.mul(x, x), a)), w.mul(1e-12, a)),
  (x: T) => w.mul(0.5, w.add(x, w.div(a, x))), a, { maxIterations: 100 }) as T;
const powerLoop = (c: T) => w.whileLoop((s: { k: T; x: T }) => w.less(s.k, 5),
  (s: { k: T; x: T }) => ({ k: w.add(s.k, 1), x: w.sin(w.mul(s.x, c)) }), { k: 0, x: 0.5 }).x as T;
const ckBody = (p: T) => (c: T, x: T) => { const h = w.tanh(w.add(w.mul(c, p), x)); return [w.add(w.mul(h, 0.9), w.sin(c)), w.square(h)]; };
const checkpointed = (checkpoint: 'none' | 'sqrt' | number, reverse = false) => (p: T) => {
  const xs = w.sin(w.mul(w.tensor(Array.from({ length: 23 }, (_, i) => i)), 0.3));
  const [c, ys] = w.scan(ckBody(p), w.tensor([0.1, -0.2]), w.stack([xs, w.cos(xs)], 1), { checkpoint, reverse });
  return w.add(w.sum(c), w.sum(ys as T));
};
const ckf = (x: T, y: T) => w.sum(w.mul(w.exp(w.sin(x)), w.tanh(w.mul(x, y))));
const ckg = w.checkpoint(ckf);
const checkpointFn = (x: T) => w.add(ckg(x, w.mul(x, 2)), ckf(x, x));
// JS loops the planner rolls (test/reroll.test.ts)
const readAfter = (x: T) => {
  const hist: T[] = [];
  let s = x;
  for (let k = 0; k < 12; k++) { s = w.add(w.mul(s, 0.9), w.sin(s)); hist.push(w.cos(s)); }
  return w.sum(w.add(w.sum(w.stack(hist)), w.mul(s, hist[3])));
};
const timeSteps = (y0: T) => {
  let y = y0, t = 0;
  for (let k = 0; k < 20; k++) { y = w.add(y, w.mul(0.05, w.sin(w.mul(t, y)))); t += 0.05; }
  return y;
};
const nestedJs = (x: T) => {
  let s = x;
  for (let i = 0; i < 6; i++) {
    let u = s;
    for (let j = 0; j < 5; j++) u = w.sin(w.add(u, 0.1));
    s = w.add(w.mul(s, 0.5), u);
  }
  return s;
};
// more shapes of loops: a while loop inside a scan body, a scan inside a while body, empty loops
const whileInScan = (x: T) => w.sum(w.scan((c: T, xi: T) => {
  const r = w.whileLoop((v: T) => w.less(w.sum(v), 4), (v: T) => w.add(w.mul(v, 1.5), xi), w.add(c, 0.5), { maxIterations: 50 }) as T;
  return [w.mul(r, 0.25), w.sum(r)];
}, w.tensor([0.1, 0.2, 0.3]), w.reshape(x, [4, 1]))[1] as T);
const scanInWhile = (x: T) => (w.whileLoop((s: { k: T; v: T }) => w.less(s.k, 3), (s: { k: T; v: T }) => ({
  k: w.add(s.k, 1),
  v: w.scan((c: T, xi: T) => [w.add(w.mul(c, 0.5), w.mul(xi, s.v)), null], w.tensor(0.1), x)[0] as T,
}), { k: 0, v: w.sum(x) }) as { v: T }).v;
const emptyScan = (x: T) => {
  const [c, ys] = w.scan((c: T) => [w.mul(c, 2), w.add(c, 1)], w.mul(x, 3), null, { length: 0 });
  return w.add(w.sum(c as T), w.sum(ys as T));
};
const emptyWhile = (x: T) => w.sum(w.whileLoop((v: T) => w.less(w.sum(v), -1), (v: T) => w.mul(v, 2), w.mul(x, x)) as T);
const bigCarry = (x: T) => {   // carries above 16 values: read and written in place
  const [c, ys] = w.scan((c: T, xi: T) => { const n = w.add(w.mul(c, 0.75), w.mul(xi, x)); return [n, w.sum(n)]; }, w.mul(x, 0.5), w.reshape(w.tensor(Array.from({ length: 60 }, (_, i) => i / 10)), [3, 20]));
  return w.add(w.sum(c as T), w.sum(w.square(ys as T)));
};

const W3 = ode(100);
// linear algebra inside a scan body: x ← (A_k·A_kᵀ + s·I)⁻¹·x through the Cholesky factor, Σ log det
const E3 = w.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
const linalgScan = (s: T, As: T) => {
  const [x, logs] = w.scan((x: T, A: T) => {
    const L = w.linalg.cholesky(w.add(w.matmul(A, w.transpose(A)), w.mul(s, E3)));
    const [, logdet] = w.linalg.slogdet(L);
    return [w.linalg.choleskySolve(L, w.add(x, w.linalg.solve(A, x))), logdet];
  }, w.tensor([1, -0.5, 0.25]), As);
  return w.add(w.sum(w.square(x as T)), w.sum(logs as T));
};
const linalgStack = [[[2, 0.5, -0.3], [0.1, 1.5, 0.2], [-0.4, 0.3, 1.8]], [[1.2, -0.2, 0.4], [0.3, 2.1, -0.1], [0.2, 0.6, 1.4]],
  [[1.7, 0.1, 0.2], [-0.5, 1.1, 0.3], [0.4, -0.2, 2.3]]];

export const LOOP_PROGRAMS: LoopProgram[] = [
  { name: 'scan: cumulative sum', f: cumsum(false), args: [[1, 2, 3, 4]], exact: true, second: true },
  { name: 'scan: reverse cumulative sum', f: cumsum(true), args: [[1, 2, 3, 4]], exact: true, second: true },
  ...[1, 3, 10, 37].map((n) => ({ name: `scan: x ← sin(p·x) + c·x, ${n} steps`, f: viaScan(n), args: [[1.3, 0.4]], exact: false, second: true })),
  { name: 'scan: pytree carries, xs and ys', f: pytree, args: [[0.1, -0.4], [[1, 2], [0.5, -1], [2, 0.25]], [0.7, -0.3]], exact: false },
  { name: 'scan: reverse, xs cotangents', f: reverseXs, args: [[0.9, 1.1, -0.5, 0.2]], exact: false },
  { name: 'scan: nested scans', f: outer, args: [0.7], exact: false, second: true },
  { name: 'scan: gradient descent, grad inside the body', f: descent, args: [[1, 2]], exact: true },
  { name: 'foriLoop', f: fori, args: [1.5], exact: true, second: true },
  { name: 'whileLoop: Newton square root', f: newton, args: [2], exact: true, second: true },
  { name: 'whileLoop: counter and sin', f: powerLoop, args: [1.3], exact: false, second: true },
  ...(['none', 'sqrt', 2, 7] as const).flatMap((k) => [false, true].map((reverse) => ({
    name: `scan checkpoint ${k}${reverse ? ' reverse' : ''}`, f: checkpointed(k, reverse), args: [[0.7, 1.1]], exact: false, second: k === 'sqrt' }))),
  { name: 'w.checkpoint(f)', f: checkpointFn, args: [[0.3, -1.2]], exact: false, second: true },
  { name: 'rolled: W3 (RK4, 100 steps)', f: W3.f as (p: T) => T, args: [W3.args[0]], exact: true, second: true },
  { name: 'rolled: values read after the loop', f: readAfter, args: [[0.3, 0.7]], exact: false },
  { name: 'rolled: stacked time steps', f: timeSteps, args: [0.8], exact: false, second: true },
  { name: 'rolled: nested JS loops', f: nestedJs, args: [0.4], exact: false, second: true },
  { name: 'whileLoop inside a scan body', f: whileInScan, args: [[0.5, -0.25, 1, 0.125]], exact: true },
  { name: 'scan inside a whileLoop body', f: scanInWhile, args: [[0.5, -0.25, 1]], exact: true },
  { name: 'scan of length 0', f: emptyScan, args: [[1, 2]], exact: true },
  { name: 'whileLoop of 0 iterations', f: emptyWhile, args: [[1, 2]], exact: true },
  { name: 'scan: 20-value carries read in place', f: bigCarry, args: [Array.from({ length: 20 }, (_, i) => Math.cos(i))], exact: true },
  { name: 'scan: cholesky, slogdet, solves in the body', f: linalgScan, args: [0.5, linalgStack], exact: false, second: true },
];
