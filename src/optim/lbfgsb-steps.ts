// The two steps of an L-BFGS-B iteration (Byrd, Lu, Nocedal & Zhu 1995, §§4–5), on the model
// m(z) = gᵀz + ½zᵀBz, B = θI − W·M·Wᵀ (bfgs-compact.ts).
import type { Box } from './bounds.js';
import type { CompactBfgs } from './bfgs-compact.js';
import { luSolve } from './dense.js';

const EPS = 2.220446049250313e-16;

export interface CauchyPoint {
  xc: Float64Array;
  /** c = Wᵀ(x^c − x) (length 2k) */
  c: Float64Array;
}

/**
 * The generalized Cauchy point (Alg. CP): along x(t) = P(x − t·g) the model is a piecewise
 * quadratic; walk the breakpoints tᵢ (where variable i reaches its bound) in increasing order,
 * keeping f′ and f″ of the current segment, and stop at the first segment whose minimizer lies
 * inside it. Breakpoints come off a binary heap (most are never reached).
 */
export function breakpointCauchy(x: Float64Array, g: Float64Array, box: Box, mem: CompactBfgs): CauchyPoint {
  const n = x.length, k = mem.k, K = 2 * k, theta = mem.theta;
  const t = new Float64Array(n), d = new Float64Array(n), xc = x.slice();
  const heap: number[] = [];
  let f1 = 0;
  for (let i = 0; i < n; i++) {
    const gi = g[i];
    let ti = Infinity;
    if (gi < 0 && box.upper[i] < Infinity) ti = (x[i] - box.upper[i]) / gi;
    else if (gi > 0 && box.lower[i] > -Infinity) ti = (x[i] - box.lower[i]) / gi;
    t[i] = ti;
    if (ti > 0) { d[i] = -gi; f1 -= gi * gi; if (ti < Infinity) heap.push(i); }
  }
  const c = new Float64Array(K);
  if (f1 === 0) return { xc, c };
  const p = new Float64Array(K), v = new Float64Array(K), wb = new Float64Array(K), mv = new Float64Array(K);
  if (k) mem.timesWt(d, p);
  const pMp = k ? (mem.timesM(p, mv), dotK(p, mv, K)) : 0;
  let f2 = -theta * f1 - pMp;
  const f2min = EPS * f2;
  let dtm = -f1 / f2, told = 0;
  heapify(heap, t);
  while (heap.length) {
    const b = heap[0], tb = t[b], dt = tb - told;
    if (dtm < dt) break;
    heapPop(heap, t);
    // variable b reaches its bound: the path bends there
    const xb = d[b] > 0 ? box.upper[b] : box.lower[b], zb = xb - x[b], gb = g[b];
    xc[b] = xb;
    for (let j = 0; j < K; j++) c[j] += dt * p[j];
    f1 += dt * f2 + gb * gb + theta * gb * zb;
    f2 -= theta * gb * gb;
    if (k) {
      mem.rowW(b, wb);
      mem.timesM(wb, v);   // v = M·w_b
      f1 -= gb * dotK(v, c, K);
      f2 -= 2 * gb * dotK(v, p, K) + gb * gb * dotK(v, wb, K);
      for (let j = 0; j < K; j++) p[j] += gb * wb[j];
    }
    d[b] = 0;
    f2 = Math.max(f2min, f2);
    dtm = -f1 / f2;
    told = tb;
  }
  dtm = Math.max(dtm, 0);
  told += dtm;
  for (let i = 0; i < n; i++) {
    if (d[i] === 0) continue;
    const v2 = x[i] + told * d[i];
    xc[i] = v2 < box.lower[i] ? box.lower[i] : v2 > box.upper[i] ? box.upper[i] : v2;
  }
  for (let j = 0; j < K; j++) c[j] += dtm * p[j];
  return { xc, c };
}

/**
 * x̄: the minimizer of the model over the variables free at x^c (strictly inside their bounds),
 * the others fixed at x^c (direct primal method, §5.1):
 *   r = Zᵀ(g + θ(x^c − x) − W·M·c),   d̂ = −B̂⁻¹r,
 *   B̂⁻¹ = I/θ + ZᵀW·(I − M·WᵀZZᵀW/θ)⁻¹·M·WᵀZ/θ²,
 * then x̄ = x^c + α*·d̂ with the largest α* ≤ 1 that stays in the box.
 */
export function subspaceStep(x: Float64Array, g: Float64Array, box: Box, mem: CompactBfgs, cp: CauchyPoint): Float64Array {
  const n = x.length, k = mem.k, K = 2 * k, theta = mem.theta, xc = cp.xc;
  const free = new Uint8Array(n);
  let nFree = 0;
  for (let i = 0; i < n; i++) if (xc[i] > box.lower[i] && xc[i] < box.upper[i]) { free[i] = 1; nFree++; }
  if (!nFree) return xc;
  // r = g + θ(x^c − x) − W·M·c on the free variables, 0 elsewhere
  const r = new Float64Array(n);
  if (k) {
    const mc = new Float64Array(K);
    mem.timesM(cp.c, mc);
    mem.addW(mc, g, 0, r);   // r = W·M·c
    for (let i = 0; i < n; i++) r[i] = free[i] ? g[i] + theta * (xc[i] - x[i]) - r[i] : 0;
  } else {
    for (let i = 0; i < n; i++) r[i] = free[i] ? g[i] + theta * (xc[i] - x[i]) : 0;
  }
  const du = new Float64Array(n);
  if (k) {
    const v = new Float64Array(K);
    mem.timesWt(r, v);
    mem.timesM(v, v);
    // N = I − M·(WᵀZZᵀW)/θ, WᵀZZᵀW = Σ over free rows of w_i·w_iᵀ (or WᵀW minus the fixed rows)
    const G = freeGram(mem, free, nFree, n, K);
    const N = new Float64Array(K * K), col = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      for (let i = 0; i < K; i++) col[i] = G[i * K + j];
      mem.timesM(col, col);
      for (let i = 0; i < K; i++) N[i * K + j] = (i === j ? 1 : 0) - col[i] / theta;
    }
    if (luSolve(N, K, v)) {
      for (let j = 0; j < K; j++) v[j] /= -theta * theta;
      mem.addW(v, r, -1 / theta, du);   // du = −r/θ − W·v/θ²
      for (let i = 0; i < n; i++) if (!free[i]) du[i] = 0;
    } else {
      for (let i = 0; i < n; i++) du[i] = -r[i] / theta;
    }
  } else {
    for (let i = 0; i < n; i++) du[i] = -r[i] / theta;
  }
  // x̄ = x^c + α*·d̂ with the largest α* ≤ 1 inside the box (the original paper's backtracking:
  // projecting x^c + d̂ instead, as version 3.0 does, can leave a descent direction so poor that
  // the iterates stall near a bound — bounded Rosenbrock shows it)
  let a = 1;
  for (let i = 0; i < n; i++) {
    if (!free[i]) continue;
    if (du[i] < 0) a = Math.min(a, (box.lower[i] - xc[i]) / du[i]);
    else if (du[i] > 0) a = Math.min(a, (box.upper[i] - xc[i]) / du[i]);
  }
  const xbar = xc.slice();
  for (let i = 0; i < n; i++) {
    if (!free[i]) continue;
    const v = xc[i] + a * du[i];
    xbar[i] = v < box.lower[i] ? box.lower[i] : v > box.upper[i] ? box.upper[i] : v;
  }
  return xbar;
}

/** WᵀZZᵀW (K×K): summed over the free rows, or WᵀW minus the fixed rows when those are fewer. */
function freeGram(mem: CompactBfgs, free: Uint8Array, nFree: number, n: number, K: number): Float64Array {
  const useFree = nFree <= n - nFree;
  const G = useFree ? new Float64Array(K * K) : mem.gramW();
  const w = new Float64Array(K), sign = useFree ? 1 : -1;
  for (let i = 0; i < n; i++) {
    if ((free[i] === 1) !== useFree) continue;
    mem.rowW(i, w);
    for (let a = 0; a < K; a++) { const wa = sign * w[a]; for (let b = 0; b < K; b++) G[a * K + b] += wa * w[b]; }
  }
  return G;
}

function dotK(a: Float64Array, b: Float64Array, K: number): number {
  let s = 0;
  for (let j = 0; j < K; j++) s += a[j] * b[j];
  return s;
}

function heapify(h: number[], key: Float64Array): void {
  for (let i = (h.length >> 1) - 1; i >= 0; i--) siftDown(h, key, i);
}

function heapPop(h: number[], key: Float64Array): void {
  const last = h.pop()!;
  if (h.length) { h[0] = last; siftDown(h, key, 0); }
}

function siftDown(h: number[], key: Float64Array, i: number): void {
  const n = h.length, v = h[i], kv = key[v];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && key[h[c + 1]] < key[h[c]]) c++;
    if (key[h[c]] >= kv) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = v;
}
