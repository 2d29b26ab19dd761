// The residual function of leastSquares on a flat parameter vector: r(x) ∈ ℝᵐ (every output
// leaf flattened and concatenated) and its exact Jacobian J (m×n, row-major) from w.jacobian
// with mode 'auto' (forward mode when n ≤ m, the usual case). Never finite differences.
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { sizeOf } from '../core/shape.js';
import { flatten, unflatten, type TreeDef } from '../core/pytree.js';
import { compile, type Program } from '../program/compile.js';
import { jacobian } from '../transforms/forward.js';
import { reshape } from '../ops/reshape.js';
import { slice } from '../ops/slice.js';
import { concat } from '../ops/concat.js';
import { Params } from './params.js';
import { withFlatArrayHint } from '../transforms/trace-fn.js';

type Fn = (p: any) => unknown;

export class Residuals {
  readonly params: Params;
  readonly m: number;
  evaluations = 0;
  jacobians = 0;
  private readonly flatFn: (x: Tensor) => Tensor;
  private readonly program: Program;
  private readonly jac: (x: Float64Array) => unknown;
  private outDef: TreeDef | null = null;
  private outShapes: (readonly number[])[] = [];

  constructor(fn: Fn, p0: unknown) {
    if (typeof fn !== 'function') fail('ERR_ARG', 'leastSquares', `expected residuals to be a function but received ${describe(fn)}`);
    const params = (this.params = new Params('leastSquares', p0, 'p0'));
    const single = params.shapes.length === 1 && params.shapes[0].length === 1 && params.def.t === 'leaf';
    const unpack = (flat: Tensor): unknown => {
      if (single) return flat;
      const leaves = params.shapes.map((s, k) => reshape(slice(flat, [params.offsets[k]], [params.offsets[k] + sizeOf(s)]), s));
      return unflatten(params.def, leaves, false);
    };
    this.flatFn = (flat: Tensor) => {
      const { leaves, def } = flatten(fn(unpack(flat)), 'residuals');
      if (!leaves.length) fail('ERR_SHAPE', 'leastSquares', 'expected residuals to return a tensor (or a tree of tensors) but it returned no numeric leaves');
      this.outDef ??= def;
      this.outShapes = leaves.map((l) => l.shape);
      const cols = leaves.map((l) => (l.rank === 1 ? l : reshape(l, [l.size])));
      return cols.length === 1 ? cols[0] : concat(cols, 0);
    };
    try { this.program = compile(this.flatFn, params.x0.slice()); } catch (e) { throw withFlatArrayHint(e, params.def, params.shapes); }
    if (!this.program.dependsOnArgument0()) {
      fail('ERR_TRACE', 'leastSquares', 'the residuals do not depend on the parameters p: there is nothing to fit (a residual computed with ' +
        'plain JS numbers, or a value read with item()/data() that re-entered as a constant?) — compute the residuals with wengert ops on p');
    }
    this.jac = jacobian(this.flatFn, { mode: 'auto' });
    this.m = this.outShapes.reduce((s, sh) => s + sizeOf(sh), 0);
    if (this.m === 0) fail('ERR_SHAPE', 'leastSquares', 'expected at least one residual but received none');
  }

  get n(): number { return this.params.n; }

  /** r(x) */
  async values(x: Float64Array): Promise<Float64Array> {
    this.evaluations++;
    const v = this.program.value(x) as Tensor | number;
    return typeof v === 'number' ? Float64Array.of(v) : v.data();
  }

  /** J(x), m×n row-major. */
  async jacobian(x: Float64Array): Promise<Float64Array> {
    this.jacobians++;
    const J = this.jac(x.slice());
    const data = typeof J === 'number' ? Float64Array.of(J) : J instanceof Tensor ? J.data() : null;
    if (!data || data.length !== this.m * this.n) fail('ERR_SHAPE', 'leastSquares', `expected the Jacobian f64[${this.m},${this.n}] but received ${describe(J)}`);
    return data!;
  }

  /** The residual vector in the structure the residual function returns. */
  toUser(r: Float64Array): unknown {
    let off = 0;
    const vals = this.outShapes.map((s) => { const t = new Tensor(s, r.slice(off, off + sizeOf(s))); off += sizeOf(s); return t; });
    return unflatten(this.outDef!, vals, false);
  }
}
