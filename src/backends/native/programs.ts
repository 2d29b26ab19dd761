// The per-Graph cache of native programs (programFor), and why a graph gets none: it runs JS code
// (runsJs: opaque functions, loops whose bodies hold one), or the addon's Int32 encoding cannot
// represent it (nativeRefusal: a dimension or size above 2³¹−1, rank above 16) — then the TS
// backend runs it, with one notice per kind.
import type { Eqn, Graph } from '../../core/graph.js';
import { fmtShape, sizeOf } from '../../core/shape.js';
import { tsPlan } from '../../plan/plan.js';
import { encodeGraph } from './encode.js';
import { loopBodies, LOOP_OPS } from './encode-loops.js';
import type { Addon } from './loader.js';
import { NativeProgram, externalizeConsts, sameStamp, stampOf, type Stamp } from './program.js';
import { fusedOp } from '../../ops/fused.js';
import { scanOp } from '../../ops/scan.js';

/** a graph with no native program: it runs JS code (refusal null), or the addon cannot represent it */
interface NoProgram { readonly stamp: Stamp; readonly refusal: string | null }
const cache = new WeakMap<Graph, NativeProgram | NoProgram>();

/** The native program already built for `g` (never builds one), or null. */
export function builtProgramOf(g: Graph): NativeProgram | null {
  const c = cache.get(g);
  return c instanceof NativeProgram && sameStamp(c.stamp, g) ? c : null;
}

/** Native bytes (image and arenas) of the program already built for `g`, or 0 (never builds one). */
export function nativeBytesOf(g: Graph): number {
  const c = cache.get(g);
  return c instanceof NativeProgram && sameStamp(c.stamp, g) ? c.nativeBytes : 0;
}

/** Free the native program built for `g` now (its arenas and image), if there is one. */
export function disposeProgramOf(g: Graph): void {
  const c = cache.get(g);
  if (c instanceof NativeProgram) { c.dispose(); cache.delete(g); }
}

let nativeLoops = true;
/** @internal benches and tests: loops run as JS segments (the TS kernels) in graphs planned from now on */
export const _setNativeLoops = (on: boolean) => { nativeLoops = on; };

const bodiesRunJs = new WeakMap<Graph, boolean>();
/**
 * Equations only JS can run: opaque functions, and loops with such an equation in a body (at any
 * depth); planning has inlined custom calls. Other loops run natively, bodies and all.
 */
export const runsJs = (e: Eqn): boolean => {
  if (e.op.family !== 'none' || e.op === fusedOp) return false;
  if (!LOOP_OPS.has(e.op.name) || !nativeLoops) return true;
  return loopBodies(e).some((b) => {
    let js = bodiesRunJs.get(b);
    if (js === undefined) bodiesRunJs.set(b, (js = tsPlan(b).eqns.some(runsJs)));
    return js;
  });
};

/** the addon's encoding is Int32 words (native/src/common.h kMaxElems, kMaxRank): never wrapped */
const INT32_MAX = 2 ** 31 - 1, MAX_RANK = 16;

/** why the addon cannot represent a planned graph (loop bodies included), by kind (one notice per kind), or null */
function refusalOf(p: Graph): { kind: 'rank' | 'size'; reason: string } | null {
  for (const e of p.eqns) {
    if (e.op === scanOp && e.attrs.length > INT32_MAX) {
      return { kind: 'size', reason: `a scan of ${e.attrs.length} iterations: more than the native addon's Int32 encoding holds` };
    }
    for (const b of loopBodies(e)) {
      const r = refusalOf(tsPlan(b));
      if (r) return { kind: r.kind, reason: `in a ${e.op.name} body, ${r.reason}` };
    }
  }
  let total = 0;
  for (let v = 0; v < p.nvars; v++) {
    const s = p.shapes[v], n = sizeOf(s);
    if (s.length > MAX_RANK) return { kind: 'rank', reason: `%${v} has rank ${s.length}, above the native addon's ${MAX_RANK}` };
    if (n > INT32_MAX || s.some((d) => d > INT32_MAX)) {
      return { kind: 'size', reason: `%${v} is ${fmtShape(s)}: a dimension or size above 2³¹−1, more than the native addon's Int32 encoding holds` };
    }
    total += Math.ceil(n / 8) * 8;
  }
  // every buffer fits; the arena (offsets) can only overflow when all of them together could
  const overflow = total > INT32_MAX ? encodeGraph(externalizeConsts(p).graph).overflow : null;
  return overflow ? { kind: 'size', reason: overflow } : null;
}

const noticed = new Set<string>();
function notice(kind: string, reason: string): void {
  if (noticed.has(kind)) return;
  noticed.add(kind);
  process.emitWarning(`wengert: a program runs on the TS backend because ${reason} (shown once per process)`, 'WengertWarning');
}

/**
 * Why the native backend does not run `g` on the addon — the addon cannot represent it (the
 * reason), so the TS backend runs it — or null (it runs natively, or runs JS code: see runsJs).
 */
export function nativeRefusal(g: Graph): string | null {
  const c = cache.get(g);
  if (c && sameStamp(c.stamp, g)) return c instanceof NativeProgram ? null : c.refusal;
  return refusalOf(tsPlan(g))?.reason ?? null;
}

/**
 * The cached program of a Graph (planned and encoded on first use), or null: when the graph holds
 * an op that runs JS code (customCall, opaque), which only the TS interpreter can run, or when
 * the addon cannot represent it (nativeRefusal; a one-time WengertWarning says so).
 */
export function programFor(addon: Addon, g: Graph): NativeProgram | null {
  const c = cache.get(g);
  if (c && sameStamp(c.stamp, g)) return c instanceof NativeProgram ? c : null;
  const planned = tsPlan(g);
  if (planned.eqns.some(runsJs)) { cache.set(g, { stamp: stampOf(g), refusal: null }); return null; }
  const r = refusalOf(planned);
  if (r) {
    notice(r.kind, r.reason);
    cache.set(g, { stamp: stampOf(g), refusal: r.reason });
    return null;
  }
  const p = new NativeProgram(addon, g);
  cache.set(g, p);
  return p;
}
