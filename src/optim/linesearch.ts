// Strong-Wolfe line search (Nocedal & Wright, Alg. 3.5 bracketing + Alg. 3.6 zoom) with cubic
// interpolation (N&W eq. 3.59) safeguarded by bisection. A trial whose value or slope is not
// finite is treated as an overshoot: it becomes the upper end of the bracket and the search
// bisects back toward the last finite point.
import type { Objective } from './objective.js';
import { allFinite } from './objective.js';
import { dot } from './vec-kernels.js';
import { project, type Box } from './bounds.js';

const C1 = 1e-4;      // sufficient decrease: φ(α) ≤ φ(0) + c1·α·φ'(0)
const C2 = 0.9;       // curvature: |φ'(α)| ≤ c2·|φ'(0)|
const MAX_EVALS = 40; // enough to bisect 1 → 1e-12 after a non-finite trial

interface End { a: number; f: number; d: number; finite: boolean }

export interface LineSearchResult {
  /** 'wolfe': both conditions hold; 'decrease': only sufficient decrease; 'failed': no lower finite point */
  status: 'wolfe' | 'decrease' | 'failed';
  alpha: number;
  f: number;
  x: Float64Array;  // the accepted point (valid unless failed)
  g: Float64Array;
  sawNonFinite: boolean;
  /** the search stopped because no trial left could lower f by more than its rounding */
  unmeasurable: boolean;
}

/** Reusable buffers: a trial point and the best point so far ("lo"). */
export class LineSearch {
  private xt: Float64Array; private gt: Float64Array;
  private xl: Float64Array; private gl: Float64Array;
  constructor(n: number) {
    this.xt = new Float64Array(n); this.gt = new Float64Array(n);
    this.xl = new Float64Array(n); this.gl = new Float64Array(n);
  }

  /**
   * Take the accepted point's arrays (res.x, res.g) for the caller, giving the search the caller's
   * spent arrays x, g as buffers in exchange (no copies of n-vectors).
   */
  adopt(res: LineSearchResult, x: Float64Array, g: Float64Array): [Float64Array, Float64Array] {
    if (res.x === this.xt) { this.xt = x; this.gt = g; } else { this.xl = x; this.gl = g; }
    return [res.x, res.g];
  }

  /**
   * Search along d from x (value f0, slope dphi0 = ∇f·d < 0), first trial α = alpha1, no trial
   * beyond alphaMax (there a point with sufficient decrease ends the search); trial points are
   * projected into `box` (against rounding: x + α·d lies in it for α ≤ alphaMax).
   */
  search(obj: Objective, x: Float64Array, f0: number, d: Float64Array, dphi0: number, alpha1: number, alphaMax = Infinity, box: Box | null = null): LineSearchResult {
    let evals = 0, sawNonFinite = false, unmeasurable = false;
    // below this, a predicted decrease c1·α·|φ'(0)| is lost in the rounding of f
    const noise = 4 * 2.220446049250313e-16 * Math.abs(f0);
    const phi = (a: number): End => {
      const xt = this.xt;
      for (let i = 0; i < xt.length; i++) xt[i] = x[i] + a * d[i];
      if (box) project(box, xt);
      evals++;
      const f = obj.evalValueAndGrad(xt, this.gt);
      const finite = allFinite(f, this.gt);
      if (!finite) sawNonFinite = true;
      return { a, f, d: finite ? dot(this.gt, d) : NaN, finite };
    };
    const keepTrialAsLo = () => {
      [this.xl, this.xt] = [this.xt, this.xl];
      [this.gl, this.gt] = [this.gt, this.gl];
    };
    const done = (status: LineSearchResult['status'], e: End, trial: boolean): LineSearchResult =>
      ({ status, alpha: e.a, f: e.f, x: trial ? this.xt : this.xl, g: trial ? this.gt : this.gl, sawNonFinite, unmeasurable });
    const armijo = (e: End) => e.f <= f0 + C1 * e.a * dphi0;
    const curvature = (e: End) => Math.abs(e.d) <= -C2 * dphi0;
    const fallback = (lo: End) => (lo.a > 0 ? done('decrease', lo, false) : done('failed', lo, false));

    // Alg. 3.6: lo satisfies sufficient decrease and has the lowest value seen; hi bounds the bracket.
    const zoom = (lo: End, hi: End): LineSearchResult => {
      for (;;) {
        if (evals >= MAX_EVALS || Math.abs(hi.a - lo.a) <= 1e-16 * Math.max(1, Math.abs(lo.a))) return fallback(lo);
        if (hi.finite && -C1 * dphi0 * Math.max(lo.a, hi.a) <= noise) { unmeasurable = true; return fallback(lo); }
        const t = phi(zoomTrial(lo, hi));
        if (!t.finite || !armijo(t) || t.f >= lo.f) { hi = t; continue; }
        if (curvature(t)) return done('wolfe', t, true);
        if (t.d * (hi.a - lo.a) >= 0) hi = lo;
        keepTrialAsLo();
        lo = t;
      }
    };

    // Alg. 3.5: grow α until the minimizer along d is bracketed.
    let prev: End = { a: 0, f: f0, d: dphi0, finite: true };
    let a = Math.min(alpha1, alphaMax);
    for (let i = 1; ; i++) {
      const t = phi(a);
      if (!t.finite || !armijo(t) || (i > 1 && t.f >= prev.f)) return zoom(prev, t);
      if (curvature(t)) return done('wolfe', t, true);
      if (t.d >= 0) { keepTrialAsLo(); return zoom(t, prev); }
      if (t.a >= alphaMax) return done('decrease', t, true);   // the bound stops the step here
      keepTrialAsLo();
      const last = prev;
      prev = t;
      if (evals >= MAX_EVALS) return fallback(prev);
      // extrapolate: the cubic's minimizer beyond α, kept within [α + Δ, α + 4Δ], Δ = α − α_prev
      const w = t.a - last.a, c = cubicMin(last, t);
      a = Math.min(alphaMax, c > t.a + w && c < t.a + 4 * w ? c : t.a + 4 * w);
    }
  }
}

/** the next trial between lo and hi: the cubic's minimizer when it lies in the middle 80%, else the midpoint */
function zoomTrial(lo: End, hi: End): number {
  if (!hi.finite) return (lo.a + hi.a) / 2;
  const c = cubicMin(lo, hi), left = Math.min(lo.a, hi.a), w = Math.abs(hi.a - lo.a);
  return c > left + 0.1 * w && c < left + 0.9 * w ? c : (lo.a + hi.a) / 2;
}

/** Minimizer of the cubic through (a, f, d) at both ends (N&W eq. 3.59); NaN when it has none. */
export function cubicMin(p: End, q: End): number {
  const d1 = p.d + q.d - 3 * (p.f - q.f) / (p.a - q.a);
  const disc = d1 * d1 - p.d * q.d;
  if (!(disc >= 0)) return NaN;
  const d2 = Math.sign(q.a - p.a) * Math.sqrt(disc);
  return q.a - (q.a - p.a) * (q.d + d2 - d1) / (q.d - p.d + 2 * d2);
}
