// w.minimize(f, x0, options) → Promise<{ x, value, gradient, iterations, evaluations, converged,
// reason, history }>, x mirroring x0 (DESIGN §1).
import { Objective } from './objective.js';
import { minimizeConfig } from './options.js';
import { Run } from './run.js';
import { lbfgs } from './lbfgs.js';
import { firstOrder } from './first-order.js';
import { CONVERGED } from './outcome.js';
import type { MinimizeOptions, MinimizeResult } from './types.js';

export async function minimize<X = any>(f: (x: any) => unknown, x0: X, options?: MinimizeOptions): Promise<MinimizeResult<X>> {
  const cfg = minimizeConfig(options);
  const obj = new Objective(f, x0);
  const run = new Run(cfg);
  try {
    const out = cfg.method === 'lbfgs' ? await lbfgs(obj, cfg, run) : await firstOrder(obj, cfg, run);
    const p = obj.params;
    return {
      x: p.toUser(out.x), value: out.f, gradient: p.toUser(out.g),
      iterations: run.iterations, evaluations: obj.evaluations,
      converged: CONVERGED.has(out.reason), reason: out.reason, history: run.history,
    };
  } finally {
    run.finish();
  }
}
