// The objective f(x, ...args) → (value, ∇f) at a flat parameter vector, through one compiled
// Program (recorded once, replayed per evaluation; reused across calls, see compiled.ts). The
// extra arguments are program inputs: set them with use() before evaluating.
import { fail, describe } from '../core/errors.js';
import { Program, type GradTargets } from '../program/compile.js';
import { Params } from './params.js';
import { withFlatArrayHint } from '../transforms/trace-fn.js';
import { reuseCompiled, defKey } from './compiled.js';
import type { ExtraArgs } from './extra-args.js';

export class Objective {
  readonly params: Params;
  evaluations = 0;
  private readonly program: Program;
  private args: readonly unknown[];

  constructor(f: (x: any, ...args: any[]) => unknown, x0: unknown, extra: ExtraArgs) {
    if (typeof f !== 'function') fail('ERR_ARG', 'minimize', `expected f to be a function but received ${describe(f)}`);
    const params = (this.params = new Params('minimize', x0, 'x0'));
    this.args = extra.initial;
    const example = [params.view(params.x0.slice()), ...extra.initial];
    try {
      this.program = reuseCompiled(f, `minimize|${defKey(params.def)}`, f, example, 'minimize', () => new Program(f, example));
    } catch (e) { throw withFlatArrayHint(e, params.def, params.shapes); }
    if (!this.program.dependsOnArgument0()) {
      fail('ERR_TRACE', 'minimize', 'f does not depend on x: there is nothing to minimize (a loss computed with plain JS numbers, ' +
        'or a value read with item()/data() that re-entered as a constant?) — compute f with wengert ops on x');
    }
  }

  get n(): number { return this.params.n; }

  /** The extra arguments of the following evaluations. */
  use(args: readonly unknown[]): void { this.args = args; }

  /** Writes ∇f(x) into g and returns f(x); either may be non-finite (callers back off). */
  evalValueAndGrad(x: Float64Array, g: Float64Array): number {
    this.evaluations++;
    const p = this.params;
    return this.program.valueAndGradInto(p.outView(g) as GradTargets, p.view(x), ...(this.args as any[]));
  }
}

/** True when v and every entry of g are finite. */
export function allFinite(v: number, g: Float64Array): boolean {
  if (!Number.isFinite(v)) return false;
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) return false;
  return true;
}
