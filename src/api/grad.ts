// grad, valueAndGrad, vjp: trace f, transform its graph, run the derivative program.
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { unflatten, checkDifferentiable, flatten, toUser, type TreeDef } from '../core/pytree.js';
import { traceFunction, type Traced } from '../transforms/trace-fn.js';
import { vjpGraph, type Seed } from '../transforms/vjp.js';
import { runGraph } from './run.js';
import { SignatureCache } from './cache.js';
import { reroll } from '../plan/reroll.js';
import type { Graph } from '../core/graph.js';
import type { Fn, InputsOf, Mirror, GradsOf, AuxOut, MapLeaves } from '../core/types.js';
import type { TensorLike } from '../core/tensor.js';

export interface GradOptions { argnums?: number | readonly number[]; hasAux?: boolean }
type Args<F extends Fn> = InputsOf<Parameters<F>>;
/** grad(f, opts)(...args): the gradient(s), with hasAux [gradient(s), aux] */
export type GradResult<F extends Fn, O extends GradOptions, A extends readonly unknown[]> =
  O['hasAux'] extends true ? [GradsOf<A, O['argnums']>, Mirror<AuxOut<ReturnType<F>>>] : GradsOf<A, O['argnums']>;
/** valueAndGrad(f, opts)(...args): [value, gradient(s)], with hasAux [[value, aux], gradient(s)] */
export type ValueAndGradResult<F extends Fn, O extends GradOptions, A extends readonly unknown[]> =
  O['hasAux'] extends true ? [[number, Mirror<AuxOut<ReturnType<F>>>], GradsOf<A, O['argnums']>] : [number, GradsOf<A, O['argnums']>];

function normArgnums(name: string, argnums: GradOptions['argnums'], nargs: number): number[] {
  const list: number[] = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums];
  if (nargs === 0) fail('ERR_ARG', name, `${name}(f) was called with no arguments; it differentiates with respect to argument ${list[0] ?? 0} (argnums), so call it as ${name}(f)(x)`);
  if (!Array.isArray(list) || list.some((a) => !Number.isInteger(a) || a < 0 || a >= nargs)) {
    fail('ERR_ARG', name, `argnums ${JSON.stringify(argnums)} does not fit the ${nargs} argument(s) f was called with`);
  }
  return list;
}

function splitAux(name: string, hasAux: boolean) {
  return (out: unknown) => {
    if (!hasAux) return { out };
    if (!Array.isArray(out) || out.length !== 2) fail('ERR_ARG', name, `with hasAux, f must return [output, aux] but returned ${describe(out)}`);
    return { out: (out as unknown[])[0], aux: (out as unknown[])[1] };
  };
}

/** Shared body of grad and valueAndGrad: returns [value, grads, aux]. */
function gradCall(name: string, f: Fn, opts: GradOptions, args: unknown[], cache: SignatureCache<Graph>): [unknown, unknown, unknown] {
  const argnums = normArgnums(name, opts.argnums, args.length);
  const hasAux = !!opts.hasAux;
  const tr = traceFunction(f, args, name, { diff: argnums, pick: splitAux(name, hasAux), depend: 'first' });
  const outDef = tr.outDef as Extract<TreeDef, { t: 'object' }>;
  const main = outDef.items[0];
  const nMain = countLeaves(main);
  if (main.t !== 'leaf' || tr.graph.shapeOf(tr.graph.outputs[0]).reduce((a, b) => a * b, 1) !== 1) {
    const shape = main.t === 'leaf' ? fmtShape(tr.graph.shapeOf(tr.graph.outputs[0])) : `${main.t === "array" ? "an array" : "an object"} with ${nMain} leaves`;
    fail('ERR_SHAPE', name, `expected f to return a scalar (size 1) but it returned ${shape}; use w.vjp or w.jacobian for non-scalar outputs`);
  }
  const wrt = argnums.flatMap((a) => range(tr.argRanges[a]));
  const seeds: Seed[] = tr.graph.outputs.map((_, k) => (k === 0 ? 'ones' : null));
  // same trace as an earlier call → same derivative program (and the same native Program)
  const dg = cache.derive(tr.graph, [wrt.length, ...wrt, -2, ...seeds.map((x) => (x ? 1 : 0))], () => vjpGraph(reroll(tr.graph).graph, wrt, seeds), (d) => d);
  const outs = runGraph(dg, tr.inputs);
  const nOut = tr.graph.outputs.length;
  const value = toUser(outs[0]);
  const aux = hasAux ? unflatten(outDef.items[1], outs.slice(0, nOut), true) : undefined;
  let at = nOut;
  const grads = argnums.map((a) => {
    const [s, e] = tr.argRanges[a];
    const vals: Tensor[] = [];
    for (let i = s; i < e; i++) vals[i - s] = outs[at++];
    return unflatten(tr.argDefs[a], vals, true);
  });
  return [value, typeof opts.argnums === 'object' ? grads : grads[0], aux];
}

const range = ([s, e]: [number, number]) => Array.from({ length: e - s }, (_, i) => s + i);
const countLeaves = (d: TreeDef): number => (d.t === 'leaf' ? 1 : d.t === 'static' ? 0 : d.items.reduce((n, x) => n + countLeaves(x), 0));

/** grad(f)(...args): gradient of a scalar-output f w.r.t. args[argnums], mirroring their structure. */
export function grad<F extends Fn, const O extends GradOptions = {}>(f: F, opts?: O): <A extends Args<F>>(...args: A) => GradResult<F, O, A> {
  const cache = new SignatureCache<Graph>();
  const o: GradOptions = opts ?? {};
  return ((...args: unknown[]) => {
    const [, g, aux] = gradCall('grad', f, o, args, cache);
    return o.hasAux ? [g, aux] : g;
  }) as any;
}

/** valueAndGrad(f)(...args) → [value, grads] (with hasAux: [[value, aux], grads]). */
export function valueAndGrad<F extends Fn, const O extends GradOptions = {}>(f: F, opts?: O): <A extends Args<F>>(...args: A) => ValueAndGradResult<F, O, A> {
  const cache = new SignatureCache<Graph>();
  const o: GradOptions = opts ?? {};
  return ((...args: unknown[]) => {
    const [v, g, aux] = gradCall('valueAndGrad', f, o, args, cache);
    return o.hasAux ? [[v, aux], g] : [v, g];
  }) as any;
}

/** vjp(f, ...primals) → [out, pullback(cotangent) → [grad per primal]]. */
export function vjp<F extends Fn, A extends Args<F>>(f: F, ...primals: A):
  [Mirror<ReturnType<F>>, (cotangent: MapLeaves<ReturnType<F>, TensorLike>) => { -readonly [K in keyof A]: Mirror<A[K]> }] {
  return vjpCall(f, primals) as any;
}

function vjpCall(f: Fn, primals: readonly unknown[]): [unknown, (ct: unknown) => unknown[]] {
  const tr: Traced = traceFunction(f, primals, 'vjp', { diff: primals.map((_, a) => a), depend: 'all' });
  const fwd = runGraph(tr.graph, tr.inputs);
  const out = unflatten(tr.outDef, fwd, true);
  const wrt = primals.flatMap((_, a) => range(tr.argRanges[a]));
  let dg: ReturnType<typeof vjpGraph> | undefined;
  const pullback = (ct: unknown): unknown[] => {
    const { leaves, def } = flatten(ct, 'cotangent');
    checkDifferentiable(def, 'vjp');
    const outs = tr.graph.outputs;
    if (leaves.length !== outs.length || !sameStructure(def, tr.outDef)) {
      fail('ERR_SHAPE', 'vjp', `expected a cotangent with the structure of f's output (${describeTree(tr.outDef)}) but received ${describeTree(def)}`);
    }
    leaves.forEach((l, k) => {
      const s = tr.graph.shapes[outs[k]];
      const ok = l.size === s.reduce((a, b) => a * b, 1) && (l.rank === s.length || l.size === 1);
      if (!ok) fail('ERR_SHAPE', 'vjp', `cotangent leaf ${k}: expected ${fmtShape(s)} but received ${fmtShape(l.shape)}`);
    });
    dg ??= vjpGraph(reroll(tr.graph).graph, wrt, outs.map(() => 'input'));
    const nIn = tr.graph.inputs.length;
    const cts = leaves.map((l, k) => (l.rank === tr.graph.shapes[outs[k]].length ? l : new Tensor(tr.graph.shapes[outs[k]], l._data)));
    const res = runGraph(dg, [...tr.inputs.slice(0, nIn), ...cts]);
    let at = outs.length;
    return primals.map((_, a) => {
      const [s, e] = tr.argRanges[a];
      return unflatten(tr.argDefs[a], res.slice(at + 0, (at += e - s)), true);
    });
  };
  return [out, pullback];
}

/** a short structural description: `f64 leaf`, `array of 2`, `object {a, b}` */
function describeTree(d: TreeDef): string {
  if (d.t === 'leaf') return 'one tensor leaf';
  if (d.t === 'static') return 'a static value';
  return d.t === 'array' ? `an array of ${d.items.length}` : `an object with keys ${d.keys.join(', ')}`;
}

function sameStructure(a: TreeDef, b: TreeDef): boolean {
  if (a.t === 'leaf' || b.t === 'leaf') return a.t === b.t;
  if (a.t === 'static' || b.t === 'static') return a.t === b.t;
  if (a.t !== b.t || a.items.length !== b.items.length) return false;
  return a.items.every((x, i) => sameStructure(x, b.items[i]));
}
