// The residual function of leastSquares on a flat parameter vector: r(x) ∈ ℝᵐ (every output
// leaf flattened and concatenated) and its exact Jacobian J (m×n, row-major). Both are compiled
// programs recorded once per fit (and reused across fits, see compiled.ts): the Jacobian program
// is w.jacobian of the residuals recorded inside compile — forward mode when n ≤ m, reverse mode
// otherwise — so an iteration replays two programs and traces nothing. Never finite differences.
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { Program } from '../program/compile.js';
import { jacobian } from '../api/forward.js';
import { reshape } from '../ops/reshape.js';
import { slice } from '../ops/slice.js';
import { concat } from '../ops/concat.js';
import { Params } from './params.js';
import { withFlatArrayHint } from '../transforms/trace-fn.js';
import { reuseCompiled, defKey } from './compiled.js';
import type { ExtraArgs } from './extra-args.js';

type Fn = (p: any, ...args: any[]) => unknown;

interface Compiled { residuals: Program; jacobian: Program; outDef: TreeDef; outShapes: (readonly number[])[] }

export class Residuals {
  readonly params: Params;
  readonly m: number;
  evaluations = 0;
  jacobians = 0;
  private readonly compiled: Compiled;
  private args: readonly unknown[];

  constructor(fn: Fn, p0: unknown, extra: ExtraArgs) {
    if (typeof fn !== 'function') fail('ERR_ARG', 'leastSquares', `expected residuals to be a function but received ${describe(fn)}`);
    const params = (this.params = new Params('leastSquares', p0, 'p0'));
    this.args = extra.initial;
    let outDef: TreeDef | null = null, outShapes: (readonly number[])[] = [];
    const single = params.shapes.length === 1 && params.shapes[0].length === 1 && params.def.t === 'leaf';
    const unpack = (flat: Tensor): unknown => {
      if (single) return flat;
      const leaves = params.shapes.map((s, k) => reshape(slice(flat, [params.offsets[k]], [params.offsets[k] + sizeOf(s)]), s));
      return unflatten(params.def, leaves, false);
    };
    // r(x, ...args) as one vector; remembers the structure the user's function returned
    const flatFn = (flat: Tensor, ...args: unknown[]) => {
      const out = fn(unpack(flat), ...args);
      if (out === undefined || out === null) fail('ERR_ARG', 'leastSquares', `expected residuals to return a tensor (or a tree of tensors) but it returned ${describe(out)} (is a \`return\` missing?)`);
      const { leaves, def } = flatten(out, 'residuals');
      if (!leaves.length) fail('ERR_ARG', 'leastSquares', `expected residuals to return a tensor (or a tree of tensors) but it returned ${describe(out)} with no numeric leaves`);
      outDef = def;
      outShapes = leaves.map((l) => l.shape);
      const cols = leaves.map((l) => (l.rank === 1 ? l : reshape(l, [l.size])));
      return cols.length === 1 ? cols[0] : concat(cols, 0);
    };
    const example = [params.x0.slice(), ...extra.initial];
    try {
      this.compiled = reuseCompiled(fn, `leastSquares|${defKey(params.def)}`, flatFn, example, 'leastSquares', (): Compiled => {
        const residuals = new Program(flatFn, example);
        const shapes = outShapes, def = outDef!;
        const m = shapes.reduce((s, sh) => s + sizeOf(sh), 0);
        // forward mode when n ≤ m (one tangent per parameter), reverse mode otherwise
        const mode = params.n <= m ? 'forward' : 'reverse';
        const jac = jacobian(flatFn, { mode });
        const jacobianProgram = new Program((x: Tensor, ...args: any[]) => jac(x, ...args), example);
        return { residuals, jacobian: jacobianProgram, outDef: def, outShapes: shapes };
      });
    } catch (e) { throw withFlatArrayHint(e, params.def, params.shapes); }
    if (!this.compiled.residuals.dependsOnArgument0()) {
      fail('ERR_TRACE', 'leastSquares', 'the residuals do not depend on the parameters p: there is nothing to fit (a residual computed with ' +
        'plain JS numbers, or a value read with item()/data() that re-entered as a constant?) — compute the residuals with wengert ops on p');
    }
    this.m = this.compiled.outShapes.reduce((s, sh) => s + sizeOf(sh), 0);
    if (this.m === 0) fail('ERR_SHAPE', 'leastSquares', 'expected at least one residual but received none');
  }

  get n(): number { return this.params.n; }

  /** The extra arguments of the following evaluations. */
  use(args: readonly unknown[]): void { this.args = args; }

  /** r(x) */
  values(x: Float64Array): Float64Array {
    this.evaluations++;
    const v = this.compiled.residuals.value(x, ...(this.args as any[])) as Tensor | number;
    return typeof v === 'number' ? Float64Array.of(v) : v._data!;
  }

  /** J(x), m×n row-major. */
  jacobian(x: Float64Array): Float64Array {
    this.jacobians++;
    const J = this.compiled.jacobian.value(x, ...(this.args as any[])) as Tensor | number;
    const data = typeof J === 'number' ? Float64Array.of(J) : J instanceof Tensor ? J._data : null;
    if (!data || data.length !== this.m * this.n) fail('ERR_SHAPE', 'leastSquares', `expected the Jacobian f64[${this.m},${this.n}] but received ${describe(J)}`);
    return data!;
  }

  /** The residual vector in the structure the residual function returns. */
  toUser(r: Float64Array): unknown {
    let off = 0;
    const vals = this.compiled.outShapes.map((s) => { const t = new Tensor(s, r.slice(off, off + sizeOf(s))); off += sizeOf(s); return t; });
    return unflatten(this.compiled.outDef, vals, false);
  }
}
