// Box constraints l ≤ x ≤ u mirroring the parameters: read once into two flat arrays in the
// parameters' leaf order. A bound leaf is an array of the leaf's shape or one number for all its
// entries; null and ±Infinity mean unbounded. Every malformed bound is ERR_ARG naming the leaf.
import { Tensor, tensor, liveData } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sameShape, sizeOf } from '../core/shape.js';
import { leafKind, type TreeDef } from '../core/pytree.js';
import type { Params } from './params.js';

export interface Box {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** The box of `bounds` ({ lower?, upper? }) over params, or null when every entry is unbounded. */
export function readBounds(name: string, params: Params, bounds: { lower?: unknown; upper?: unknown } | null, arg: string): Box | null {
  if (!bounds) return null;
  const n = params.n;
  const lower = new Float64Array(n).fill(-Infinity), upper = new Float64Array(n).fill(Infinity);
  if (bounds.lower !== undefined) fill(name, params, bounds.lower, lower, 'bounds.lower', -Infinity);
  if (bounds.upper !== undefined) fill(name, params, bounds.upper, upper, 'bounds.upper', Infinity);
  for (let i = 0; i < n; i++) {
    if (lower[i] > upper[i]) {
      const at = params.entryName(i, '');
      fail('ERR_ARG', name, `bounds.lower${at} = ${lower[i]} is above bounds.upper${at} = ${upper[i]}`);
    }
  }
  const x0 = params.x0;
  for (let i = 0; i < n; i++) {
    if (!(x0[i] >= lower[i] && x0[i] <= upper[i])) {
      fail('ERR_ARG', name, `${params.entryName(i, arg)} = ${x0[i]} lies outside its bounds [${lower[i]}, ${upper[i]}]: start inside the box`);
    }
  }
  return lower.some((v) => v > -Infinity) || upper.some((v) => v < Infinity) ? { lower, upper } : null;
}

function fill(name: string, params: Params, value: unknown, out: Float64Array, label: string, open: number): void {
  const put = (k: number, v: unknown, path: string) => {
    const off = params.offsets[k], shape = params.shapes[k], size = sizeOf(shape);
    if (v === null) { out.fill(open, off, off + size); return; }
    if (typeof v === 'number') {
      if (Number.isNaN(v)) fail('ERR_ARG', name, `${path}: expected a number or ±Infinity but received NaN`);
      out.fill(v, off, off + size);
      return;
    }
    if (!leafKind(v)) fail('ERR_ARG', name, `${path}: expected ${fmtShape(shape)} (the shape of ${params.leafName(k)}) or one number but received ${describe(v)}`);
    const t = v instanceof Tensor ? v : tensor(v);
    if (!liveData(t, name)) fail('ERR_ARG', name, `${path}: expected concrete values but received a tracer`);
    if (!sameShape(t.shape, shape)) fail('ERR_ARG', name, `${path}: expected ${fmtShape(shape)} (the shape of ${params.leafName(k)}) or one number but received ${fmtShape(t.shape)}`);
    const d = t._data!;
    const bad = d.findIndex((x) => Number.isNaN(x));
    if (bad >= 0) fail('ERR_ARG', name, `${path}[${bad}]: expected a number or ±Infinity but received NaN`);
    out.set(d, off);
  };
  if (typeof value === 'number' || value === null) {
    params.shapes.forEach((_, k) => put(k, value, label));
    return;
  }
  const rec = (d: TreeDef, v: unknown, path: string): void => {
    switch (d.t) {
      case 'leaf': put(d.i, v, path); return;
      case 'array':
        if (!Array.isArray(v) || leafKind(v) || v.length !== d.items.length) {
          fail('ERR_ARG', name, `${path}: expected an array of ${d.items.length} items mirroring the parameters but received ${describe(v)}`);
        }
        d.items.forEach((x, i) => rec(x, (v as unknown[])[i], `${path}[${i}]`));
        return;
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || leafKind(v)) {
          fail('ERR_ARG', name, `${path}: expected an object with keys ${d.keys.join(', ')} mirroring the parameters but received ${describe(v)}`);
        }
        const o = v as Record<string, unknown>;
        const extra = Object.keys(o).filter((k) => !d.keys.includes(k));
        if (extra.length) fail('ERR_ARG', name, `${path}.${extra[0]}: the parameters have no such key (expected keys ${d.keys.join(', ')})`);
        d.keys.forEach((k, i) => {
          if (!(k in o)) fail('ERR_ARG', name, `${path}.${k}: missing (bounds mirror the parameters; use null or ±Infinity for none)`);
          rec(d.items[i], o[k], `${path}.${k}`);
        });
        return;
      }
      case 'static': return;
    }
  };
  rec(params.def, value, label);
}

/** x ← P(x): clamp into the box. */
export function project(box: Box, x: Float64Array): void {
  const { lower, upper } = box;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v < lower[i]) x[i] = lower[i];
    else if (v > upper[i]) x[i] = upper[i];
  }
}

/**
 * The projected gradient x − P(x − g) (written into out): g where no bound is reached, zero or
 * shortened where a bound blocks descent. Returns its 2-norm.
 */
export function projectedGradient(box: Box | null, x: Float64Array, g: Float64Array, out: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    let v = g[i];
    if (box) {
      const t = x[i] - g[i];
      v = x[i] - (t < box.lower[i] ? box.lower[i] : t > box.upper[i] ? box.upper[i] : t);
    }
    out[i] = v;
    s += v * v;
  }
  return Math.sqrt(s);
}
