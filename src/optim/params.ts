// Parameters as one flat Float64Array: x0 (any pytree) is flattened once; views map the flat
// array back onto the tree without copying, and results mirror x0's leaf kinds.
import { Tensor, liveData } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sizeOf, type Shape } from '../core/shape.js';
import { flatten, unflatten, checkDifferentiable, type TreeDef } from '../core/pytree.js';

export class Params {
  readonly def: TreeDef;
  readonly shapes: Shape[];
  readonly offsets: number[];
  readonly n: number;
  readonly x0: Float64Array;
  readonly tree0: unknown;
  private readonly arg: string;

  constructor(name: string, tree: unknown, arg: string) {
    const { leaves, def } = flatten(tree, arg);
    checkDifferentiable(def, name);
    if (!leaves.length) fail('ERR_ARG', name, `${arg}: expected at least one number, array or tensor but received no numeric leaves`);
    this.def = def;
    this.shapes = leaves.map((l) => l.shape);
    this.offsets = [];
    let n = 0;
    for (const l of leaves) {
      if (!liveData(l, name)) fail('ERR_ARG', name, `${arg}: expected concrete values but received a tracer (call ${name} outside transformations)`);
      this.offsets.push(n);
      n += l.size;
    }
    this.n = n;
    this.x0 = new Float64Array(n);
    leaves.forEach((l, k) => this.x0.set(l._data!, this.offsets[k]));
    this.arg = arg;
    const bad = this.x0.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail('ERR_ARG', name, `${this.entryName(bad, arg)}: expected finite numbers but received ${this.x0[bad]}`);
    this.tree0 = tree;
  }

  /** The user's name of leaf k ('x0.W'). */
  leafName(k: number): string { return leafPath(this.def, k) || this.arg; }

  /**
   * The name of flat entry i: prefix + the leaf's path below the root + [index] ('x0.W[3]');
   * prefix '' gives the part after the root ('.W[3]', '[3]').
   */
  entryName(i: number, prefix: string): string {
    const k = this.leafOf(i), full = leafPath(this.def, k);
    const below = full.startsWith(this.arg) ? full.slice(this.arg.length) : full;
    return `${prefix}${below}${this.shapes[k].length ? `[${i - this.offsets[k]}]` : ''}`;
  }

  /** The argument tree over x: Tensor views of its slices (no copy). */
  view(x: Float64Array): unknown {
    if (this.def.t === 'leaf' && this.def.kind === 'f64') return x;
    return this.map((off, s) => new Tensor(s, x.subarray(off, off + sizeOf(s))));
  }

  /** A tree of Float64Array views over g mirroring x0 (gradInto targets). */
  outView(g: Float64Array): unknown {
    if (this.def.t === 'leaf') return g;
    return this.map((off, s) => g.subarray(off, off + sizeOf(s)));
  }

  /** A fresh user-facing tree holding x, with x0's leaf kinds (number, Float64Array, nested arrays, ...). */
  toUser(x: Float64Array): any {
    const vals = this.shapes.map((s, k) => new Tensor(s, x.slice(this.offsets[k], this.offsets[k] + sizeOf(s))));
    return unflatten(this.def, vals, true);
  }

  /** Copy a tree of Tensors (e.g. a gradient) mirroring x0 into the flat array `out`. */
  gather(tree: unknown, out: Float64Array): void {
    const { leaves } = flatten(tree);
    if (leaves.length !== this.shapes.length) fail('ERR_SHAPE', 'optim', `expected ${this.shapes.length} gradient leaves but received ${leaves.length}`);
    leaves.forEach((l, k) => out.set(l._data!, this.offsets[k]));
  }

  private map(leaf: (offset: number, shape: Shape) => unknown): unknown {
    const rec = (d: TreeDef): unknown => {
      switch (d.t) {
        case 'leaf': return leaf(this.offsets[d.i], this.shapes[d.i]);
        case 'array': return d.items.map(rec);
        case 'object': return Object.fromEntries(d.keys.map((k, i) => [k, rec(d.items[i])]));
        case 'static': return d.value;
      }
    };
    return rec(this.def);
  }

  /** the leaf holding flat entry i */
  leafOf(i: number): number {
    let k = 0;
    while (k + 1 < this.offsets.length && this.offsets[k + 1] <= i) k++;
    return k;
  }
}

function leafPath(d: TreeDef, i: number): string {
  if (d.t === 'leaf') return d.i === i ? d.path : '';
  if (d.t === 'static') return '';
  for (const x of d.items) { const p = leafPath(x, i); if (p) return p; }
  return '';
}
