// Forward mode and its compositions: jvp, derivative, jacobian (forward / reverse / auto,
// batched into one program run), hessian (forward-over-reverse) and hvp.
import { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { fmtShape, sameShape, sizeOf } from '../core/shape.js';
import { flatten, unflatten, mapTree, structureDiff, checkDifferentiable, toUser } from '../core/pytree.js';
import { withOutputs, type Graph } from '../core/graph.js';
import { compact } from '../core/simplify.js';
import { traceFunction } from '../transforms/trace-fn.js';
import { jvpGraph } from '../transforms/jvp.js';
import { vjpGraph } from '../transforms/vjp.js';
import { batchGraph } from '../transforms/batch.js';
import { runGraph } from './run.js';
import { grad } from './grad.js';
import { SignatureCache } from './cache.js';
import { reroll } from '../plan/reroll.js';
import { slice } from '../ops/slice.js';
import { reshape } from '../ops/reshape.js';
import { transpose } from '../ops/transpose.js';

import type { Fn, InputsOf, InputOf, Mirror, MapLeaves, JacobianOf, HessianOf, Selected } from '../core/types.js';
import type { TensorLike } from '../core/tensor.js';
import type { LeafKind, TreeDef } from '../core/pytree.js';
type Args<F extends Fn> = InputsOf<Parameters<F>>;

/** jvp(f, primals, tangents) → [out, tangentOut]: one forward sweep pushing tangents input → output. */
export function jvp<F extends Fn, A extends Args<F>>(f: F, primals: A, tangents: NoInfer<{ [K in keyof A]: MapLeaves<A[K], TensorLike> }>):
  [Mirror<ReturnType<F>>, Mirror<ReturnType<F>>] {
  return jvpCall(f, primals, tangents as readonly unknown[]) as any;
}

/** jvp with an optional cache of JVP graphs keyed by trace signature (for closures called repeatedly). */
function jvpCall(f: Fn, primals: readonly unknown[], tangents: readonly unknown[], cache?: SignatureCache<Graph>): [unknown, unknown] {
  if (!Array.isArray(primals) || !Array.isArray(tangents)) fail('ERR_ARG', 'jvp', 'expected arrays of primals and tangents: jvp(f, [x], [v])');
  if (primals.length !== tangents.length) fail('ERR_SHAPE', 'jvp', `expected ${primals.length} tangent(s), one per primal, but received ${tangents.length}`);
  const tr = traceFunction(f, primals, 'jvp', { diff: primals.map((_, a) => a), depend: 'all' });
  const tleaves: Tensor[] = [];
  tangents.forEach((t, a) => {
    const { leaves, def } = flatten(t, `tangent ${a}`);
    const diff = structureDiff(tr.argDefs[a], def);
    if (diff) fail('ERR_SHAPE', 'jvp', `tangent ${a} does not have the structure of primal ${a} (at ${diff})`);
    const [s] = tr.argRanges[a];
    leaves.forEach((l, j) => {
      const want = tr.graph.shapes[tr.graph.inputs[s + j]];
      if (!sameShape(l.shape, want)) fail('ERR_SHAPE', 'jvp', `tangent leaf ${tr.graph.labels[tr.graph.inputs[s + j]] ?? s + j}: expected ${fmtShape(want)} (the primal's shape) but received ${fmtShape(l.shape)}`);
      tleaves.push(l);
    });
  });
  const nLeaves = tleaves.length;
  const all = Array.from({ length: nLeaves }, (_, i) => i);
  const build = () => jvpGraph(reroll(tr.graph).graph, all);
  const jg = cache ? cache.derive(tr.graph, [-3, nLeaves], build, (d) => d) : build();
  const outs = runGraph(jg, [...tr.inputs, ...tleaves]);
  const n = tr.graph.outputs.length;
  return [unflatten(tr.outDef, outs.slice(0, n), true), unflatten(tr.outDef, outs.slice(n), true)];
}

/** derivative(f): f' for scalar → scalar f, as a plain function; composes (derivative(derivative(f))). */
export function derivative(f: Fn): (x: number | Tensor) => number {
  if (typeof f !== 'function') fail('ERR_ARG', 'derivative', `expected a function but received ${typeof f}`);
  return (x: unknown) => {
    const t = x instanceof Tensor ? x : flatten(x).leaves[0];
    if (!t || t.size !== 1 || (!(x instanceof Tensor) && typeof x !== 'number')) {
      fail('ERR_SHAPE', 'derivative', `expected a scalar input (a number or size-1 tensor) but received ${t ? fmtShape(t.shape) : typeof x}; use w.jacobian or w.jvp for array inputs`);
    }
    const one = t.rank === 0 ? 1 : new Tensor(t.shape, Float64Array.of(1));
    const [out, dout] = jvpCall(f, [x], [one]);
    const o = out instanceof Tensor ? out : typeof out === 'number' ? null : flatten(out).leaves[0];
    if (o && o.size !== 1 || (!(out instanceof Tensor) && typeof out !== 'number')) {
      fail('ERR_SHAPE', 'derivative', `expected f to return a scalar but it returned ${o ? fmtShape(o.shape) : typeof out}; use w.jacobian or w.jvp for array outputs`);
    }
    return (dout instanceof Tensor ? toUser(dout) : dout) as number;
  };
}

export interface JacobianOptions { mode?: 'auto' | 'forward' | 'reverse'; argnums?: number | readonly number[] }

/** jacobian(f, { mode, argnums })(...args): shape [...outShape, ...inShape]; output tree outside, input tree inside. */
export function jacobian<F extends Fn, const O extends JacobianOptions = {}>(f: F, options?: O):
  <A extends Args<F>>(...args: A) => JacobianOf<Mirror<ReturnType<F>>, Selected<A, O['argnums']>> {
  return jacobianOf(f, options ?? {}) as any;
}

function jacobianOf(f: Fn, opts: JacobianOptions): (...args: unknown[]) => unknown {
  const mode = opts.mode ?? 'auto';
  if (mode !== 'auto' && mode !== 'forward' && mode !== 'reverse') fail('ERR_ARG', 'jacobian', `expected mode 'auto', 'forward' or 'reverse' but received ${String(mode)}`);
  const cache = new SignatureCache<{ g: Graph; forward: boolean }>();
  return (...args: unknown[]) => {
    const argnums: number[] = opts.argnums === undefined ? [0] : typeof opts.argnums === 'number' ? [opts.argnums] : [...opts.argnums];
    if (argnums.some((a) => !Number.isInteger(a) || a < 0 || a >= args.length)) fail('ERR_ARG', 'jacobian', args.length === 0
      ? 'jacobian(f) was called with no arguments; call it as jacobian(f)(x)'
      : `argnums ${JSON.stringify(opts.argnums)} does not fit the ${args.length} argument(s) f was called with`);
    const tr = traceFunction(f, args, 'jacobian', { diff: argnums, depend: 'all' });
    const g = tr.graph;
    const wrt = argnums.flatMap((a) => range(tr.argRanges[a]));
    const inShapes = wrt.map((k) => g.shapes[g.inputs[k]]);
    const outShapes = g.outputs.map((v) => g.shapes[v]);
    const nIn = inShapes.reduce((n, s) => n + sizeOf(s), 0), nOut = outShapes.reduce((n, s) => n + sizeOf(s), 0);
    const plan = cache.derive(tr.graph, [mode === 'auto' ? 0 : mode === 'forward' ? 1 : 2, ...wrt], () => {
      const g = reroll(tr.graph).graph;
      const forward = mode === 'forward' || (mode === 'auto' && nIn <= nOut);
      const nPrimal = g.inputs.length;
      let bg: Graph;
      if (forward) {
        const jg = jvpGraph(g, wrt);
        const tangentOuts = jg.outputs.slice(g.outputs.length);
        bg = batchGraph(compact(withOutputs(jg, tangentOuts)), jg.inputs.map((_, k) => k >= nPrimal), nIn);
      } else {
        const vg = vjpGraph(g, wrt, g.outputs.map(() => 'input'));
        const gradOuts = vg.outputs.slice(g.outputs.length);
        bg = batchGraph(compact(withOutputs(vg, gradOuts)), vg.inputs.map((_, k) => k >= nPrimal), nOut);
      }
      return { g: bg, forward };
    }, (p) => p.g);
    const blocks = plan.forward ? identityBlocks(inShapes, nIn) : identityBlocks(outShapes, nOut);
    const res = runGraph(plan.g, [...tr.inputs, ...blocks]);
    // block(i, k): ∂ output i / ∂ input k with shape [...outShape_i, ...inShape_k]
    const block = (i: number, k: number): Tensor => {
      if (plan.forward) {
        const o = offset(inShapes, k), rows = slice(res[i], [o], [o + sizeOf(inShapes[k])]);
        const t = reshape(rows, [...inShapes[k], ...outShapes[i]]);
        const ri = inShapes[k].length, ro = outShapes[i].length;
        return transpose(t, [...range([ri, ri + ro]), ...range([0, ri])]);
      }
      const o = offset(outShapes, i);
      return reshape(slice(res[k], [o], [o + sizeOf(outShapes[i])]), [...outShapes[i], ...inShapes[k]]);
    };
    // a block is a number for number → number: a number input leaf against a size-1 output (DESIGN §8)
    const inner = (i: number) => {
      const perArg = argnums.map((a) => {
        const kinds = leafKindsOf(tr.argDefs[a]);
        return mapTree(tr.argDefs[a], (j) => {
          const b = block(i, wrt.indexOf(tr.argRanges[a][0] + j));
          return kinds[j] === 'number' && sizeOf(outShapes[i]) === 1 ? toUser(b) : b;
        });
      });
      return typeof opts.argnums === 'object' ? perArg : perArg[0];
    };
    return mapTree(tr.outDef, inner);
  };
}

/** hessian(f, { argnums }) = jacobian(grad(f)) in forward mode (forward-over-reverse). */
export function hessian<F extends Fn, const O extends { argnums?: number | readonly number[] } = {}>(f: F, options?: O):
  <A extends Args<F>>(...args: A) => HessianOf<Selected<A, O['argnums']>> {
  const argnums = options?.argnums;
  return jacobianOf(grad(f, { argnums }), { mode: 'forward', argnums }) as any;
}

/** hvp(f)(x, v) = H(x)·v without forming H: the JVP of the gradient. */
export function hvp<F extends Fn>(f: F): <X extends InputOf<Parameters<F>[0]>>(x: X, v: MapLeaves<X, TensorLike>) => Mirror<X> {
  return hvpOf(f) as any;
}

function hvpOf(f: Fn): (x: unknown, v: unknown) => unknown {
  const g = grad(f);
  const cache = new SignatureCache<Graph>();
  return (x: unknown, v: unknown) => {
    const hv = jvpCall(g, [x], [v], cache)[1];
    const { def } = flatten(x);
    return unflatten(def, flatten(hv).leaves, true);  // H·v mirrors x, like a gradient
  };
}

function leafKindsOf(d: TreeDef, out: LeafKind[] = []): LeafKind[] {
  if (d.t === 'leaf') out[d.i] = d.kind; else if (d.t !== 'static') d.items.forEach((x) => leafKindsOf(x, out));
  return out;
}
const range = ([s, e]: readonly [number, number]) => Array.from({ length: e - s }, (_, i) => s + i);
const offset = (shapes: readonly (readonly number[])[], k: number) => shapes.slice(0, k).reduce((n, s) => n + sizeOf(s), 0);

/** One [N, ...shape_k] block of the N×N identity per leaf (the batched seed directions). */
function identityBlocks(shapes: readonly (readonly number[])[], n: number): Tensor[] {
  let o = 0;
  return shapes.map((s) => {
    const size = sizeOf(s);
    const d = new Float64Array(n * size);
    for (let j = 0; j < size; j++) d[(o + j) * size + j] = 1;
    o += size;
    return new Tensor([n, ...s], d);
  });
}
