// L-BFGS (no bounds) in the compact form of Byrd, Nocedal & Schnabel (1994, Thm 2.2): with the
// last k pairs s = x_{j+1} − x_j, y = ∇f_{j+1} − ∇f_j (chronological), H₀ = γI, γ = sᵀy/yᵀy of
// the newest pair, R = triu(SᵀY), D = diag(SᵀY):
//   H·g = γg + S·q − γY·p,   p = R⁻¹(Sᵀg),   q = R⁻ᵀ((D + γYᵀY)·p − γYᵀg).
// The same H as the two-loop recursion, but an iteration reads the stored vectors twice instead
// of four times: once for Sᵀg, Yᵀg (a k-row matrix–vector product) and once for the combination,
// both as native kernels for large n (vec-kernels.ts). The new entries of SᵀY and YᵀY come from
// the differences Sᵀ(g_{k+1} − g_k) of those products (exact passes when ‖y‖ ≪ ‖g‖, where the
// difference would cancel). A pair is stored only when sᵀy > 0 (the strong-Wolfe line search
// ensures it; otherwise the slot stays empty — with a full memory the oldest pair is dropped).
import type { Objective } from './objective.js';
import { allFinite } from './objective.js';
import type { MinimizeConfig } from './options.js';
import type { Run } from './run.js';
import { LineSearch } from './linesearch.js';
import { converged, stalled, type Outcome } from './outcome.js';
import type { ExtraArgs } from './extra-args.js';
import { dots, combine, dot } from './vec-kernels.js';

/** below this ‖y‖/‖g‖ the new inner products are computed by a pass over the vectors */
const CANCEL = 1e-3;

class CompactMemory {
  /** 2m×n: row 2q holds s of slot q, row 2q + 1 its y */
  readonly V: Float64Array;
  readonly K: number;
  private order: number[] = [];          // slots, oldest first
  private readonly sy: Float64Array;     // sy[a·m + b] = s_aᵀy_b (for a stored no later than b)
  private readonly yy: Float64Array;     // yy[a·m + b] = y_aᵀy_b
  private gamma = 1;
  /** Vᵀg for the current gradient */
  private vg: Float64Array;
  private vgNext: Float64Array;
  private readonly vy: Float64Array;
  private readonly coef: Float64Array;

  constructor(private readonly m: number, private readonly n: number) {
    this.K = 2 * m;
    this.V = new Float64Array(n * this.K);
    this.sy = new Float64Array(m * m); this.yy = new Float64Array(m * m);
    this.vg = new Float64Array(this.K); this.vgNext = new Float64Array(this.K);
    this.vy = new Float64Array(this.K); this.coef = new Float64Array(this.K);
  }

  get size(): number { return this.order.length; }
  clear(): void { this.order = []; }

  /** Vᵀg for a new current gradient (after clear() or new extra arguments). */
  setGradient(g: Float64Array): void { dots(this.V, this.n, this.K, g, this.vg); }

  /** The slot the next pair is written to (row 2q: s, 2q + 1: y): a free one, or the oldest. */
  nextSlot(): number { return this.order.length < this.m ? this.order.length : this.order[0]; }

  /**
   * The pair written into nextSlot() is complete: store it when sᵀy > 0 (else the slot is left
   * empty), and move to the new gradient gNew = g + y. sy = sᵀy, ss, yy likewise.
   */
  record(g: Float64Array, gNew: Float64Array, sy: number, ss: number, yy: number, gg: number): void {
    const { m, n, K, V } = this;
    const q = this.order.length < m ? this.order.length : this.order.shift()!;
    const next = this.vgNext;
    dots(V, n, K, gNew, next);
    if (sy > 1e-10 * Math.sqrt(ss * yy)) {
      // inner products of the older pairs with the new y: differences of Vᵀg, or a pass over V
      // when ‖y‖ ≪ ‖g‖ would make the difference cancel (gg = max(‖g‖², ‖gNew‖²))
      const exact = yy < CANCEL * CANCEL * gg;
      if (exact) dots(V, n, K, Float64Array.from(gNew, (v, i) => v - g[i]), this.vy);
      for (const a of this.order) {
        this.sy[a * m + q] = exact ? this.vy[2 * a] : next[2 * a] - this.vg[2 * a];
        this.yy[a * m + q] = this.yy[q * m + a] = exact ? this.vy[2 * a + 1] : next[2 * a + 1] - this.vg[2 * a + 1];
      }
      this.sy[q * m + q] = sy;
      this.yy[q * m + q] = yy;
      this.order.push(q);
      this.gamma = sy / yy;
    }
    [this.vg, this.vgNext] = [next, this.vg];
  }

  /** d = −H·g for the current gradient g (‖g‖² = gg); returns the slope gᵀd. */
  direction(g: Float64Array, gg: number, d: Float64Array): number {
    const { m, n } = this, k = this.order.length, o = this.order, gamma = this.gamma;
    const p = new Float64Array(k), t = new Float64Array(k);
    // p = R⁻¹ Sᵀg  (R upper triangular in chronological order)
    for (let i = k - 1; i >= 0; i--) {
      let v = this.vg[2 * o[i]];
      for (let j = i + 1; j < k; j++) v -= this.sy[o[i] * m + o[j]] * p[j];
      p[i] = v / this.sy[o[i] * m + o[i]];
    }
    // t = (D + γYᵀY) p − γYᵀg, then q = R⁻ᵀ t (in place in t)
    for (let i = 0; i < k; i++) {
      let v = this.sy[o[i] * m + o[i]] * p[i] - gamma * this.vg[2 * o[i] + 1];
      for (let j = 0; j < k; j++) v += gamma * this.yy[o[i] * m + o[j]] * p[j];
      t[i] = v;
    }
    for (let i = 0; i < k; i++) {
      let v = t[i];
      for (let j = 0; j < i; j++) v -= this.sy[o[j] * m + o[i]] * t[j];
      t[i] = v / this.sy[o[i] * m + o[i]];
    }
    // d = −γg − S·q + γY·p, and gᵀd from the same coefficients
    const c = this.coef.fill(0);
    let slope = -gamma * gg;
    for (let i = 0; i < k; i++) {
      const cs = 2 * o[i];
      c[cs] = -t[i]; c[cs + 1] = gamma * p[i];
      slope += c[cs] * this.vg[cs] + c[cs + 1] * this.vg[cs + 1];
    }
    combine(this.V, n, this.K, c, g, -gamma, d);
    return slope;
  }
}

export async function lbfgs(obj: Objective, cfg: MinimizeConfig, run: Run, extra: ExtraArgs): Promise<Outcome> {
  const n = obj.n;
  let x: Float64Array = obj.params.x0.slice(), g: Float64Array = new Float64Array(n);
  let f = obj.evalValueAndGrad(x, g);
  if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
  let gg = dot(g, g), gNorm = Math.sqrt(gg);
  if (gNorm <= cfg.gradientTolerance) return { x, f, g, reason: 'gradient-tolerance' };
  const mem = new CompactMemory(cfg.memory, n), ls = new LineSearch(n);
  const d = new Float64Array(n);
  let fresh = true;   // the memory's V·g is not for the current g yet

  for (;;) {
    const stop = run.stop(cfg.maxIterations);
    if (stop) return { x, f, g, reason: stop };
    if (extra.perIteration && run.iterations > 0) {
      obj.use(await extra.at(run.iterations));
      f = obj.evalValueAndGrad(x, g);
      if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
      gg = dot(g, g); gNorm = Math.sqrt(gg);
      fresh = true;
    }
    let res, alpha1 = 1, slope = 0;
    for (;;) {
      if (fresh && mem.size) mem.setGradient(g);
      fresh = false;
      alpha1 = 1; slope = 0;
      if (mem.size) slope = mem.direction(g, gg, d);
      if (!(slope < 0)) {
        // steepest descent, first step of length ≤ 1 (N&W §3.5 initial step for a fresh start)
        mem.clear();
        for (let i = 0; i < n; i++) d[i] = -g[i];
        slope = -gg;
        alpha1 = Math.min(1, 1 / gNorm);
      }
      res = ls.search(obj, x, f, d, slope, alpha1);
      if (res.status !== 'failed' || !mem.size) break;
      mem.clear(); // the quasi-Newton direction led nowhere: retry once along −∇f
    }
    if (res.status === 'failed') return stalled(cfg, x, f, g, slope, alpha1, res);
    const [xNew, gNew] = ls.adopt(res, x, g);
    // s and y written into the memory's next slot, with their inner products, ‖x‖² and ‖g_new‖², in one pass
    const V = mem.V, so = 2 * mem.nextSlot() * n, yo = so + n;
    let sy = 0, yy = 0, ss = 0, xx = 0, gg1 = 0;
    for (let i = 0; i < n; i++) {
      const xi = xNew[i], gi = gNew[i], si = xi - x[i], yi = gi - g[i];
      V[so + i] = si; V[yo + i] = yi;
      sy += si * yi; yy += yi * yi; ss += si * si; xx += xi * xi; gg1 += gi * gi;
    }
    mem.record(g, gNew, sy, ss, yy, Math.max(gg, gg1));
    const fPrev = f, step = Math.sqrt(ss);
    x = xNew; g = gNew;
    f = res.f;
    gg = gg1;
    gNorm = Math.sqrt(gg);
    if (!(await run.report(f, gNorm, step))) return { x, f, g, reason: 'stopped' };
    const why = converged(cfg, fPrev, f, gNorm, step, Math.sqrt(xx));
    if (why) return { x, f, g, reason: why };
    await run.yield();
  }
}
