// Native-only suites: skipped when the addon is unavailable, but failing when the environment
// promises it (WENGERT_EXPECT_NATIVE=1, as CI sets after building it).
import { describe, it } from 'vitest';
import { Graph } from '../../src/core/graph.js';
import { sizeOf, type Shape } from '../../src/core/shape.js';
import type { OpDef } from '../../src/ops/op.js';
import { _addon, nativeInfo } from '../../src/backends/index.js';
import type { Addon } from '../../src/backends/native/loader.js';

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
