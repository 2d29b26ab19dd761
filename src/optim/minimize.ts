// w.minimize(f, x0, options) → Promise<{ x, value, gradient, iterations, evaluations, converged,
// reason, history }>, x mirroring x0 (DESIGN §1). 'lbfgs' without bounds is L-BFGS (lbfgs.ts),
// with bounds L-BFGS-B (lbfgsb.ts); 'adam' and 'gd' project each step into the bounds.
import { Objective } from './objective.js';
import { minimizeConfig } from './options.js';
import { Run } from './run.js';
import { lbfgs } from './lbfgs.js';
import { lbfgsb } from './lbfgsb.js';
import { firstOrder } from './first-order.js';
import { ExtraArgs } from './extra-args.js';
import { readBounds } from './bounds.js';
import { CONVERGED } from './outcome.js';
import type { MinimizeOptions, MinimizeResult } from './types.js';

export async function minimize<X = any>(f: (x: any, ...args: any[]) => unknown, x0: X, options?: MinimizeOptions<NoInfer<X>>): Promise<MinimizeResult<X>> {
  const cfg = minimizeConfig(options);
  const extra = await ExtraArgs.create('minimize', cfg.args, f);
  const obj = new Objective(f, x0, extra);
  const box = readBounds('minimize', obj.params, cfg.bounds, 'x0');
  const run = new Run(cfg);
  try {
    const out = cfg.method !== 'lbfgs' ? await firstOrder(obj, cfg, run, box, extra)
      : box ? await lbfgsb(obj, cfg, run, box, extra) : await lbfgs(obj, cfg, run, extra);
    const p = obj.params;
    return {
      x: p.toUser(out.x), value: out.f, gradient: p.toUser(out.g),
      iterations: run.iterations, evaluations: obj.evaluations,
      converged: CONVERGED.has(out.reason) || !!out.certified, reason: out.reason, history: run.history,
    };
  } finally {
    run.finish();
  }
}
