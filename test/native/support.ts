// Native-only suites: skipped when the addon is unavailable, but failing when the environment
// promises it (WENGERT_EXPECT_NATIVE=1, as CI sets after building it).
import { describe, it } from 'vitest';
import { Graph } from '../../src/core/graph.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import type { OpDef } from '../../src/ops/op.js';
import { _addon, nativeInfo } from '../../src/backends/index.js';
import type { Addon, AddonError } from '../../src/backends/native/loader.js';

export const addon: Addon | null = _addon();

export function describeNative(name: string, body: (addon: Addon) => void): void {
  if (addon) { describe(name, () => body(addon)); return; }
  if (process.env.WENGERT_EXPECT_NATIVE === '1') {
    describe(name, () => it('has the native addon', () => { throw new Error(`native addon expected: ${nativeInfo().reason}`); }));
    return;
  }
  describe.skip(name, () => it('needs the native addon', () => {}));
}

/** deterministic uniform numbers in [0, 1) */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 32; };
}

/** A graph of one equation `op(inputs…)` with the given input shapes and attributes. */
export function oneOp(op: OpDef, shapes: readonly Shape[], attrs: unknown): Graph {
  const g = new Graph();
  const ins = shapes.map((s) => { const v = g.newVar(s); g.inputs.push(v); return v; });
  const out = g.newVar(op.shape(shapes, attrs));
  g.eqns.push({ op, ins, out, attrs });
  g.outputs = [out];
  return g;
}

export const fill = (shape: Shape, f: (i: number) => number) => Float64Array.from({ length: sizeOf(shape) }, (_, i) => f(i));

/** |a − b| ≤ rtol·max(|a|,|b|) + atol·scale, NaN matches NaN; zeros' signs match when `signs` */
export function closeArrays(a: Float64Array, b: Float64Array, rtol: number, atol = 0, signs = false): string | null {
  if (a.length !== b.length) return `length ${a.length} vs ${b.length}`;
  let scale = 0;
  for (const x of a) if (Number.isFinite(x)) scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) { if (Number.isNaN(x) !== Number.isNaN(y)) return `[${i}] ${x} vs ${y}`; continue; }
    if (x === y) { if (signs && !Object.is(x, y)) return `[${i}] ${Object.is(x, -0) ? '-0' : '0'} vs ${Object.is(y, -0) ? '-0' : '0'}`; continue; }
    if (!(Math.abs(x - y) <= rtol * Math.max(Math.abs(x), Math.abs(y)) + atol * scale)) return `[${i}] ${x} vs ${y}`;
  }
  return null;
}

/** An encoding decoded by the addon with one arena, behind the calls the corruption tests make. */
export interface RawProgram {
  /** why decode (or arena) refused it, or the last failed run's error; null otherwise */
  error(): AddonError | null;
  run(inputs: Float64Array[], outputs: Float64Array[]): number;
  info(): NonNullable<ReturnType<Addon['info']>>;
  dispose(): void;
  readonly image: ArrayBuffer | null;
  readonly arena: ArrayBuffer | null;
}

export function rawProgram(addon: Addon, enc: unknown, consts: unknown): RawProgram {
  const image = addon.decode(enc as Int32Array, consts as Float64Array);
  let err: AddonError | null = image instanceof ArrayBuffer ? null : image;
  const made = image instanceof ArrayBuffer ? addon.arena(image) : null;
  if (made && !(made instanceof ArrayBuffer)) err = made;
  const arena = made instanceof ArrayBuffer ? made : null;
  const img = image instanceof ArrayBuffer ? image : null;
  return {
    image: img, arena,
    error: () => err,
    run(inputs, outputs) {
      const st = addon.run(img ?? new ArrayBuffer(0), arena ?? new ArrayBuffer(0), inputs, outputs);
      err = st === 0 ? null : addon.lastError();
      return st;
    },
    info: () => addon.info(img ?? new ArrayBuffer(0)) ?? { steps: 0, scalarOps: 0, imageBytes: 0, memoryBytes: 0, ioOffset: 0, ioValues: 0, simd: 'scalar', bodies: [] },
    dispose() { if (arena) addon.release(arena); if (img) addon.release(img); },
  };
}
