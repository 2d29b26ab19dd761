// Shared machinery of the reduction primitives (sum, max, min, prod): attributes, shape rule, kernel.
import { asTensor, type Tensor, type TensorLike } from '../core/tensor.js';
import { apply } from '../core/trace.js';
import { normAxes, strides, sizeOf, type Shape } from '../core/shape.js';
import type { OpDef } from './op.js';

export interface ReduceAttrs { readonly axes: readonly number[]; readonly keepDims: boolean }

export function reduceShape(shape: Shape, { axes, keepDims }: ReduceAttrs): number[] {
  return keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : shape.filter((_, i) => !axes.includes(i));
}

/** the addon's words: keepDims (0/1), the number of axes, the axes increasing */
export const reduceWords = ({ axes, keepDims }: ReduceAttrs): number[] => [keepDims ? 1 : 0, axes.length, ...axes];
export const REDUCE_LAYOUT = 'keepDims naxes axes[naxes]';
export const fmtReduce = ({ axes, keepDims }: ReduceAttrs) => `axes=[${axes}]${keepDims ? ' keepDims' : ''}`;

/** Batching rule shared by reductions: the axes shift past the leading direction axis. */
export const batchReduce = (op: OpDef<ReduceAttrs>) => (ins: readonly Tensor[], _b: readonly boolean[], a: ReduceAttrs): Tensor =>
  apply(op, [ins[0]], { axes: a.axes.map((x) => x + 1), keepDims: a.keepDims });

/** Record or run a reduction given the public (x, axis?, keepDims?) arguments. */
export function applyReduce(op: OpDef<ReduceAttrs>, x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor {
  const t = asTensor(x, op.name);
  return apply(op, [t], { axes: normAxes(op.name, axis, t.rank), keepDims: !!keepDims });
}

// ---- the canonical reduction order (DESIGN §4; native/src/kernels/reduce.cc is the same) --------
// For one output, the sequence x[0..n) of its reduced values in row-major order of the reduced
// axes and combine c(acc, x): n = 0 gives the empty value (`init`); otherwise blocks of BLOCK = 1024
// values (the last shorter); in a block, 8 lanes start at the lane identity (sum −0, else `init`),
// value i goes to lane i mod 8, and the block value is c(c(c(a0,a1), c(a2,a3)), c(c(a4,a5), c(a6,a7)));
// block values p[0..nb) combine as T(0, nb): T(lo, hi) = p[lo] if hi − lo = 1, else
// c(T(lo, lo+h), T(lo+h, hi)) with h the largest power of two below hi − lo (streamed: a stack of
// complete power-of-two subtrees). One order for every backend, SIMD level and thread count.

/** values per block of the canonical order */
export const REDUCE_BLOCK = 1024;
/** columns per strip of a reduction over a leading axis (8 accumulator rows × COLS) */
const COLS = 1024;

/** c(acc, v) as a statement updating the lvalue `acc` (the ops' formulas, inlined in generated code) */
const STATEMENTS: Record<string, (acc: string) => string> = {
  sum: (a) => `${a} += v;`,
  prod: (a) => `${a} *= v;`,
  max: (a) => `if (v > ${a} || v !== v) ${a} = v;`,
  min: (a) => `if (v < ${a} || v !== v) ${a} = v;`,
};

type Combine = (acc: number, x: number) => number;
/** the block value of x[lo..hi), hi − lo ≤ REDUCE_BLOCK */
type BlockFn = (x: Float64Array, lo: number, hi: number) => number;
/** out[oo + o] = canonical reduction of x[xo + j·K + o] over j < rows, for o < K */
type ColsFn = (x: Float64Array, xo: number, rows: number, K: number, out: Float64Array, oo: number) => void;

/** T over block values pushed in order: a stack of complete power-of-two subtrees */
export class Tree {
  private val = new Float64Array(24);   // ≤ 22 entries: n < 2³¹ values are < 2²¹ blocks
  private size = new Float64Array(24);
  private top = 0;
  constructor(private readonly c: Combine) {}
  reset(): this { this.top = 0; return this; }
  push(v: number): void {
    let s = 1;
    while (this.top > 0 && this.size[this.top - 1] === s) { v = this.c(this.val[--this.top], v); s *= 2; }
    this.val[this.top] = v;
    this.size[this.top++] = s;
  }
  result(): number {
    let acc = this.val[this.top - 1];
    for (let t = this.top - 2; t >= 0; t--) acc = this.c(this.val[t], acc);
    return acc;
  }
}

/** the 8-lane block function of one op, generated with its statement inlined (the name keeps V8 from sharing it) */
function makeBlock(name: string, stmt: (a: string) => string, lane: number, c: Combine): BlockFn {
  const lanes = [0, 1, 2, 3, 4, 5, 6, 7];
  const body = `/* ${name} */ return function (x, lo, hi) {
    let ${lanes.map((k) => `a${k} = L`).join(', ')}, v = 0, i = lo;
    for (; i + 8 <= hi; i += 8) { ${lanes.map((k) => `v = x[i + ${k}]; ${stmt(`a${k}`)}`).join(' ')} }
    ${lanes.slice(0, 7).map((k) => `if (i + ${k} < hi) { v = x[i + ${k}]; ${stmt(`a${k}`)} }`).join('\n    ')}
    return c(c(c(a0, a1), c(a2, a3)), c(c(a4, a5), c(a6, a7)));
  }`;
  return new Function('L', 'c', body)(lane, c) as BlockFn;
}

/** the strip function of one op: 8 accumulator rows × COLS columns, row j of a block into row j mod 8 */
function makeCols(name: string, stmt: (a: string) => string, lane: number, c: Combine): ColsFn {
  const tree = (k: (r: number) => string) => `c(c(c(${k(0)}, ${k(1)}), c(${k(2)}, ${k(3)})), c(c(${k(4)}, ${k(5)}), c(${k(6)}, ${k(7)})))`;
  const body = `/* ${name} */ const W = ${COLS}, B = ${REDUCE_BLOCK};
  let acc = null, st = null;   // made at the first call: 8 accumulator rows, the T stack (≤ 22 entries for n < 2³¹)
  const size = new Float64Array(24);
  return function (x, xo, rows, K, out, oo) {
    if (!acc) { acc = new Float64Array(8 * W); st = new Float64Array(24 * W); }
    for (let o0 = 0; o0 < K; o0 += W) {
      const w = Math.min(W, K - o0);
      let top = 0;
      for (let j0 = 0; j0 < rows; j0 += B) {
        const m = Math.min(B, rows - j0);
        acc.fill(L);
        let j = 0;
        for (; j + 8 <= m; j += 8) {
          const b = xo + (j0 + j) * K + o0;
          for (let o = 0; o < w; o++) { ${[0, 1, 2, 3, 4, 5, 6, 7].map((r) => `{ const v = x[b + ${r} * K + o]; ${stmt(`acc[${r} * W + o]`)} }`).join(' ')} }
        }
        for (; j < m; j++) {
          const r = (j & 7) * W, b = xo + (j0 + j) * K + o0;
          for (let o = 0; o < w; o++) { const v = x[b + o]; ${stmt('acc[r + o]')} }
        }
        for (let o = 0; o < w; o++) st[top * W + o] = ${tree((r) => `acc[${r} * W + o]`)};
        let s = 1;
        while (top > 0 && size[top - 1] === s) {
          top--;
          for (let o = 0; o < w; o++) st[top * W + o] = c(st[top * W + o], st[(top + 1) * W + o]);
          s *= 2;
        }
        size[top++] = s;
      }
      for (let o = 0; o < w; o++) {
        let a = st[(top - 1) * W + o];
        for (let t = top - 2; t >= 0; t--) a = c(st[t * W + o], a);
        out[oo + o0 + o] = a;
      }
    }
  }`;
  return new Function('L', 'c', body)(lane, c) as ColsFn;
}

/** Axes with size-1 axes dropped and neighbours of one kind merged: [dim, reduced] groups. */
function groupsOf(shape: Shape, axes: readonly number[]): [number, boolean][] {
  const g: [number, boolean][] = [];
  shape.forEach((d, a) => {
    if (d === 1) return;
    const red = axes.includes(a);
    if (g.length && g[g.length - 1][1] === red) g[g.length - 1][0] *= d; else g.push([d, red]);
  });
  return g;
}

/**
 * Kernel for a reduction in the canonical order: contiguous rows (reduced trailing axes), columns
 * (a reduced leading axis, vectorized across outputs), and any other pattern gathered block by
 * block. `init` is the empty value; `combine` is c(acc, x).
 */
export function reduceKernel(name: string, init: number, combine: Combine) {
  const lane = name === 'sum' ? -0 : init;
  const stmt = STATEMENTS[name] ?? ((a: string) => `${a} = c(${a}, v);`);
  const block = makeBlock(name, stmt, lane, combine), cols = makeCols(name, stmt, lane, combine);
  const tree = new Tree(combine);
  const row = (x: Float64Array, lo: number, n: number): number => {
    if (n <= REDUCE_BLOCK) return block(x, lo, lo + n);
    tree.reset();
    for (let b = lo; b < lo + n; b += REDUCE_BLOCK) tree.push(block(x, b, Math.min(b + REDUCE_BLOCK, lo + n)));
    return tree.result();
  };
  return (ins: readonly Float64Array[], shapes: readonly Shape[], outShape: Shape, attrs: ReduceAttrs): Float64Array => {
    const x = ins[0], out = new Float64Array(sizeOf(outShape));
    const n = out.length ? x.length / out.length : 0;
    if (n === 0) return out.fill(init);
    if (n === 1) { out.set(x); return out; }   // c(identity, x) = x
    const g = groupsOf(shapes[0], attrs.axes);
    const [r0, r1] = [g[0][1], g.length > 1 && g[1][1]];
    if (g.length === 1 || (g.length === 2 && !r0 && r1)) {
      for (let o = 0; o < out.length; o++) out[o] = row(x, o * n, n);
    } else if (g.length === 2) {
      cols(x, 0, n, out.length, out, 0);
    } else if (g.length === 3 && !r0) {
      const K = g[2][0];
      for (let a = 0; a < g[0][0]; a++) cols(x, a * n * K, n, K, out, a * K);
    } else {
      gathered(x, out, g, n, block, tree);
    }
    return out;
  };
}

/**
 * any other axis pattern: each output's values copied block by block into a contiguous buffer, a
 * run at a time (a reduced innermost group is a contiguous run)
 */
function gathered(x: Float64Array, out: Float64Array, g: readonly [number, boolean][], n: number, block: BlockFn, tree: Tree): void {
  const st = strides(g.map(([d]) => d));
  const kd = g.filter(([, r]) => !r).map(([d]) => d), ks = g.map((_, a) => st[a]).filter((_, a) => !g[a][1]);
  const rd = g.filter(([, r]) => r).map(([d]) => d), rs = g.map((_, a) => st[a]).filter((_, a) => g[a][1]);
  const run = g[g.length - 1][1] ? rd.pop()! : 1;   // rs's last stride is then 1
  if (run > 1) rs.pop();
  const buf = new Float64Array(REDUCE_BLOCK), kidx = new Array(kd.length).fill(0), ridx = new Array(rd.length).fill(0);
  let base = 0;
  for (let o = 0; o < out.length; o++) {
    tree.reset();
    let off = base, m = 0;
    for (let j = 0; j < n; j += run) {
      for (let t = 0; t < run;) {
        const len = Math.min(run - t, REDUCE_BLOCK - m);
        for (let u = 0; u < len; u++) buf[m + u] = x[off + t + u];
        m += len; t += len;
        if (m === REDUCE_BLOCK) { tree.push(block(buf, 0, m)); m = 0; }
      }
      off = step(ridx, rd, rs, off);
    }
    if (m) tree.push(block(buf, 0, m));
    out[o] = tree.result();
    base = step(kidx, kd, ks, base);
  }
}

/** the offset of the next row-major index over dims d (offsets move by strides s) */
function step(idx: number[], d: readonly number[], s: readonly number[], off: number): number {
  for (let a = d.length - 1; a >= 0; a--) {
    off += s[a];
    if (++idx[a] < d[a]) return off;
    off -= s[a] * d[a];
    idx[a] = 0;
  }
  return off;
}
