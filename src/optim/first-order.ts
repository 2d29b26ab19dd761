// First-order methods. Adam (Kingma & Ba 2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
// x ← x − lr·m̂/(√v̂ + ε) with bias corrections m̂ = m/(1−β₁ᵏ), v̂ = v/(1−β₂ᵏ); β₁ = momentum.
// Gradient descent with heavy-ball momentum: u ← μu − lr·g, x ← x + u.
// A trial point with a non-finite value or gradient halves the update (up to 30 times). With
// bounds, every point is projected into the box. With per-iteration args (minibatches), the
// gradient at iterate k is taken on args(k).
import type { Objective } from './objective.js';
import { allFinite } from './objective.js';
import type { MinimizeConfig } from './options.js';
import { Run, norm2 } from './run.js';
import { converged, type Outcome } from './outcome.js';
import { project, projectedGradient, type Box } from './bounds.js';
import type { ExtraArgs } from './extra-args.js';

const BETA2 = 0.999, EPS = 1e-8, BACKOFFS = 30;

export async function firstOrder(obj: Objective, cfg: MinimizeConfig, run: Run, box: Box | null, extra: ExtraArgs): Promise<Outcome> {
  const n = obj.n, lr = cfg.learningRate, adam = cfg.method === 'adam';
  const b1 = adam ? cfg.momentum : 0, mu = adam ? 0 : cfg.momentum;
  let x = obj.params.x0.slice(), g = new Float64Array(n);
  let f = obj.evalValueAndGrad(x, g);
  if (!allFinite(f, g)) return { x, f, g, reason: 'non-finite' };
  const pg = new Float64Array(n);
  let gNorm = projectedGradient(box, x, g, pg);
  if (gNorm <= cfg.gradientTolerance) return { x, f, g, reason: 'gradient-tolerance' };

  // the lowest-value point visited: returned when the run ends without converging
  const best = { x: x.slice(), g: g.slice(), f };
  const bestOutcome = (reason: Outcome['reason']): Outcome => ({ ...best, reason });
  const m = new Float64Array(n), v = new Float64Array(n), u = new Float64Array(n);
  let xt = new Float64Array(n), gt = new Float64Array(n);

  for (let k = 1; ; k++) {
    const stop = run.stop(cfg.maxIterations);
    if (stop) return bestOutcome(stop);
    if (adam) {
      const c1 = 1 / (1 - b1 ** k), c2 = 1 / (1 - BETA2 ** k);
      for (let i = 0; i < n; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = BETA2 * v[i] + (1 - BETA2) * g[i] * g[i];
        u[i] = (-lr * m[i] * c1) / (Math.sqrt(v[i] * c2) + EPS);
      }
    } else {
      for (let i = 0; i < n; i++) u[i] = mu * u[i] - lr * g[i];
    }
    if (extra.perIteration) obj.use(await extra.at(k));
    let scale = 1, ft = NaN;
    for (let t = 0; t <= BACKOFFS; t++, scale *= 0.5) {
      for (let i = 0; i < n; i++) xt[i] = x[i] + scale * u[i];
      if (box) project(box, xt);
      ft = obj.evalValueAndGrad(xt, gt);
      if (allFinite(ft, gt)) break;
    }
    if (!allFinite(ft, gt)) return bestOutcome('non-finite');
    // momentum keeps only the step taken
    if (box) for (let i = 0; i < n; i++) u[i] = xt[i] - x[i];
    else if (scale !== 1) for (let i = 0; i < n; i++) u[i] *= scale;
    const fPrev = f, step = norm2(u);
    [x, xt] = [xt, x];
    [g, gt] = [gt, g];
    f = ft;
    gNorm = projectedGradient(box, x, g, pg);
    if (f < best.f) { best.x.set(x); best.g.set(g); best.f = f; }
    if (!(await run.report(f, gNorm, step))) return bestOutcome('stopped');
    const why = converged(cfg, fPrev, f, gNorm, step, norm2(x));
    if (why) return { x, f, g, reason: why };
    await run.yield();
  }
}
