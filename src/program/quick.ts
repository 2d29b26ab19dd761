// The fast path of small compiled programs (valueAndGrad, grad, valueAndGradInto): when every
// argument is a Float64Array leaf, the Program has one recording and it has no guards, and the
// native backend runs its gradient program through the arena's io region (a small program), a call
// copies the arguments into the io region, makes one addon call and reads the results from it —
// no argument tree walk, no per-call closures, no result arrays beyond the gradient. Anything else
// (another backend or 'check', a wrong argument, a trace in progress, guards, a disposed or not yet
// built program) takes the general path, which validates and reports as always: the fast path
// only accepts what the general path would accept and gives the same bits (the same program).
import type { Shape } from '../core/shape.js';
import type { TreeDef, LeafKind } from '../core/pytree.js';
import { currentTrace } from '../core/trace.js';
import { getBackend, smallRunner, type SmallRunner } from '../backends/index.js';
import type { Paths } from './paths.js';

export class Quick {
  /** the arguments' shapes allow the fast path (each a Float64Array leaf of rank 1, argument 0 mirrored as f64) */
  private readonly fits: boolean;
  private runner: SmallRunner | null = null;

  constructor(defs: readonly TreeDef[], shapes: readonly Shape[], private readonly sizes: readonly number[], kinds0: readonly LeafKind[]) {
    this.fits = defs.length > 0 && defs.every((d) => d.t === 'leaf') && shapes.every((s) => s.length === 1) && kinds0[0] === 'f64';
  }

  /** the gradient program run on args (the io region holds its results), or null: take the general path */
  private run(paths: Paths, args: readonly unknown[]): SmallRunner | null {
    if (!this.fits || args.length !== this.sizes.length || getBackend() !== 'native' || currentTrace()) return null;
    if (paths.all.length !== 1) return null;
    const p = paths.first;
    if (p.guards.length) return null;
    const g = p.built('grad');
    if (!g) return null;
    let r = this.runner;
    if (!r || !r.live(g)) r = this.runner = smallRunner(g);
    if (!r) return null;
    for (let k = 0; k < args.length; k++) {
      const x = args[k];
      if (!(x instanceof Float64Array) || x.length !== this.sizes[k]) return null;
    }
    const io = r.io;
    for (let k = 0; k < args.length; k++) {
      const x = args[k] as Float64Array, at = r.inAt[k];
      if (x.length > 16) io.set(x, at);
      else for (let i = 0; i < x.length; i++) io[at + i] = x[i];  // faster than set() for a few values
    }
    r.run();
    paths.quick();
    return r;
  }

  /** [value, gradient of argument 0], or null */
  valueAndGrad(paths: Paths, args: readonly unknown[]): [number, Float64Array] | null {
    const r = this.run(paths, args);
    if (!r) return null;
    const at = r.outAt[paths.first.graph.outputs.length];  // the gradients follow f's outputs
    return [r.io[r.outAt[0]], r.io.slice(at, at + this.sizes[0])];
  }

  /** the value, the gradient written into out; null (out untouched) for the general path */
  into(paths: Paths, args: readonly unknown[], out: unknown): number | null {
    if (!(out instanceof Float64Array) || out.length !== this.sizes[0]) return null;
    const r = this.run(paths, args);
    if (!r) return null;
    const at = r.outAt[paths.first.graph.outputs.length];
    out.set(r.io.subarray(at, at + this.sizes[0]));
    return r.io[r.outAt[0]];
  }
}
