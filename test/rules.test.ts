// Rule tests generated from the op registry: every primitive, several shapes (broadcasting, 0-d,
// size 1), values against a reference, gradients against float64 central differences, kinks at the
// DESIGN §4 values, second order for the unary ops; forward mode (JVP against central differences
// and ⟨R, J·t⟩ = ⟨Jᵀ·R, t⟩), second order as the JVP of the VJP for every differentiable op,
// Jacobians by batched forward and reverse mode against jvp columns, and each batching rule (vmap)
// against the op slice by slice. A primitive without a usable test spec, a reference value, (when
// it declares kinks) a kink check, a small Jacobian case or (when differentiable) jvp and batching
// rules fails here by name.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import * as w from '../src/index.js';
import { REGISTRY } from '../src/ops/registry.js';
import { apply } from '../src/core/trace.js';
import type { OpDef } from '../src/ops/op.js';
import { describeBackends } from './support/backends.js';
import { Rng } from './support/rng.js';
import { directional, directionalVec, dotAll, closeFD } from './support/fd.js';
import { unpack } from '../src/ops/part.js';
import { LINALG_REFERENCE, structured } from './support/linalg-ref.js';
import { draw as randomDraw } from '../src/ops/random.js';

type Shape = readonly number[];
interface Case { shapes: Shape[]; attrs: any }

// ---- index arithmetic (independent of src/) -------------------------------------------------
const sizeOf = (s: Shape) => s.reduce((a, b) => a * b, 1);
function unravel(i: number, s: Shape): number[] {
  const m = new Array<number>(s.length);
  for (let k = s.length - 1; k >= 0; k--) { m[k] = i % s[k]; i = Math.floor(i / s[k]); }
  return m;
}
const ravel = (m: readonly number[], s: Shape) => m.reduce((acc, d, k) => acc * s[k] + d, 0);
/** flat index into `s` of output multi-index m under NumPy broadcasting (right-aligned) */
const bidx = (m: readonly number[], s: Shape) => ravel(s.map((d, k) => (d === 1 ? 0 : m[m.length - s.length + k])), s);

// ---- cases ----------------------------------------------------------------------------------
const ELEMENTWISE_SHAPES: Record<number, Shape[][]> = {
  1: [[[]], [[1]], [[5]], [[3, 4]], [[2, 3, 2]]],
  2: [[[3, 4], [3, 4]], [[3, 4], [4]], [[3, 1], [1, 4]], [[], [3]], [[3], []], [[1], [2, 3]], [[2, 1, 3], [4, 1]], [[1], [1]]],
  3: [[[3, 4], [3, 4], [3, 4]], [[3, 4], [4], []], [[3, 1], [1, 4], [1]], [[], [2], [3, 1]], [[], [], []]],
};
const REDUCE_CASES: Case[] = [
  { shapes: [[]], attrs: { axes: [], keepDims: false } },
  { shapes: [[5]], attrs: { axes: [0], keepDims: false } },
  { shapes: [[1]], attrs: { axes: [0], keepDims: true } },
  { shapes: [[3, 4]], attrs: { axes: [0, 1], keepDims: false } },
  { shapes: [[3, 4]], attrs: { axes: [1], keepDims: false } },
  { shapes: [[3, 4]], attrs: { axes: [0], keepDims: true } },
  { shapes: [[2, 3, 4]], attrs: { axes: [0, 2], keepDims: false } },
  { shapes: [[2, 3, 4]], attrs: { axes: [1], keepDims: true } },
];

/** The cases of an op, or the reason it has none. test.attrs[i] goes with test.shapes[i]; a single entry pairs with all. */
function plan(op: OpDef): Case[] | string {
  const t = op.test;
  if (!t) return `op '${op.name}' has no test spec: add \`test\` to src/ops/${op.name}.ts`;
  if (!t.domain) return `op '${op.name}' has no test.domain`;
  let cases: Case[];
  if (t.shapes) {
    const attrs = t.attrs ?? [undefined];
    const n = Math.max(t.shapes.length, attrs.length);
    if (!(t.shapes.length === attrs.length || t.shapes.length === 1 || attrs.length === 1)) {
      return `op '${op.name}': test.shapes (${t.shapes.length}) and test.attrs (${attrs.length}) must pair up`;
    }
    cases = Array.from({ length: n }, (_, i) => ({
      shapes: [...t.shapes![t.shapes!.length === 1 ? 0 : i]], attrs: attrs[attrs.length === 1 ? 0 : i],
    }));
  } else if (op.family === 'reduce') {
    cases = REDUCE_CASES;
  } else if (ELEMENTWISE_SHAPES[op.arity] && ['unary', 'binary', 'ternary'].includes(op.family)) {
    cases = ELEMENTWISE_SHAPES[op.arity].map((shapes) => ({ shapes: [...shapes], attrs: t.attrs?.[0] }));
  } else {
    return `op '${op.name}' (family ${op.family}) needs test.shapes and test.attrs`;
  }
  for (const c of cases) {
    if (op.arity >= 0 ? c.shapes.length !== op.arity : c.shapes.length === 0) {
      return `op '${op.name}': a test case has ${c.shapes.length} inputs, arity is ${op.arity}`;
    }
  }
  return cases;
}

const domainOf = (op: OpDef, k: number): readonly [number, number] => {
  const d = op.test!.domain!;
  return (Array.isArray(d[0]) ? (d as readonly (readonly [number, number])[])[k] : d) as readonly [number, number];
};
const isInteger = (op: OpDef, k: number) => !!op.test?.integerInputs?.includes(k);

/**
 * Inputs from the op's domain; integer inputs are valid integers; unary kinks are avoided by 0.05;
 * matrices get the structure the spec asks for (positive definite, diagonally dominant).
 */
function draw(op: OpDef, c: Case, rng: Rng): Float64Array[] {
  return c.shapes.map((s, k) => {
    const [lo, hi] = domainOf(op, k);
    if (isInteger(op, k)) return Float64Array.from({ length: sizeOf(s) }, () => rng.int(Math.ceil(lo), Math.floor(hi)));
    const x = Float64Array.from({ length: sizeOf(s) }, () => {
      let x = rng.uniform(lo, hi);
      while (op.arity === 1 && op.test!.kinks?.some((kk) => Math.abs(x - kk) < 0.05)) x = rng.uniform(lo, hi);
      return x;
    });
    const kind = op.test!.structure?.[k];
    return kind ? structured(x, s, kind) : x;
  });
}

/**
 * The op as a traced function: a multi-output op (op.parts) is read through its parts, as user
 * code reads it, and they are returned concatenated (the same values as the packed output).
 */
const opFn = (op: OpDef, attrs: unknown) => (...a: w.Tensor[]): w.Tensor => {
  const out = apply(op, a, attrs);
  if (!op.parts) return out;
  return w.concat(unpack(out, op.parts(a.map((t) => t.shape), attrs)).map((p) => w.reshape(p, [p.size])), 0);
};

// ---- reference values -----------------------------------------------------------------------
type Ref = (xs: Float64Array[], s: Shape[], out: Shape, attrs: any) => Float64Array;

const elementwiseRef = (f: (...x: number[]) => number): Ref => (xs, s, out) =>
  Float64Array.from({ length: sizeOf(out) }, (_, o) => { const m = unravel(o, out); return f(...xs.map((x, k) => x[bidx(m, s[k])])); });

const reduceRef = (init: number, f: (a: number, x: number) => number): Ref => ([x], [s], out, { axes, keepDims }) => {
  const y = new Float64Array(sizeOf(out)).fill(init);
  for (let i = 0; i < x.length; i++) {
    const m = unravel(i, s);
    const om = keepDims ? m.map((d, j) => (axes.includes(j) ? 0 : d)) : m.filter((_, j) => !axes.includes(j));
    const o = ravel(om, out);
    y[o] = f(y[o], x[i]);
  }
  return y;
};

const mapOut = (out: Shape, f: (m: number[]) => number) => Float64Array.from({ length: sizeOf(out) }, (_, o) => f(unravel(o, out)));

const REFERENCE: Record<string, Ref> = {
  sum: reduceRef(0, (a, x) => a + x),
  prod: reduceRef(1, (a, x) => a * x),
  max: reduceRef(-Infinity, Math.max),
  min: reduceRef(Infinity, Math.min),
  reshape: ([x]) => x.slice(),
  broadcastTo: ([x], [s], out) => mapOut(out, (m) => x[bidx(m, s)]),
  transpose: ([x], [s], out, { perm }) => mapOut(out, (m) => {
    const im: number[] = []; perm.forEach((p: number, k: number) => { im[p] = m[k]; });
    return x[ravel(im, s)];
  }),
  slice: ([x], [s], out, { begin }) => mapOut(out, (m) => x[ravel(m.map((d, k) => d + begin[k]), s)]),
  pad: ([x], [s], out, { before }) => mapOut(out, (m) => {
    const im = m.map((d, k) => d - before[k]);
    return im.every((d, k) => d >= 0 && d < s[k]) ? x[ravel(im, s)] : 0;
  }),
  concat: (xs, s, out, { axis }) => mapOut(out, (m) => {
    let k = 0, at = m[axis];
    while (at >= s[k][axis]) at -= s[k++][axis];
    return xs[k][ravel(m.map((d, j) => (j === axis ? at : d)), s[k])];
  }),
  gather: ([x, idx], [s, is], out, { axis }) => mapOut(out, (m) => {
    const src = [...m.slice(0, axis), idx[ravel(m.slice(axis, axis + is.length), is)], ...m.slice(axis + is.length)];
    return x[ravel(src, s)];
  }),
  scatterAdd: ([g, idx], [s, is], out, { axis }) => {
    const y = new Float64Array(sizeOf(out));
    for (let i = 0; i < g.length; i++) {
      const m = unravel(i, s);
      y[ravel([...m.slice(0, axis), idx[ravel(m.slice(axis, axis + is.length), is)], ...m.slice(axis + is.length)], out)] += g[i];
    }
    return y;
  },
  matmul: ([a, b], [sa, sb], out) => matmulRef(a, sa, false, b, sb, false, out),
  // a stable sort by value (NaN last), written independently of src/ops/argsort.ts
  argsort: ([x], [s]) => {
    const n = s[s.length - 1], y = new Float64Array(x.length);
    for (let o = 0; o < x.length; o += n) {
      const row = Array.from(x.subarray(o, o + n), (v, i) => [v, i] as const);
      row.sort((p, q) => (p[0] === q[0] ? p[1] - q[1] : p[0] < q[0] ? -1 : 1)).forEach(([, i], j) => { y[o + j] = i; });
    }
    return y;
  },
  // the TS draws (test/random.test.ts checks them against Threefry's known answers and JAX's keys)
  random: ([k], _s, out, { shape, dist }) => {
    const n = sizeOf(shape), y = new Float64Array(sizeOf(out));
    for (let r = 0; r < k.length / 2; r++) randomDraw(k[2 * r], k[2 * r + 1], n, dist, y, r * n);
    return y;
  },
  matmulT: ([a, b], [sa, sb], out, { transA, transB }) => matmulRef(a, sa, transA, b, sb, transB, out),
  ...LINALG_REFERENCE,
};
/** C = op(A)·op(B) over the last two axes, op(X) = Xᵀ when flagged */
function matmulRef(a: Float64Array, sa: Shape, ta: boolean, b: Float64Array, sb: Shape, tb: boolean, out: Shape) {
  const r = out.length, k = ta ? sa[r - 2] : sa[r - 1];
  return mapOut(out, (m) => {
    const batch = m.slice(0, r - 2), i = m[r - 2], j = m[r - 1];
    let acc = 0;
    for (let p = 0; p < k; p++) acc += a[ravel([...batch, ...(ta ? [p, i] : [i, p])], sa)] * b[ravel([...batch, ...(tb ? [j, p] : [p, j])], sb)];
    return acc;
  });
}
const referenceOf = (op: OpDef): Ref | undefined => (op.scalar ? elementwiseRef(op.scalar) : REFERENCE[op.name]);

// ---- helpers --------------------------------------------------------------------------------
/** a gradient (number, Tensor or nested number[]) as flat data */
const flat = (g: unknown): Float64Array =>
  (typeof g === 'number' ? Float64Array.of(g) : Array.isArray(g) ? Float64Array.from(g.flat(Infinity) as number[]) : (g as w.Tensor).data());
const fmt = (s: Shape) => `[${s.join(',')}]`;
const caseName = (c: Case) => c.shapes.map(fmt).join(' ') + (c.attrs === undefined ? '' : ` ${JSON.stringify(c.attrs)}`);
const seedOf = (text: string) => { let h = 2166136261; for (const ch of text) h = Math.imul(h ^ ch.charCodeAt(0), 16777619); return h >>> 0; };

function expectClose(got: Float64Array, want: Float64Array, rtol: number, what: string, atol = 0) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const a = got[i], b = want[i];
    if (Number.isNaN(b) ? Number.isNaN(a) : Math.abs(a - b) <= rtol * Math.max(Math.abs(a), Math.abs(b)) + atol) continue;
    expect.fail(`${what}: element ${i} is ${a}, expected ${b}`);
  }
}

/** Σ op(xs)·R evaluated eagerly (TS kernels) and Σ |op(xs)·R| */
function weighted(op: OpDef, c: Case, R: Float64Array, xs: Float64Array[]): { F: number; abs: number } {
  const y = apply(op, xs.map((x, k) => w.tensor(x, c.shapes[k])), c.attrs)._data!;
  let F = 0, abs = 0;
  for (let i = 0; i < y.length; i++) { F += y[i] * R[i]; abs += Math.abs(y[i] * R[i]); }
  return { F, abs };
}

function checkCase(op: OpDef, c: Case, rng: Rng) {
  const xs = draw(op, c, rng);
  const ts = xs.map((x, k) => w.tensor(x, c.shapes[k]));
  const outShape = op.shape(c.shapes, c.attrs);
  const f = opFn(op, c.attrs);

  // value (run by the backend) against the reference
  const ref = referenceOf(op);
  if (!ref) expect.fail(`op '${op.name}' has neither \`scalar\` nor a reference in test/rules.test.ts REFERENCE`);
  const [out, pullback] = w.vjp(f, ...ts);
  // a size-1 result comes back as a number (DESIGN §1)
  if (typeof out === 'number') expect(sizeOf(outShape), 'a number result has size 1').toBe(1);
  else expect((out as w.Tensor).shape, 'output shape').toEqual(outShape);
  const want = ref!(xs, c.shapes, outShape, c.attrs);
  expectClose(flat(out), want, 1e-14, `${op.name} value`, (op.test!.valueAtol ?? 0) * maxAbs(want));

  // gradient of Σ op(…)·R with respect to every input
  const R = rng.signed(sizeOf(outShape));
  const Rt = w.tensor(R, outShape);
  const argnums = c.shapes.map((_, k) => k);
  if (op.plannerOnly) {
    // an op without a reverse rule (planner output) is refused by name, never guessed
    expect(() => w.grad((...a: w.Tensor[]) => w.sum(w.mul(f(...a), Rt)), { argnums })(...ts)).toThrow(
      expect.objectContaining({ code: 'ERR_NO_RULE', op: op.name }));
    return;
  }
  const gs = w.grad((...a: w.Tensor[]) => w.sum(w.mul(f(...a), Rt)), { argnums })(...ts) as unknown[];
  gs.forEach((g, k) => {
    // a Tensor argument's gradient is a Tensor, also 0-d (DESIGN §8)
    expect(g instanceof w.Tensor, `gradient ${k} is a Tensor`).toBe(true);
    expect((g as w.Tensor).shape, `gradient ${k} shape`).toEqual(c.shapes[k]);
  });
  const grads = gs.map(flat);
  const pulled = pullback(Rt).map(flat);
  grads.forEach((g, k) => expectClose(pulled[k], g, 1e-12, `vjp pullback vs grad, input ${k}`));

  const zeroIn = (k: number) => !!op.nondiff || isInteger(op, k);
  grads.forEach((g, k) => {
    if (zeroIn(k)) expect(Array.from(g).every((v) => v === 0), `gradient of input ${k} must be exactly 0, got [${g}]`).toBe(true);
  });
  if (op.nondiff) return;

  // central differences along random directions (integer inputs held fixed)
  const { abs } = weighted(op, c, R, xs);
  const F = (ys: Float64Array[]) => weighted(op, c, R, ys).F;
  for (let d = 0; d < 2; d++) {
    const vs = xs.map((x, k) => (zeroIn(k) ? new Float64Array(x.length) : rng.array(x.length, -1, 1)));
    const fd = directional(F, xs, vs);
    const { dot: ad, scale } = dotAll(grads, vs);
    if (!closeFD(ad, fd, scale, op.test!.rtol ?? 1e-6, 1e-9 * (1 + abs))) {
      expect.fail(`${op.name} ${caseName(c)}: AD directional derivative ${ad} vs finite differences ${fd} (direction ${d})`);
    }
  }
}

/** d/dx of Σ grad(Σ op(x)·R)·R2 by AD (grad of grad) against central differences of the first derivative. */
function checkSecondOrder(op: OpDef, rng: Rng) {
  const c: Case = { shapes: [[4]], attrs: undefined };
  const [x] = draw(op, c, rng);
  const R = w.tensor(rng.signed(4)), R2 = w.tensor(rng.signed(4));
  const first = (t: w.Tensor) => w.grad((y: w.Tensor) => w.sum(w.mul(apply(op, [y]), R)))(t) as w.Tensor;
  const h = (t: w.Tensor) => w.sum(w.mul(first(t), R2));
  const ad = flat(w.grad(h)(w.tensor(x)));
  const hv = (ys: Float64Array[]) => h(w.tensor(ys[0])).item();
  for (let d = 0; d < 2; d++) {
    const v = rng.array(4, -1, 1);
    const fd = directional(hv, [x], [v]);
    const { dot, scale } = dotAll([ad], [v]);
    if (!closeFD(dot, fd, scale, 1e-6, 1e-8)) expect.fail(`${op.name}: second-order AD ${dot} vs finite differences ${fd} at [${x}]`);
  }
}

// ---- forward mode, second order (JVP of VJP), batching ----------------------------------------
const tensorsOf = (xs: readonly Float64Array[], c: Case) => xs.map((x, k) => w.tensor(x, c.shapes[k]));
/** op(xs) run eagerly (TS kernels) */
const evalOp = (op: OpDef, c: Case, xs: readonly Float64Array[]) => apply(op, tensorsOf(xs, c), c.attrs)._data!;
/** a random tangent per input; integer inputs (indices, conditions) get zero tangents */
const tangentsFor = (op: OpDef, xs: readonly Float64Array[], rng: Rng) =>
  xs.map((x, k) => (isInteger(op, k) ? new Float64Array(x.length) : rng.array(x.length, -1, 1)));
const allZero = (a: ArrayLike<number>) => Array.from(a).every((v) => v === 0);
const cat = (as: readonly Float64Array[]) => Float64Array.from(as.flatMap((a) => Array.from(a)));
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
/** all numbers of a result tree in order (a constant 0-d gradient inside jvp comes back as [n], a numeric leaf) */
const flatTree = (r: unknown): Float64Array =>
  (Array.isArray(r) && !r.every((x) => typeof x === 'number') ? cat(r.map(flatTree)) : flat(r));
const refusal = (op: OpDef) => expect.objectContaining({ code: 'ERR_NO_RULE', op: op.name });

/** JVP against central differences of the op (elementwise) and against the VJP: ⟨R, J·t⟩ = ⟨Jᵀ·R, t⟩. */
function checkJvp(op: OpDef, c: Case, rng: Rng) {
  const xs = draw(op, c, rng), ts = tensorsOf(xs, c);
  const outShape = op.shape(c.shapes, c.attrs);
  const f = opFn(op, c.attrs);
  const vs = tangentsFor(op, xs, rng);
  if (op.plannerOnly) {
    // planner output: refused by name, never guessed
    expect(() => w.jvp(f, ts, tensorsOf(vs, c)), `op '${op.name}' has no jvp rule, so w.jvp must refuse it with ERR_NO_RULE`)
      .toThrow(refusal(op));
    return;
  }
  const [out, tout] = w.jvp(f, ts, tensorsOf(vs, c));
  const y = evalOp(op, c, xs);
  expectClose(flat(out), y, 1e-14, `${op.name} jvp primal output`, 1e-14 * maxAbs(y));
  if (typeof tout !== 'number') expect((tout as w.Tensor).shape, 'tangent shape').toEqual(outShape);
  const T = flat(tout);
  if (op.nondiff) {
    expect(allZero(T), `${op.name} has zero derivative: its tangent must be exactly 0, got [${T}]`).toBe(true);
    return;
  }
  // a tangent on integer inputs alone carries no derivative
  if (c.shapes.some((_, k) => isInteger(op, k))) {
    const only = xs.map((x, k) => (isInteger(op, k) ? rng.array(x.length, -1, 1) : new Float64Array(x.length)));
    const t0 = flat(w.jvp(f, ts, tensorsOf(only, c))[1]);
    expect(allZero(t0), `${op.name}: a tangent on integer inputs must give exactly 0, got [${t0}]`).toBe(true);
  }
  const fd = directionalVec((ys) => evalOp(op, c, ys), xs, vs);
  const rtol = op.test!.rtol ?? 1e-6;
  for (let i = 0; i < T.length; i++) {
    if (!closeFD(T[i], fd[i], Math.abs(T[i]), rtol, 1e-9 * (1 + Math.abs(y[i])))) {
      expect.fail(`${op.name} ${caseName(c)}: JVP element ${i} is ${T[i]}, finite differences ${fd[i]}`);
    }
  }
  const R = rng.signed(sizeOf(outShape));
  const bars = w.vjp(f, ...ts)[1](w.tensor(R, outShape)).map(flat);
  const fwd = dotAll([R], [T]), rev = dotAll(bars, vs);
  if (Math.abs(fwd.dot - rev.dot) > 1e-12 * Math.max(fwd.scale, rev.scale)) {
    expect.fail(`${op.name} ${caseName(c)}: ⟨R, JVP(t)⟩ = ${fwd.dot} but ⟨VJP(R), t⟩ = ${rev.dot}`);
  }
}

/**
 * H·v of s(x) = Σ op(x)·R as the JVP of the gradient, against central differences of the AD
 * gradient. Inputs are drawn away from kinks (draw), so the stencil never straddles one.
 */
function checkHvp(op: OpDef, c: Case, rng: Rng) {
  const xs = draw(op, c, rng), ts = tensorsOf(xs, c);
  const Rt = w.tensor(rng.signed(sizeOf(op.shape(c.shapes, c.attrs))), op.shape(c.shapes, c.attrs));
  const argnums = c.shapes.map((_, k) => k).filter((k) => !isInteger(op, k));
  const G = w.grad((...a: w.Tensor[]) => w.sum(w.mul(opFn(op, c.attrs)(...a), Rt)), { argnums });
  const vs = tangentsFor(op, xs, rng);
  const hv = flatTree(w.jvp(G, ts, tensorsOf(vs, c))[1]);
  const gAt = (ys: Float64Array[]) => flatTree(G(...tensorsOf(ys, c)));
  const fd = directionalVec(gAt, xs, vs);
  const atol = 1e-8 * (1 + maxAbs(gAt(xs)));
  for (let i = 0; i < hv.length; i++) {
    if (!closeFD(hv[i], fd[i], Math.abs(hv[i]), 1e-5, atol)) {
      expect.fail(`${op.name} ${caseName(c)}: (H·v)[${i}] by JVP of VJP is ${hv[i]}, finite differences of the gradient ${fd[i]}`);
    }
  }
}

/**
 * Jacobians by batched forward mode and batched reverse mode agree with each other and with one
 * assembled column by column from w.jvp (all inputs, integer ones included: their columns are 0).
 */
function checkJacobian(op: OpDef, c: Case, rng: Rng) {
  const xs = draw(op, c, rng), ts = tensorsOf(xs, c);
  const outShape = op.shape(c.shapes, c.attrs);
  const f = opFn(op, c.attrs);
  const argnums = c.shapes.map((_, k) => k);
  const sizes = c.shapes.map(sizeOf), nOut = sizeOf(outShape), nIn = sizes.reduce((a, b) => a + b, 0);
  const offs = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
  const jac = (mode: 'forward' | 'reverse') => w.jacobian(f, { mode, argnums })(...ts) as unknown[];
  if (op.plannerOnly) {
    expect(() => jac('forward'), `op '${op.name}': forward jacobian must refuse with ERR_NO_RULE`).toThrow(refusal(op));
    if (op.plannerOnly) expect(() => jac('reverse'), `op '${op.name}': reverse jacobian must refuse with ERR_NO_RULE`).toThrow(refusal(op));
    return;
  }
  // J as nOut × nIn row-major from per-input blocks [...outShape, ...inShape_k]
  const assemble = (blocks: unknown[], mode: string) => {
    expect(blocks.length, `${mode} jacobian: one block per input`).toBe(c.shapes.length);
    const J = new Float64Array(nOut * nIn);
    blocks.forEach((b, k) => {
      if (typeof b !== 'number') expect((b as w.Tensor).shape, `${mode} block ${k} shape`).toEqual([...outShape, ...c.shapes[k]]);
      const d = flat(b);
      for (let o = 0; o < nOut; o++) for (let i = 0; i < sizes[k]; i++) J[o * nIn + offs[k] + i] = d[o * sizes[k] + i];
    });
    return J;
  };
  const Jf = assemble(jac('forward'), 'forward'), Jr = assemble(jac('reverse'), 'reverse');
  const Jc = new Float64Array(nOut * nIn);
  c.shapes.forEach((_, k) => {
    for (let i = 0; i < sizes[k]; i++) {
      const e = sizes.map((s) => new Float64Array(s));
      e[k][i] = 1;
      const col = flat(w.jvp(f, ts, tensorsOf(e, c))[1]);
      for (let o = 0; o < nOut; o++) Jc[o * nIn + offs[k] + i] = col[o];
    }
  });
  const scale = maxAbs(Jc);
  const agree = (A: Float64Array, B: Float64Array, what: string) => {
    for (let j = 0; j < A.length; j++) {
      if (Math.abs(A[j] - B[j]) > 1e-13 * Math.max(Math.abs(A[j]), Math.abs(B[j])) + 1e-15 * scale) {
        expect.fail(`${op.name} ${caseName(c)}: ${what} differ at row ${Math.floor(j / nIn)}, column ${j % nIn}: ${A[j]} vs ${B[j]}`);
      }
    }
  };
  agree(Jf, Jr, 'forward and reverse Jacobians');
  agree(Jf, Jc, 'forward Jacobian and jvp columns');
  c.shapes.forEach((_, k) => {
    if (!op.nondiff && !isInteger(op, k)) return;
    for (const [J, m] of [[Jf, 'forward'], [Jr, 'reverse']] as const) {
      for (let o = 0; o < nOut; o++) for (let i = 0; i < sizes[k]; i++) {
        if (J[o * nIn + offs[k] + i] !== 0) expect.fail(`${op.name}: ${m} Jacobian column of input ${k} must be exactly 0`);
      }
    }
  });
}

/**
 * w.vmap through the op's batching rule, each pattern of mapped inputs (all; each one alone, the
 * others broadcast with inAxes null), against the op applied example by example. The all-mapped
 * pattern maps the LAST axis of every input (inAxes per argument, the batch axis moved by
 * transposes) and puts the result's batch axis last (outAxes). For matmul on 2-D operands the
 * patterns are batched·matrix, matrix·batched and batched·batched (the three branches of
 * batchedMatmul); 3-D operands take the broadcasting branch.
 */
function checkVmap(op: OpDef, c: Case, rng: Rng) {
  const n = 2, arity = c.shapes.length;
  const xs = draw(op, c, rng);
  const outShape = op.shape(c.shapes, c.attrs);
  const f = opFn(op, c.attrs);
  const patterns = [c.shapes.map(() => true), ...(arity > 1 ? c.shapes.map((_, k) => c.shapes.map((__, j) => j === k)) : [])];
  patterns.forEach((flags, p) => {
    const last = p === 0;
    const what = `${op.name} ${caseName(c)} vmap over input(s) ${flags.flatMap((b, k) => (b ? [k] : []))}${last ? ' (last axes)' : ''}`;
    const slices = Array.from({ length: n }, () => draw(op, c, rng)).map((sl) => sl.map((x, k) => (flags[k] ? x : xs[k])));
    const stacked = (k: number) => w.tensor(cat(slices.map((sl) => sl[k])), [n, ...c.shapes[k]]);
    const ins = c.shapes.map((s, k) => (!flags[k] ? w.tensor(xs[k], s) : last ? w.transpose(stacked(k), [...s.map((_, i) => i + 1), 0]) : stacked(k)));
    const inAxes = c.shapes.map((s, k) => (!flags[k] ? null : last ? s.length : 0));
    const run = () => w.vmap(f, { inAxes, outAxes: last ? outShape.length : 0 })(...ins) as w.Tensor;
    if (!op.batch) { expect(run, `${what}: an op without a batching rule (planner output) is refused by name`).toThrow(refusal(op)); return; }
    const got = run();
    const want = cat(slices.map((sl) => evalOp(op, c, sl)));
    const gotFirst = last ? w.transpose(got, [outShape.length, ...outShape.map((_, i) => i)]) : got;
    expect(gotFirst.shape, `${what}: shape`).toEqual([n, ...outShape]);
    // sums (matmul, reductions) may round differently on the backend: atol at the result's scale
    expectClose(gotFirst.data(), want, 1e-14, what, 1e-14 * maxAbs(want));
  });
}

/** Jacobian cases with total input size ≤ 12: the op's own small cases plus SMALL_CASES. */
const SMALL = 12;
const SMALL_CASES: Record<string, Case[]> = {
  transpose: [{ shapes: [[2, 1, 3]], attrs: { perm: [2, 0, 1] } }],
  slice: [{ shapes: [[3, 4]], attrs: { begin: [1, 1], end: [3, 3] } }],
  gather: [{ shapes: [[4, 1], [3]], attrs: { axis: 0 } }, { shapes: [[1, 4], [2, 2]], attrs: { axis: 1 } }],
  scatterAdd: [{ shapes: [[3, 2], [3]], attrs: { axis: 0, size: 4 } }, { shapes: [[1, 2, 2], [2, 2]], attrs: { axis: 1, size: 4 } }],
  // forward: Ȧ·B (batched·matrix) + A·Ḃ (matrix·batched); reverse likewise; 3-D: broadcast branch
  matmul: [{ shapes: [[2, 3], [3, 2]], attrs: undefined }, { shapes: [[2, 2, 1], [2, 1, 2]], attrs: undefined }],
  matmulT: [{ shapes: [[2, 2], [2, 1]], attrs: { transA: true, transB: false } }],
  triangularSolve: [{ shapes: [[2, 2], [2, 2]], attrs: { lower: true, transpose: false, unitDiagonal: false } },
    { shapes: [[3, 3], [3, 1]], attrs: { lower: false, transpose: true, unitDiagonal: true } }],
  solve: [{ shapes: [[2, 2], [2, 2]], attrs: undefined }],
};
function jacobianCases(op: OpDef, cases: Case[]): Case[] | string {
  const small = [...cases, ...(SMALL_CASES[op.name] ?? [])].filter((c) => c.shapes.reduce((a, s) => a + sizeOf(s), 0) <= SMALL);
  if (!small.length) return `op '${op.name}' has no case of total input size ≤ ${SMALL}: add one to SMALL_CASES in test/rules.test.ts`;
  const broadcasting = small.some((c) => c.shapes.some((s) => fmt(s) !== fmt(c.shapes[0])));
  if (['binary', 'ternary'].includes(op.family) && !broadcasting) return `op '${op.name}' has no small broadcasting case`;
  return small;
}

// ---- kinks (DESIGN §4) ----------------------------------------------------------------------
const D = 1e-3; // "just left / just right" of a kink; FD step 1e-6 stays on one side
const g1 = (f: (x: w.Tensor) => w.Tensor, x: unknown) => flat(w.grad(f)(x));
const gs = (f: (...a: w.Tensor[]) => w.Tensor, argnums: number[], ...args: unknown[]) =>
  (w.grad(f, { argnums })(...args) as unknown[]).map(flat);
/** derivative of scalar f at x by AD equals central differences */
function sides(f: (x: w.Tensor) => w.Tensor, xs: number[]) {
  for (const x of xs) {
    const ad = w.grad(f)(x) as number;
    const fd = directional(([y]) => f(w.tensor(y[0])).item(), [Float64Array.of(x)], [Float64Array.of(1)]);
    expect(closeFD(ad, fd, Math.abs(ad), 1e-6, 1e-9), `at ${x}: AD ${ad} vs FD ${fd}`).toBe(true);
  }
}
/** gradient of f at the array x by AD equals per-coordinate central differences */
function sidesArr(f: (x: w.Tensor) => w.Tensor, x: number[]) {
  const ad = g1(f, x);
  x.forEach((_, i) => {
    const e = new Float64Array(x.length); e[i] = 1;
    const fd = directional(([y]) => f(w.tensor(y)).item(), [Float64Array.from(x)], [e]);
    expect(closeFD(ad[i], fd, Math.abs(ad[i]), 1e-6, 1e-9), `at [${x}] coordinate ${i}: AD ${ad[i]} vs FD ${fd}`).toBe(true);
  });
}
const arr = (a: ArrayLike<number>) => Array.from(a);

const KINKS: Record<string, () => void> = {
  relu: () => {
    expect(arr(g1((x) => w.sum(w.relu(x)), [0, -0]))).toEqual([0, 0]);
    sides(w.relu, [-D, D]);
  },
  abs: () => {
    expect(arr(g1((x) => w.sum(w.abs(x)), [0, -0]))).toEqual([0, 0]);
    sides(w.abs, [-D, D]);
  },
  sign: () => {
    expect(arr(g1((x) => w.sum(w.sign(x)), [-D, 0, -0, D]))).toEqual([0, 0, 0, 0]);
  },
  maximum: () => {
    expect(gs(w.maximum, [0, 1], 1.5, 1.5).map(arr)).toEqual([[0.5], [0.5]]);
    // a tie against a broadcast operand: each element splits, the broadcast side sums its halves
    expect(gs((a, b) => w.sum(w.maximum(a, b)), [0, 1], [2, 2, 2], 2).map(arr)).toEqual([[0.5, 0.5, 0.5], [1.5]]);
    sides((a) => w.maximum(a, 1.5), [1.5 - D, 1.5 + D]);
    sides((b) => w.maximum(1.5, b), [1.5 - D, 1.5 + D]);
  },
  minimum: () => {
    expect(gs(w.minimum, [0, 1], -1.5, -1.5).map(arr)).toEqual([[0.5], [0.5]]);
    expect(gs((a, b) => w.sum(w.minimum(a, b)), [0, 1], [2, 2, 2], 2).map(arr)).toEqual([[0.5, 0.5, 0.5], [1.5]]);
    sides((a) => w.minimum(a, -1.5), [-1.5 - D, -1.5 + D]);
    sides((b) => w.minimum(-1.5, b), [-1.5 - D, -1.5 + D]);
  },
  clip: () => {
    // closed interval: at lo and at hi the gradient passes to x, none to the bounds
    for (const x of [-1, 1]) expect(gs(w.clip, [0, 1, 2], x, -1, 1).map(arr), `clip at ${x}`).toEqual([[1], [0], [0]]);
    expect(gs(w.clip, [0, 1, 2], -1 - D, -1, 1).map(arr)).toEqual([[0], [1], [0]]);
    expect(gs(w.clip, [0, 1, 2], 1 + D, -1, 1).map(arr)).toEqual([[0], [0], [1]]);
    sides((x) => w.clip(x, -1, 1), [-1 - D, -1 + D, 1 - D, 1 + D]);
    sides((lo) => w.clip(-1, lo, 1), [-1 - D, -1 + D]);
    sides((hi) => w.clip(1, -1, hi), [1 - D, 1 + D]);
  },
  max: () => {
    expect(arr(g1((x) => w.max(x), [1, 3, 3, 2]))).toEqual([0, 0.5, 0.5, 0]);
    expect(arr(g1((x) => w.max(x), [3, 3, 3])).every((v) => Math.abs(v - 1 / 3) < 1e-15)).toBe(true);
    expect(arr(g1((x) => w.sum(w.max(x, 1)), [[1, 2], [2, 2]]))).toEqual([0, 1, 0.5, 0.5]);
    sidesArr((x) => w.max(x), [1, 3 - D, 3, 2]);
    sidesArr((x) => w.max(x), [1, 3 + D, 3, 2]);
  },
  min: () => {
    expect(arr(g1((x) => w.min(x), [1, -3, -3, 2]))).toEqual([0, 0.5, 0.5, 0]);
    expect(arr(g1((x) => w.sum(w.min(x, 0)), [[1, 2], [1, 0]]))).toEqual([0.5, 0, 0.5, 1]);
    sidesArr((x) => w.min(x), [1, -3 - D, -3, 2]);
    sidesArr((x) => w.min(x), [1, -3 + D, -3, 2]);
  },
  prod: () => {
    expect(arr(g1((x) => w.prod(x), [2, 0, 3]))).toEqual([0, 6, 0]);
    expect(arr(g1((x) => w.prod(x), [0, 2, 0]))).toEqual([0, 0, 0]);
    expect(arr(g1((x) => w.prod(x), [0, 0, 0]))).toEqual([0, 0, 0]);
    expect(arr(g1((x) => w.sum(w.prod(x, 1)), [[2, 0, 3], [0, 5, 0], [1, 2, 4]]))).toEqual([0, 6, 0, 0, 0, 0, 8, 4, 2]);
    sidesArr((x) => w.prod(x), [2, -D, 3]);
    sidesArr((x) => w.prod(x), [2, D, 3]);
  },
  pow: () => {
    for (const y of [0.5, 1, 2, 3]) expect(gs(w.pow, [1], 0, y)[0][0], `d/dy pow(0, ${y})`).toBe(0);
    expect(gs(w.pow, [0], 0, 2)[0][0]).toBe(0);
    expect(gs(w.pow, [0], 0, 1)[0][0]).toBe(1);
    expect(gs(w.pow, [0], 0, 0)[0][0]).toBe(0);  // b ⊙ aᵇ⁻¹ = 0 ⊙ ∞ = 0 (test/conventions.test.ts: all orders)
    sides((y) => w.pow(D, y), [0.5, 2]);
    sides((x) => w.pow(x, 2), [-D, D]);
  },
};

// ---- the suites -----------------------------------------------------------------------------
const KNOWN = new Set(REGISTRY.map((op) => op.name));

describeBackends('op rules', () => {
  it('the registry numbers its ops by position', () => {
    REGISTRY.forEach((op, i) => expect(op.id, op.name).toBe(i));
    expect(KNOWN.size, 'op names are unique').toBe(REGISTRY.length);
  });
  it('an op without a usable spec, reference or kink check is reported by name', () => {
    const neg = REGISTRY[0];
    expect(plan({ ...neg, name: 'fakeOp', test: undefined })).toMatch(/'fakeOp' has no test spec/);
    expect(plan({ ...neg, name: 'fakeLayout', family: 'layout', test: { domain: [-1, 1] } })).toMatch(/'fakeLayout'.*needs test.shapes/);
    expect(referenceOf({ ...neg, name: 'fakeLayout', family: 'layout', scalar: undefined })).toBeUndefined();
  });
  it('every kink check names a registered op', () => {
    for (const name of Object.keys(KINKS)) expect(KNOWN.has(name), `kink check for unknown op '${name}'`).toBe(true);
  });

  for (const op of REGISTRY) {
    describe(op.name, () => {
      const covered = op.test?.coveredBy;
      if (covered) {
        it(`covered by ${covered}`, () => { expect(existsSync(new URL(`../${covered}`, import.meta.url))).toBe(true); });
        return;
      }
      const cases = plan(op);
      if (typeof cases === 'string') {
        it('has a usable test spec', () => { expect.fail(cases); });
        return;
      }
      cases.forEach((c, i) => {
        it(caseName(c), () => checkCase(op, c, new Rng(seedOf(`${op.name}#${i}`))));
        it(`${caseName(c)} jvp`, () => checkJvp(op, c, new Rng(seedOf(`${op.name}#${i} jvp`))));
        if ((op.vjp || op.vjpParts) && !op.nondiff) it(`${caseName(c)} second order (jvp of vjp)`, () => checkHvp(op, c, new Rng(seedOf(`${op.name}#${i} hvp`))));
        it(`${caseName(c)} vmap`, () => checkVmap(op, c, new Rng(seedOf(`${op.name}#${i} vmap`))));
      });
      const small = jacobianCases(op, cases);
      if (typeof small === 'string') it('has a small jacobian case', () => { expect.fail(small); });
      else small.forEach((c, i) => it(`${caseName(c)} jacobian forward = reverse = jvp columns`, () => checkJacobian(op, c, new Rng(seedOf(`${op.name}#${i} jac`)))));
      it('has jvp and batching rules when it is differentiable', () => {
        if (op.vjp && !op.jvp) expect.fail(`op '${op.name}' has a vjp rule but no jvp rule`);
        if ((op.vjp || op.jvp) && !op.batch) expect.fail(`op '${op.name}' is differentiable but has no batching rule (jacobian/hessian need it)`);
      });
      if (op.test?.kinks && !KINKS[op.name]) {
        it('has a kink check', () => { expect.fail(`op '${op.name}' declares kinks but test/rules.test.ts KINKS has no check for it`); });
      }
      if (KINKS[op.name]) it('kinks: left, right and at the kink (DESIGN §4)', KINKS[op.name]);
      if (op.family === 'unary' && op.arity === 1 && !op.nondiff) {
        it('second order (grad of grad) against finite differences', () => checkSecondOrder(op, new Rng(seedOf(`${op.name}^2`))));
      }
    });
  }
});
