// Reading call arguments against the structure a Program was compiled for: one Float64Array per
// numeric leaf, no copies for Float64Array leaves (sync calls never keep them), and
// ERR_SIGNATURE naming the leaf when the structure or a shape differs.
import { Tensor, tensor } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sameShape, type Shape } from '../core/shape.js';
import { leafKind, type TreeDef } from '../core/pytree.js';

export function readArgs(defs: readonly TreeDef[], shapes: readonly Shape[], args: readonly unknown[], copy: boolean): Float64Array[] {
  if (args.length !== defs.length) fail('ERR_SIGNATURE', 'Program', `compiled for ${defs.length} argument(s) but called with ${args.length}`);
  const out: Float64Array[] = [];
  const rec = (d: TreeDef, v: unknown, path: string) => {
    switch (d.t) {
      case 'leaf': {
        const shape = shapes[out.length];
        const data = leafData(v, path);
        const got = v instanceof Tensor ? v.shape : leafShape(v);
        if (!sameShape(got, shape)) fail('ERR_SIGNATURE', 'Program', `${path || 'argument'}: compiled for ${fmtShape(shape)} but received ${fmtShape(got)}; compile again for other shapes`);
        out.push(copy && data === v ? data.slice() : data);
        return;
      }
      case 'array':
        if (!Array.isArray(v) || v.length !== d.items.length || leafKind(v)) return mismatch(path, `an array of ${d.items.length} items`, v);
        d.items.forEach((x, i) => rec(x, v[i], `${path}[${i}]`));
        return;
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || leafKind(v)) return mismatch(path, `an object with keys ${d.keys.join(', ')}`, v);
        const keys = Object.keys(v);
        if (keys.length !== d.keys.length || d.keys.some((k) => !(k in (v as object)))) {
          const missing = d.keys.filter((k) => !keys.includes(k)), extra = keys.filter((k) => !d.keys.includes(k));
          return fail('ERR_SIGNATURE', 'Program', `${path}: compiled for an object with keys ${d.keys.join(', ')} but received one with keys ` +
            `${keys.join(', ') || '(none)'}${missing.length ? ` (missing ${missing.join(', ')})` : ''}${extra.length ? ` (extra ${extra.join(', ')})` : ''}`);
        }
        d.keys.forEach((k, i) => rec(d.items[i], (v as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
        return;
      }
      case 'static':
        if (!Object.is(v, d.value)) mismatch(path, `the static value ${describe(d.value)} it was compiled with`, v);
    }
  };
  defs.forEach((d, i) => rec(d, args[i], `argument ${i}`));
  return out;
}

function mismatch(path: string, expected: string, got: unknown): never {
  return fail('ERR_SIGNATURE', 'Program', `${path}: compiled for ${expected} but received ${describe(got)}`);
}

function leafData(v: unknown, path: string): Float64Array {
  if (v instanceof Float64Array) return v;
  if (typeof v === 'number') return Float64Array.of(v);
  if (v instanceof Tensor) {
    if (!v._data) fail('ERR_ARG', 'Program', `${path}: a compiled Program cannot be called with tracers (call it outside transformations)`);
    return v._data!;
  }
  if (v instanceof Float32Array || Array.isArray(v)) return tensor(v)._data!;
  return fail('ERR_SIGNATURE', 'Program', `${path}: expected a numeric leaf but received ${describe(v)}`);
}

function leafShape(v: unknown): number[] {
  if (typeof v === 'number') return [];
  if (v instanceof Float64Array || v instanceof Float32Array) return [v.length];
  const s: number[] = [];
  let cur: unknown = v;
  while (Array.isArray(cur)) { s.push(cur.length); cur = cur[0]; }
  return s;
}
