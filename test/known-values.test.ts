// Gradients with known values: classic test functions with analytic gradients, models with a
// hand-written backward pass, an ODE integrated with scalar ops against finite differences, stable
// composites, higher order, and the argument conventions of grad / valueAndGrad / vjp (DESIGN §1).
import { it, expect } from 'vitest';
import * as w from '../src/index.js';
import { describeBackends } from './support/backends.js';
import { Rng } from './support/rng.js';
import { gradient, directional, dotAll, closeFD } from './support/fd.js';

type T = w.Tensor;
const data = (g: unknown): number[] =>
  (typeof g === 'number' ? [g] : Array.isArray(g) ? (g.flat(Infinity) as number[]) : Array.from((g as T).data()));

function expectNear(got: ArrayLike<number> | number, want: ArrayLike<number> | number, rtol = 1e-12, what = '') {
  const a = typeof got === 'number' ? [got] : Array.from(got), b = typeof want === 'number' ? [want] : Array.from(want);
  expect(a.length, `${what} length`).toBe(b.length);
  const scale = Math.max(1e-300, ...b.map(Math.abs));
  a.forEach((x, i) => {
    if (!(Math.abs(x - b[i]) <= rtol * Math.max(Math.abs(b[i]), scale * 1e-3))) expect.fail(`${what}[${i}] = ${x}, expected ${b[i]}`);
  });
}

// ---- classic test functions (x is a 1-d tensor) ---------------------------------------------
const el = (x: T, i: number) => w.at(x, i);

const rosen2 = (x: T) => w.add(w.mul(100, w.square(w.sub(el(x, 1), w.square(el(x, 0))))), w.square(w.sub(1, el(x, 0))));
const rosen2Grad = ([x, y]: number[]) => [-400 * x * (y - x * x) - 2 * (1 - x), 200 * (y - x * x)];

/** chained Rosenbrock Σ 100(x_{i+1} − x_i²)² + (1 − x_i)² */
function rosenN(x: T): T {
  const n = x.shape[0];
  const a = w.slice(x, [0], [n - 1]), b = w.slice(x, [1], [n]);
  return w.sum(w.add(w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a))));
}
function rosenNGrad(x: number[]): number[] {
  const n = x.length;
  return x.map((xi, i) => (i < n - 1 ? -400 * xi * (x[i + 1] - xi * xi) - 2 * (1 - xi) : 0) + (i > 0 ? 200 * (xi - x[i - 1] ** 2) : 0));
}

function powell(x: T): T {
  const [a, b, c, d] = w.unstack(x);
  return w.add(w.add(w.square(w.add(a, w.mul(10, b))), w.mul(5, w.square(w.sub(c, d)))),
    w.add(w.pow(w.sub(b, w.mul(2, c)), 4), w.mul(10, w.pow(w.sub(a, d), 4))));
}
const powellGrad = ([a, b, c, d]: number[]) => [
  2 * (a + 10 * b) + 40 * (a - d) ** 3,
  20 * (a + 10 * b) + 4 * (b - 2 * c) ** 3,
  10 * (c - d) - 8 * (b - 2 * c) ** 3,
  -10 * (c - d) - 40 * (a - d) ** 3,
];

function wood(x: T): T {
  const [a, b, c, d] = w.unstack(x);
  const b1 = w.sub(b, 1), d1 = w.sub(d, 1);
  const terms = [
    w.mul(100, w.square(w.sub(b, w.square(a)))), w.square(w.sub(1, a)),
    w.mul(90, w.square(w.sub(d, w.square(c)))), w.square(w.sub(1, c)),
    w.mul(10.1, w.add(w.square(b1), w.square(d1))), w.mul(19.8, w.mul(b1, d1)),
  ];
  return terms.reduce((s, t) => w.add(s, t));
}
const woodGrad = ([a, b, c, d]: number[]) => [
  -400 * a * (b - a * a) - 2 * (1 - a),
  200 * (b - a * a) + 20.2 * (b - 1) + 19.8 * (d - 1),
  -360 * c * (d - c * c) - 2 * (1 - c),
  180 * (d - c * c) + 20.2 * (d - 1) + 19.8 * (b - 1),
];

function beale(x: T): T {
  const [a, b] = w.unstack(x);
  const t = (c: number, k: number) => w.square(w.add(w.sub(c, a), w.mul(a, w.pow(b, k))));
  return w.add(w.add(t(1.5, 1), t(2.25, 2)), t(2.625, 3));
}
function bealeGrad([x, y]: number[]): number[] {
  const t1 = 1.5 - x + x * y, t2 = 2.25 - x + x * y * y, t3 = 2.625 - x + x * y ** 3;
  return [2 * t1 * (y - 1) + 2 * t2 * (y * y - 1) + 2 * t3 * (y ** 3 - 1), 2 * t1 * x + 4 * t2 * x * y + 6 * t3 * x * y * y];
}

// ---- models with a hand-written backward pass -----------------------------------------------
const mat = (rng: Rng, r: number, c: number, s = 1) => Array.from({ length: r }, () => Array.from(rng.array(c, -s, s)));
const mm = (A: number[][], B: number[][]) => A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0)));
const tr = (A: number[][]) => A[0].map((_, j) => A.map((row) => row[j]));

interface Mlp { W1: T; b1: T; W2: T; b2: T }
function mlpLoss(p: Mlp, X: T, Y: T): T {
  const h = w.tanh(w.add(w.matmul(X, p.W1), p.b1));
  const logits = w.add(w.matmul(h, p.W2), p.b2);
  return w.neg(w.mean(w.sum(w.mul(Y, w.logSoftmax(logits)), 1)));
}
/** plain-JS forward and backward of the same MLP */
function mlpByHand(W1: number[][], b1: number[], W2: number[][], b2: number[], X: number[][], labels: number[]) {
  const m = X.length;
  const h = mm(X, W1).map((r) => r.map((z, j) => Math.tanh(z + b1[j])));
  const z2 = mm(h, W2).map((r) => r.map((z, j) => z + b2[j]));
  let loss = 0;
  const dz2 = z2.map((r, i) => {
    const mx = Math.max(...r), e = r.map((z) => Math.exp(z - mx)), s = e.reduce((a, b) => a + b);
    loss -= (r[labels[i]] - mx - Math.log(s)) / m;
    return e.map((v, j) => (v / s - (j === labels[i] ? 1 : 0)) / m);
  });
  const dW2 = mm(tr(h), dz2), db2 = tr(dz2).map((c) => c.reduce((a, b) => a + b));
  const dz1 = mm(dz2, tr(W2)).map((r, i) => r.map((v, j) => v * (1 - h[i][j] ** 2)));
  const dW1 = mm(tr(X), dz1), db1 = tr(dz1).map((c) => c.reduce((a, b) => a + b));
  return { loss, dW1, db1, dW2, db2 };
}

// ---- Lotka–Volterra by RK4 with scalar ops ----------------------------------------------------
interface Num<V> { add(a: V, b: V): V; mul(a: V, b: V): V; sub(a: V, b: V): V; k(c: number): V }
function lotkaRK4<V>(o: Num<V>, al: V, be: V, de: V, ga: V, steps = 20, dt = 0.1): V {
  const f = (x: V, y: V): [V, V] => [o.sub(o.mul(al, x), o.mul(be, o.mul(x, y))), o.sub(o.mul(de, o.mul(x, y)), o.mul(ga, y))];
  let x = o.k(10), y = o.k(5);
  const h = o.k(dt), h2 = o.k(dt / 2), h6 = o.k(dt / 6), two = o.k(2);
  for (let s = 0; s < steps; s++) {
    const [k1x, k1y] = f(x, y);
    const [k2x, k2y] = f(o.add(x, o.mul(h2, k1x)), o.add(y, o.mul(h2, k1y)));
    const [k3x, k3y] = f(o.add(x, o.mul(h2, k2x)), o.add(y, o.mul(h2, k2y)));
    const [k4x, k4y] = f(o.add(x, o.mul(h, k3x)), o.add(y, o.mul(h, k3y)));
    x = o.add(x, o.mul(h6, o.add(o.add(k1x, o.mul(two, k2x)), o.add(o.mul(two, k3x), k4x))));
    y = o.add(y, o.mul(h6, o.add(o.add(k1y, o.mul(two, k2y)), o.add(o.mul(two, k3y), k4y))));
  }
  return o.add(x, o.mul(two, y));
}
const jsNum: Num<number> = { add: (a, b) => a + b, mul: (a, b) => a * b, sub: (a, b) => a - b, k: (c) => c };
const wNum: Num<T | number> = { add: w.add, mul: w.mul, sub: w.sub, k: (c) => c };

/** public wrappers and composites (not primitives, so not in rules.test.ts): f(x) of an input shape */
const COMPOSITES: [string, (x: T) => T, number[]][] = [
  ['transpose (default perm)', (x) => w.transpose(x), [2, 3]],
  ['x.T of 0-d', (x) => x.T, []],
  ['reshape -1', (x) => w.reshape(x, [-1, 2]), [3, 2]],
  ['reshape to 0-d', (x) => w.reshape(x, []), [1]],
  ['slice of one leading axis', (x) => w.slice(x, [1], [3]), [4, 2]],
  ['empty slice', (x) => w.add(w.sum(w.slice(x, [1], [1])), w.sum(x)), [4]],
  ['concat axis −1', (x) => w.concat([x, w.mul(x, 2)], -1), [2, 3]],
  ['stack axis 1', (x) => w.stack([x, w.sin(x)], 1), [2, 3]],
  ['unstack', (x) => w.mul(w.unstack(x, 1)[2], w.unstack(x, 0)[0]), [3, 3]],
  ['gather 0-d index', (x) => w.gather(x, 2), [4, 3]],
  ['gather 2-d indices on axis 1', (x) => w.gather(x, [[0, 1], [1, 1]], 1), [2, 3]],
  ['matmul vector · matrix', (x) => w.matmul(w.slice(x, [0], [3]), w.reshape(x, [3, 3])), [9]],
  ['matmul matrix · vector', (x) => w.matmul(w.reshape(x, [3, 3]), w.slice(x, [0], [3])), [9]],
  ['matmul vector · vector', (x) => w.matmul(x, x), [3]],
  ['matmul broadcast batch', (x) => w.matmul(w.reshape(x, [2, 2, 3]), w.reshape(w.slice(x, [0], [6]), [3, 2])), [12]],
  ['dot', (x) => w.dot(x, w.sin(x)), [4]],
  ['outer', (x) => w.outer(x, w.cos(x)), [3]],
  ['expandDims', (x) => w.mul(w.expandDims(x, 0), w.expandDims(x, -1)), [3]],
  ['squeeze', (x) => w.squeeze(w.reshape(x, [1, 3, 1])), [3]],
  ['mean over axes, keepDims', (x) => w.mean(x, [0, 2], true), [2, 3, 2]],
  ['logsumexp axis 0', (x) => w.logsumexp(x, 0), [3, 2]],
  ['softmax', (x) => w.softmax(x), [4]],
  ['logSoftmax axis 0', (x) => w.logSoftmax(x, 0), [3, 2]],
  ['reductions of a 0-d tensor along axis 0', (x) => w.add(w.add(w.max(x, 0), w.mean(x, 0)), w.softmax(x, 0)), []],
  ['at −1', (x) => w.at(x, -1), [3, 2]],
  ['oneHot mask', (x) => w.mul(w.oneHot([0, 2], 3), x), [3]],
  ['methods chain', (x) => x.mul(2).sin().sum(0).exp(), [2, 3]],
  ['x − x, x / x, x · x', (x) => w.add(w.add(w.sub(x, x), w.div(x, x)), w.mul(x, x)), [3]],
  ['identity constants broadcast up', (x) => w.add(w.mul(w.tensor([[1], [1]]), x), w.sub(x, w.tensor([[0], [0]]))), [3]],
];

describeBackends('known values', () => {
  it('public composites and wrappers against central differences', () => {
    const rng = new Rng(17);
    for (const [name, f, shape] of COMPOSITES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const x = rng.array(n, -2, 2);
      const y = f(w.tensor(x, shape));
      const R = w.tensor(rng.signed(y.size), y.shape);
      const F = (t: T) => w.sum(w.mul(f(t), R));
      const g = data(w.grad(F)(w.tensor(x, shape)));
      const v = rng.array(n);
      const fd = directional(([z]) => F(w.tensor(z, shape)).item(), [x], [v]);
      const { dot, scale } = dotAll([g], [v]);
      expect(closeFD(dot, fd, scale, 1e-6, 1e-8), `${name}: AD ${dot} vs FD ${fd}`).toBe(true);
    }
  });

  it('Rosenbrock 2-D at several points', () => {
    for (const p of [[-1.2, 1], [1, 1], [0, 0], [2, -1], [0.5, 0.25]]) expectNear(data(w.grad(rosen2)(p)), rosen2Grad(p), 1e-13, `rosen ${p}`);
    expect(w.grad(rosen2)([1, 1])).toEqual([0, 0]);
  });

  it('extended Rosenbrock, n = 10', () => {
    const x = Array.from(new Rng(7).array(10, -2, 2));
    const [v, g] = w.valueAndGrad(rosenN)(x);
    let want = 0;
    for (let i = 0; i < 9; i++) want += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2;
    expectNear(v, want, 1e-13, 'value');
    expect(Array.isArray(g) && g.length === 10, 'a number[] gradient for a number[] argument').toBe(true);
    expectNear(g, rosenNGrad(x), 1e-12, 'gradient');
  });

  it('Powell singular, Wood and Beale', () => {
    for (const p of [[3, -1, 0, 1], [1, 2, 3, 4], [0, 0, 0, 0]]) expectNear(data(w.grad(powell)(p)), powellGrad(p), 1e-13, `powell ${p}`);
    for (const p of [[-3, -1, -3, -1], [1, 1, 1, 1], [0.5, 2, -1, 0.3]]) expectNear(data(w.grad(wood)(p)), woodGrad(p), 1e-13, `wood ${p}`);
    for (const p of [[1, 1], [3, 0.5], [-2, 1.5]]) expectNear(data(w.grad(beale)(p)), bealeGrad(p), 1e-13, `beale ${p}`);
    expect(w.grad(beale)([3, 0.5])).toEqual([0, 0]);
  });

  it('2-layer MLP with softmax cross-entropy matches a hand-written backward pass', () => {
    const rng = new Rng(11);
    const [m, d, hd, k] = [8, 5, 6, 3];
    const X = mat(rng, m, d), labels = Array.from({ length: m }, () => rng.int(0, k - 1));
    const W1 = mat(rng, d, hd), b1 = Array.from(rng.array(hd)), W2 = mat(rng, hd, k), b2 = Array.from(rng.array(k));
    const params = { W1: w.tensor(W1), b1: w.tensor(b1), W2: w.tensor(W2), b2: w.tensor(b2) };
    const [loss, g] = w.valueAndGrad(mlpLoss)(params, w.tensor(X), w.oneHot(labels, k)) as [number, Mlp];
    const want = mlpByHand(W1, b1, W2, b2, X, labels);
    expectNear(loss, want.loss, 1e-13, 'loss');
    expect(Object.keys(g)).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(g.W1.shape).toEqual([d, hd]);
    expectNear(g.W1.data(), want.dW1.flat(), 1e-12, 'dW1');
    expectNear(g.b1.data(), want.db1, 1e-12, 'db1');
    expectNear(g.W2.data(), want.dW2.flat(), 1e-12, 'dW2');
    expectNear(g.b2.data(), want.db2, 1e-12, 'db2');
  });

  it('logistic regression: Xᵀ(σ(Xw) − y)/m + λw', () => {
    const rng = new Rng(5);
    const [m, d, lam] = [20, 4, 0.1];
    const X = mat(rng, m, d, 2), y = Array.from({ length: m }, () => rng.int(0, 1)), w0 = Array.from(rng.array(d));
    // mean(softplus(z) − y·z) = mean cross-entropy of σ(z), stable
    const loss = (wt: T) => {
      const z = w.matmul(X, wt);
      return w.add(w.mean(w.sub(w.softplus(z), w.mul(y, z))), w.mul(lam / 2, w.sum(w.square(wt))));
    };
    const g = w.grad(loss)(Float64Array.from(w0));
    expect(g).toBeInstanceOf(Float64Array);
    const r = X.map((row, i) => 1 / (1 + Math.exp(-row.reduce((s, a, j) => s + a * w0[j], 0))) - y[i]);
    const want = w0.map((wj, j) => X.reduce((s, row, i) => s + row[j] * r[i], 0) / m + lam * wj);
    expectNear(g as Float64Array, want, 1e-13, 'gradient');
  });

  it('RK4 Lotka–Volterra (20 steps of 0-d ops) against central differences', () => {
    const p = [1.1, 0.4, 0.1, 0.4];
    const f = (al: T, be: T, de: T, ga: T) => lotkaRK4<T | number>(wNum, al, be, de, ga) as T;
    const [v, g] = w.valueAndGrad(f, { argnums: [0, 1, 2, 3] })(...p) as [number, number[]];
    expect(g.every((x) => typeof x === 'number'), 'number arguments give number gradients').toBe(true);
    expectNear(v, lotkaRK4(jsNum, p[0], p[1], p[2], p[3]), 1e-14, 'value');
    const fd = gradient((q) => lotkaRK4(jsNum, q[0], q[1], q[2], q[3]), Float64Array.from(p), 1e-6);
    expectNear(g, fd, 1e-6, 'gradient vs FD');
  });

  it('logsumexp([1000, 1001]) and its gradient are finite and exact', () => {
    const [v, g] = w.valueAndGrad((x: T) => w.logsumexp(x))([1000, 1001]) as [number, number[]];
    expectNear(v, 1001 + Math.log1p(Math.exp(-1)), 1e-15, 'value');
    expectNear(g, [1 / (1 + Math.E), Math.E / (1 + Math.E)], 1e-14, 'gradient');
    // along an axis, with keepDims, including −1000
    const x = [[1000, 1001, 999], [-1000, -1001, -1002]];
    const lse = w.logsumexp(x, 1, true);
    expect(lse.shape).toEqual([2, 1]);
    x.forEach((r, i) => { const mx = Math.max(...r); expectNear(lse.data()[i], mx + Math.log(r.reduce((s, a) => s + Math.exp(a - mx), 0)), 1e-15, `row ${i}`); });
  });

  it('softmax and logSoftmax gradients', () => {
    const rng = new Rng(3);
    const x = [[1000, 1001, 999, 998], Array.from(rng.array(4, -3, 3))];
    const R = [Array.from(rng.signed(4)), Array.from(rng.signed(4))];
    const soft = (r: number[]) => { const mx = Math.max(...r), e = r.map((a) => Math.exp(a - mx)), s = e.reduce((a, b) => a + b); return e.map((a) => a / s); };
    const gs = w.grad((t: T) => w.sum(w.mul(w.softmax(t), R)))(x) as number[][];
    const gl = w.grad((t: T) => w.sum(w.mul(w.logSoftmax(t), R)))(x) as number[][];
    x.forEach((row, i) => {
      const s = soft(row), sr = s.reduce((a, si, j) => a + si * R[i][j], 0), rs = R[i].reduce((a, b) => a + b);
      expectNear(gs[i], s.map((si, j) => si * (R[i][j] - sr)), 1e-13, `softmax row ${i}`);
      expectNear(gl[i], R[i].map((rj, j) => rj - s[j] * rs), 1e-13, `logSoftmax row ${i}`);
    });
    // along axis 0: the columns are the distributions
    const g0 = w.grad((t: T) => w.sum(w.mul(w.softmax(t, 0), R)))(x) as number[][];
    for (let j = 0; j < 4; j++) {
      const s = soft([x[0][j], x[1][j]]), sr = s[0] * R[0][j] + s[1] * R[1][j];
      expectNear([g0[0][j], g0[1][j]], [s[0] * (R[0][j] - sr), s[1] * (R[1][j] - sr)], 1e-13, `column ${j}`);
    }
  });

  it('grad of grad of sin: −sin, and the third derivative −cos', () => {
    const d1 = w.grad(w.sin), d2 = w.grad(d1), d3 = w.grad(d2);
    for (const x of [0, 0.7, -2, 3]) {
      expectNear(d1(x), Math.cos(x), 1e-15, `sin' ${x}`);
      expectNear(d2(x), -Math.sin(x), 1e-15, `sin'' ${x}`);
      expectNear(d3(x), -Math.cos(x), 1e-15, `sin''' ${x}`);
    }
    expect(d1(0)).toBe(1);
  });

  it('argnums: a number gives one gradient, an array gives an array in that order', () => {
    const f = (x: T, y: T, z: T) => w.add(w.sum(w.mul(x, y)), w.square(z));
    const x = [1, 2], y = [3, 4];
    expect(w.grad(f)(x, y, 5)).toEqual([3, 4]);
    expect(w.grad(f, { argnums: 1 })(x, y, 5)).toEqual([1, 2]);
    expect(w.grad(f, { argnums: [0, 2] })(x, y, 5)).toEqual([[3, 4], 10]);
    expect(w.grad(f, { argnums: [2, 0] })(x, y, 5)).toEqual([10, [3, 4]]);
    expect(w.grad(f, { argnums: [1] })(x, y, 5)).toEqual([[1, 2]]);
    expect(w.valueAndGrad(f, { argnums: [0, 1] })(x, y, 5)).toEqual([36, [[3, 4], [1, 2]]]);
  });

  it('hasAux: grad → [grads, aux]; valueAndGrad → [[value, aux], grads]', () => {
    const f = (x: T) => { const y = w.mul(x, x); return [w.sum(y), { sq: y, n: w.sum(x), tag: 'squares' }]; };
    const [g, aux] = w.grad(f, { hasAux: true })([1, 2, 3]) as [number[], { sq: T; n: number; tag: string }];
    expect(g).toEqual([2, 4, 6]);
    expect(aux.sq).toBeInstanceOf(w.Tensor);
    expect(aux.sq.toArray()).toEqual([1, 4, 9]);
    expect(aux.n.item()).toBe(6);
    expect(aux.tag).toBe('squares');
    const [[v, aux2], g2] = w.valueAndGrad(f, { hasAux: true })([1, 2, 3]) as [[number, { n: number }], number[]];
    expect(v).toBe(14);
    expect((aux2.n as unknown as w.Tensor).item()).toBe(6);
    expect(g2).toEqual([2, 4, 6]);
    expect(w.valueAndGrad(f, { hasAux: true, argnums: [0] })([1, 2, 3])[1]).toEqual([[2, 4, 6]]);
  });

  it('stopGradient: the value passes, the derivative is zero', () => {
    expect(w.grad((x: T) => w.mul(x, w.stopGradient(x)))(3)).toBe(3);
    expect(w.valueAndGrad((x: T) => w.sum(w.stopGradient(w.square(x))))([1, 2])).toEqual([5, [0, 0]]);
    expect(w.grad((x: T) => w.add(w.stopGradient(w.exp(x)), w.sin(x)))(0)).toBe(1);
  });

  it('vjp with a non-scalar output and a pytree cotangent', () => {
    const x = [0.5, -1, 2];
    const f = (t: T) => ({ a: w.sin(t), b: [w.mul(t, 2), w.sum(t)] });
    const [out, pullback] = w.vjp(f, x) as [{ a: T; b: [T, number] }, (ct: unknown) => unknown[]];
    expectNear(out.a.data(), x.map(Math.sin), 1e-15, 'out.a');
    expect(out.b[0].toArray()).toEqual([1, -2, 4]);
    expect(out.b[1].item()).toBe(1.5);
    const ca = [1, 2, 3], cb0 = [0.5, 0.5, -1], cb1 = 10;
    // [number[], number] would be one (ragged) nested-array leaf; a Float64Array makes b a node
    const [gx] = pullback({ a: ca, b: [Float64Array.from(cb0), cb1] }) as [number[]];
    expectNear(gx, x.map((xi, i) => ca[i] * Math.cos(xi) + 2 * cb0[i] + cb1), 1e-15, 'pullback');
    // several primals, a matrix output
    const A = [[1, 2], [3, 4]], B = [[0, 1], [1, 0]];
    const [prod, pb] = w.vjp(w.matmul, A, B) as [T, (ct: unknown) => number[][][]];
    expect(prod.toArray()).toEqual([[2, 1], [4, 3]]);
    const C = [[1, 0], [0, 2]];
    const [gA, gB] = pb(C);
    expect(gA).toEqual(mm(C, tr(B)));
    expect(gB).toEqual(mm(tr(A), C));
  });
});
