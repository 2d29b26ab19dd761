// L-BFGS: the two-loop recursion (N&W Alg. 7.4) over the last `memory` pairs
// s = x_{k+1} − x_k, y = ∇f_{k+1} − ∇f_k, with H₀ = γI, γ = sᵀy / yᵀy of the newest pair,
// and a strong-Wolfe line search. A pair is stored only when sᵀy > 0 (H stays positive definite).
import type { Objective } from './objective.js';
import { allFinite } from './objective.js';
import type { MinimizeConfig } from './options.js';
import { Run, norm2, dot } from './run.js';
import { LineSearch } from './linesearch.js';
import { converged, type Outcome } from './outcome.js';

class Memory {
  private s: Float64Array[] = []; private y: Float64Array[] = []; private rho: number[] = []; private yy: number[] = [];
  private readonly alpha: Float64Array;
  constructor(private readonly m: number) { this.alpha = new Float64Array(m); }
  get size(): number { return this.s.length; }
  clear(): void { this.s = []; this.y = []; this.rho = []; this.yy = []; }

  push(s: Float64Array, y: Float64Array): void {
    const sy = dot(s, y), yy = dot(y, y);
    if (!(sy > 1e-10 * Math.sqrt(dot(s, s) * yy))) return;
    // reuse the oldest pair's buffers once memory is full
    const full = this.s.length === this.m;
    const rs = full ? this.s.shift()! : new Float64Array(s.length);
    const ry = full ? this.y.shift()! : new Float64Array(y.length);
    if (full) { this.rho.shift(); this.yy.shift(); }
    rs.set(s); ry.set(y);
    this.s.push(rs); this.y.push(ry); this.rho.push(1 / sy); this.yy.push(yy);
  }

  /**
   * d = −H·g by the two-loop recursion, each vector update fused with the next dot product
   * (2k + 1 passes over d instead of 4k + 3).
   */
  direction(g: Float64Array, d: Float64Array): void {
    const k = this.s.length, n = d.length, S = this.s, Y = this.y, rho = this.rho, alpha = this.alpha;
    d.set(g);
    // q ← g;  for j = k−1 … 0: αⱼ = ρⱼ sⱼᵀq, q ← q − αⱼ yⱼ
    let acc = dot(S[k - 1], d);
    for (let j = k - 1; j >= 1; j--) {
      const a = (alpha[j] = rho[j] * acc), yj = Y[j], sn = S[j - 1];
      acc = 0;
      for (let i = 0; i < n; i++) { const v = d[i] - a * yj[i]; d[i] = v; acc += sn[i] * v; }
    }
    // r ← γ(q − α₀y₀), γ = sᵀy / yᵀy of the newest pair
    const a0 = (alpha[0] = rho[0] * acc), gamma = 1 / (rho[k - 1] * this.yy[k - 1]), y0 = Y[0];
    acc = 0;
    for (let i = 0; i < n; i++) { const v = gamma * (d[i] - a0 * y0[i]); d[i] = v; acc += y0[i] * v; }
    // for j = 0 … k−1: βⱼ = ρⱼ yⱼᵀr, r ← r + (αⱼ − βⱼ) sⱼ;  d = −r
    for (let j = 0; j < k; j++) {
      const c = alpha[j] - rho[j] * acc, sj = S[j];
      if (j < k - 1) {
        const yn = Y[j + 1];
        acc = 0;
        for (let i = 0; i < n; i++) { const v = d[i] + c * sj[i]; d[i] = v; acc += yn[i] * v; }
      } else {
        for (let i = 0; i < n; i++) d[i] = -(d[i] + c * sj[i]);
      }
    }
  }
}

export async function lbfgs(obj: Objective, cfg: MinimizeConfig, run: Run): Promise<Outcome> {
  const n = obj.n;
  let x = obj.params.x0.slice(), g = new Float64Array(n);
  let f = await obj.evalValueAndGrad(x, g);
  if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
  let gNorm = norm2(g);
  if (gNorm <= cfg.gradientTolerance) return { x, f, g, reason: 'gradient-tolerance' };
  const mem = new Memory(cfg.memory), ls = new LineSearch(n);
  const d = new Float64Array(n), s = new Float64Array(n), y = new Float64Array(n);
  let xNew = new Float64Array(n), gNew = new Float64Array(n);

  for (;;) {
    if (run.aborted) return { x, f, g, reason: 'aborted' };
    if (run.iterations >= cfg.maxIterations) return { x, f, g, reason: 'max-iterations' };
    let res;
    for (;;) {
      let alpha1 = 1;
      if (mem.size) mem.direction(g, d);
      let slope = mem.size ? dot(g, d) : 0;
      if (!(slope < 0)) {
        // steepest descent, first step of length ≤ 1 (N&W §3.5 initial step for a fresh start)
        mem.clear();
        for (let i = 0; i < n; i++) d[i] = -g[i];
        slope = -gNorm * gNorm;
        alpha1 = Math.min(1, 1 / gNorm);
      }
      res = await ls.search(obj, x, f, d, slope, alpha1);
      if (res.status !== 'failed' || !mem.size) break;
      mem.clear(); // the quasi-Newton direction led nowhere: retry once along −∇f
    }
    if (res.status === 'failed') return { x, f, g, reason: res.sawNonFinite ? 'non-finite' : 'line-search-failed' };
    xNew.set(res.x); gNew.set(res.g);
    for (let i = 0; i < n; i++) { s[i] = xNew[i] - x[i]; y[i] = gNew[i] - g[i]; }
    mem.push(s, y);
    const fPrev = f, step = norm2(s);
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = res.f;
    gNorm = norm2(g);
    if (!(await run.report(f, gNorm, step))) return { x, f, g, reason: 'stopped' };
    const why = converged(cfg, fPrev, f, gNorm, step, norm2(x));
    if (why) return { x, f, g, reason: why };
    await run.yield();
  }
}
