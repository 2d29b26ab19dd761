// vmap(f, { inAxes, outAxes }): f mapped over an axis of its arguments as ONE batched program — f
// is recorded once on one example's shapes and every equation is re-emitted through its op's
// batching rule (transforms/batch.ts). Composes with every transformation (grad of vmap, vmap of
// grad, nested vmaps, compile): inside another transformation the batched program is recorded
// into the outer one.
import { Tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape } from '../core/shape.js';
import { flatten, unflatten, mapTree } from '../core/pytree.js';
import type { Graph } from '../core/graph.js';
import type { Fn, InputsOf, MapLeaves } from '../core/types.js';
import { traceFunction } from '../transforms/trace-fn.js';
import { batchGraph } from '../transforms/batch.js';
import { transpose } from '../ops/transpose.js';
import { runGraph } from './run.js';
import { SignatureCache } from './cache.js';

export type Axis = number | null;
export interface VmapOptions {
  /** the mapped axis of every argument, or one entry per argument; null: not mapped (the same for every example) */
  inAxes?: Axis | readonly Axis[];
  /** where the mapped axis goes in every output leaf (or one entry per element of an array output) */
  outAxes?: number | readonly number[];
}

const normAxis = (what: string, a: number, rank: number): number => {
  if (!Number.isInteger(a) || a < -rank || a >= rank) fail('ERR_ARG', 'vmap', `${what}: axis ${a} is out of range for rank ${rank}`);
  return a < 0 ? a + rank : a;
};
/** x with axis `from` moved to `to` */
const moveAxis = (x: Tensor, from: number, to: number): Tensor => {
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
};

export function vmap<F extends Fn>(f: F, opts: VmapOptions = {}): (...args: InputsOf<Parameters<F>>) => MapLeaves<ReturnType<F>, Tensor> {
  if (typeof f !== 'function') fail('ERR_ARG', 'vmap', `expected a function but received ${describe(f)}`);
  const cache = new SignatureCache<Graph>();
  return ((...args: unknown[]) => {
    const inAxes = opts.inAxes === undefined ? 0 : opts.inAxes;
    if (Array.isArray(inAxes) && inAxes.length !== args.length) {
      fail('ERR_ARG', 'vmap', `inAxes has ${inAxes.length} entries but f was called with ${args.length} argument(s)`);
    }
    const axisOf = (k: number): Axis => (Array.isArray(inAxes) ? inAxes[k] : (inAxes as Axis));
    let n = -1;
    const moved: Tensor[] = [], mapped: boolean[] = [];
    const examples = args.map((a, k) => {
      const { leaves, def } = flatten(a, `argument ${k}`);
      const ax = axisOf(k);
      const slots = leaves.map((leaf) => {
        // unmapped: its value comes at run time (moved); a valueless example keeps its shape (a
        // concrete size-1 leaf would be handed to f as a number, a [1, 1] matrix as a scalar)
        if (ax === null || ax === undefined) { moved.push(leaf); mapped.push(false); return new Tensor(leaf.shape, null); }
        const a0 = normAxis(`argument ${k} (${fmtShape(leaf.shape)})`, ax, leaf.rank);
        const size = leaf.shape[a0];
        if (n >= 0 && size !== n) fail('ERR_SHAPE', 'vmap', `mapped axes differ in size: ${n} and ${size} (argument ${k}, ${fmtShape(leaf.shape)}, axis ${a0})`);
        n = size;
        moved.push(moveAxis(leaf, a0, 0));
        mapped.push(true);
        return new Tensor(leaf.shape.filter((_, i) => i !== a0), null);   // one example's shape, no value
      });
      return unflatten(def, slots, false);
    });
    if (n < 0) fail('ERR_ARG', 'vmap', 'no argument is mapped (every inAxes entry is null)');
    const tr = traceFunction(f, examples, 'vmap', { noReads: true });
    const captures = tr.inputs.slice(moved.length);   // outer tracers f closed over: not mapped
    const flags = [...mapped, ...captures.map(() => false)];
    const bg = cache.derive(tr.graph, [n, ...flags.map(Number)], () => batchGraph(tr.graph, flags, n), (g) => g);
    const outs = runGraph(bg, [...moved, ...captures]);
    const outAxes = opts.outAxes ?? 0;
    const top = tr.outDef.t === 'array' ? tr.outDef.items : null;
    if (Array.isArray(outAxes) && (!top || top.length !== outAxes.length)) {
      fail('ERR_ARG', 'vmap', `outAxes has ${outAxes.length} entries but f returned ${top ? `an array of ${top.length}` : 'no array'}`);
    }
    const outAxisOf = (i: number): number => {
      if (!Array.isArray(outAxes)) return outAxes as number;
      const owner = top!.findIndex((d) => leafIndices(d).includes(i));
      return outAxes[owner];
    };
    return mapTree(tr.outDef, (i) => moveAxis(outs[i], 0, normAxis(`output ${i}`, outAxisOf(i), outs[i].rank)));
  }) as any;
}

function leafIndices(d: import('../core/pytree.js').TreeDef): number[] {
  return d.t === 'leaf' ? [d.i] : d.t === 'static' ? [] : d.items.flatMap(leafIndices);
}
