// L-BFGS-B (Byrd, Lu, Nocedal & Zhu 1995):
// minimize f subject to l ≤ x ≤ u. Each iteration, on the quadratic model
// m(z) = gᵀz + ½zᵀBz with B the compact limited-memory matrix (bfgs-compact.ts):
//   1. the generalized Cauchy point x^c: the first local minimizer of m along the projected
//      steepest-descent path x(t) = P(x − t·g), examined segment by segment between breakpoints;
//   2. subspace minimization: minimize m over the variables free at x^c (the others stay at their
//      bounds) by the Sherman–Morrison–Woodbury form of the reduced inverse, cut back to the box;
//   3. a strong-Wolfe line search along d = x̄ − x with the step kept inside the box.
// Convergence is judged on the projected gradient x − P(x − ∇f).
import type { Objective } from './objective.js';
import { allFinite } from './objective.js';
import type { MinimizeConfig } from './options.js';
import type { Run } from './run.js';
import { LineSearch } from './linesearch.js';
import { converged, stalled, type Outcome } from './outcome.js';
import type { ExtraArgs } from './extra-args.js';
import { projectedGradient, type Box } from './bounds.js';
import { CompactBfgs } from './bfgs-compact.js';
import { breakpointCauchy, subspaceStep } from './lbfgsb-steps.js';
import { dot } from './vec-kernels.js';

const EPS = 2.220446049250313e-16;

export async function lbfgsb(obj: Objective, cfg: MinimizeConfig, run: Run, box: Box, extra: ExtraArgs): Promise<Outcome> {
  const n = obj.n;
  let x = obj.params.x0.slice(), g = new Float64Array(n);
  let f = obj.evalValueAndGrad(x, g);
  if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
  const pg = new Float64Array(n);
  let pgNorm = projectedGradient(box, x, g, pg);
  if (pgNorm <= cfg.gradientTolerance) return { x, f, g, reason: 'gradient-tolerance' };
  const mem = new CompactBfgs(cfg.memory, n), ls = new LineSearch(n);
  const boxed = box.lower.every((v) => v > -Infinity) && box.upper.every((v) => v < Infinity);
  const d = new Float64Array(n), s = new Float64Array(n), y = new Float64Array(n);
  let xNew = new Float64Array(n), gNew = new Float64Array(n);
  let first = true;

  for (;;) {
    const stop = run.stop(cfg.maxIterations);
    if (stop) return { x, f, g, reason: stop };
    if (extra.perIteration && run.iterations > 0) {
      obj.use(await extra.at(run.iterations));
      f = obj.evalValueAndGrad(x, g);
      if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
      pgNorm = projectedGradient(box, x, g, pg);
    }
    let res, slope = 0, alpha1 = 1;
    for (;;) {
      slope = searchDirection(x, g, box, mem, d);
      if (!(slope < 0)) {
        if (mem.k) { mem.clear(); continue; }
        return { x, f, g, reason: 'line-search-failed' };
      }
      const amax = maxFeasibleStep(x, d, box);
      const dn = Math.sqrt(dot(d, d));
      alpha1 = first && !boxed ? Math.min(1 / dn, amax) : Math.min(1, amax);
      res = ls.search(obj, x, f, d, slope, alpha1, amax, box);
      if (res.status !== 'failed' || !mem.k) break;
      mem.clear(); // restart from the projected steepest descent
    }
    if (res.status === 'failed') return stalled(cfg, x, f, g, slope, alpha1, res);
    first = false;
    xNew.set(res.x); gNew.set(res.g);
    let sy = 0, yy = 0, ss = 0, xx = 0;
    for (let i = 0; i < n; i++) {
      const si = xNew[i] - x[i], yi = gNew[i] - g[i];
      s[i] = si; y[i] = yi;
      sy += si * yi; yy += yi * yi; ss += si * si; xx += xNew[i] * xNew[i];
    }
    if (sy > EPS * yy) mem.push(s, y);
    const fPrev = f, step = Math.sqrt(ss);
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    f = res.f;
    pgNorm = projectedGradient(box, x, g, pg);
    if (!(await run.report(f, pgNorm, step))) return { x, f, g, reason: 'stopped' };
    const why = converged(cfg, fPrev, f, pgNorm, step, Math.sqrt(xx));
    if (why) return { x, f, g, reason: why };
    await run.yield();
  }
}

/** d = x̄ − x from the Cauchy point and the subspace step; returns the slope gᵀd. */
function searchDirection(x: Float64Array, g: Float64Array, box: Box, mem: CompactBfgs, d: Float64Array): number {
  const cp = breakpointCauchy(x, g, box, mem);
  const xbar = subspaceStep(x, g, box, mem, cp);
  for (let i = 0; i < x.length; i++) d[i] = xbar[i] - x[i];
  return dot(g, d);
}

/** The largest α with l ≤ x + α·d ≤ u. */
function maxFeasibleStep(x: Float64Array, d: Float64Array, box: Box): number {
  let a = Infinity;
  for (let i = 0; i < x.length; i++) {
    const di = d[i];
    if (di < 0 && box.lower[i] > -Infinity) a = Math.min(a, (box.lower[i] - x[i]) / di);
    else if (di > 0 && box.upper[i] < Infinity) a = Math.min(a, (box.upper[i] - x[i]) / di);
  }
  return Math.max(a, 0);
}
