// The objective f(x) → (value, ∇f) at a flat parameter vector, through one compiled Program
// (recorded once, replayed per evaluation). Evaluations are async: today the Program runs
// synchronously and the optimizers yield to the event loop between iterations; a Program with
// valueAndGradAsync (libuv worker) is used as soon as it exists.
import { fail, describe } from '../core/errors.js';
import { compile, type Program } from '../program/compile.js';
import { Params } from './params.js';
import { withFlatArrayHint } from '../transforms/trace-fn.js';

type AsyncProgram = Program & { valueAndGradAsync?: (...args: unknown[]) => Promise<[unknown, unknown]> };

export class Objective {
  readonly params: Params;
  evaluations = 0;
  private readonly program: AsyncProgram;

  constructor(f: (x: any) => unknown, x0: unknown) {
    if (typeof f !== 'function') fail('ERR_ARG', 'minimize', `expected f to be a function but received ${describe(f)}`);
    this.params = new Params('minimize', x0, 'x0');
    try { this.program = compile(f, this.params.view(this.params.x0.slice())); } catch (e) { throw withFlatArrayHint(e, this.params.def, this.params.shapes); }
    if (!this.program.dependsOnArgument0()) {
      fail('ERR_TRACE', 'minimize', 'f does not depend on x: there is nothing to minimize (a loss computed with plain JS numbers, ' +
        'or a value read with item()/data() that re-entered as a constant?) — compute f with wengert ops on x');
    }
  }

  get n(): number { return this.params.n; }

  /** Writes ∇f(x) into g and returns f(x); either may be non-finite (callers back off). */
  async evalValueAndGrad(x: Float64Array, g: Float64Array): Promise<number> {
    this.evaluations++;
    const p = this.program;
    if (typeof p.valueAndGradAsync === 'function') {
      const [v, grad] = await p.valueAndGradAsync(this.params.view(x));
      this.params.gather(grad, g);
      return typeof v === 'number' ? v : NaN;
    }
    return p.valueAndGradInto(this.params.outView(g), this.params.view(x));
  }
}

/** True when v and every entry of g are finite. */
export function allFinite(v: number, g: Float64Array): boolean {
  if (!Number.isFinite(v)) return false;
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i])) return false;
  return true;
}
