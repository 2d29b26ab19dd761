// Reading call arguments against the structure a Program was compiled for: one Float64Array per
// numeric leaf, no copies for Float64Array leaves (sync calls never keep them), and
// ERR_SIGNATURE naming the leaf when the structure or a shape differs.
import { Tensor, tensor, liveData } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sameShape, type Shape } from '../core/shape.js';
import { leafKind, flatten, structureDiff, type TreeDef, type LeafKind } from '../core/pytree.js';
import type { Recording } from './recording.js';

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
    return liveData(v, 'Program') ?? fail('ERR_ARG', 'Program', `${path}: a compiled Program cannot be called with tracers (call it outside transformations)`);
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

/** index of the first value whose bit pattern differs (−0 ≠ +0; NaNs differ by payload), or −1 */
export function firstBitDifference(a: Float64Array, b: Float64Array): number {
  const n = Math.min(a.length, b.length);
  const wa = new Uint32Array(a.buffer, a.byteOffset, 2 * n), wb = new Uint32Array(b.buffer, b.byteOffset, 2 * n);
  for (let i = 0; i < 2 * n; i++) if (wa[i] !== wb[i]) return i >> 1;
  return a.length === b.length ? -1 : n;
}

/**
 * The caller's gradient arrays, matched to argument 0's structure BY KEY (not by position): a
 * Float64Array of the leaf's size per numeric leaf; anything else is ERR_SIGNATURE naming the leaf.
 */
export function gradTargets(def: TreeDef, sizes: readonly number[], out: unknown): Float64Array[] {
  const targets: Float64Array[] = [];
  const bad = (path: string, expected: string, got: string): never =>
    fail('ERR_SIGNATURE', 'gradInto', `${path || 'out'}: expected ${expected} (mirroring argument 0) but received ${got}`);
  const rec = (d: TreeDef, v: unknown, path: string): void => {
    switch (d.t) {
      case 'leaf':
        if (!(v instanceof Float64Array) || v.length !== sizes[d.i]) bad(path, `a Float64Array(${sizes[d.i]})`, describe(v));
        targets[d.i] = v as Float64Array;
        return;
      case 'array':
        if (!Array.isArray(v) || v.length !== d.items.length) bad(path, `an array of ${d.items.length}`, describe(v));
        d.items.forEach((x, i) => rec(x, (v as unknown[])[i], `${path}[${i}]`));
        return;
      case 'object': {
        if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) bad(path, `an object with keys ${d.keys.join(', ')}`, describe(v));
        const extra = Object.keys(v as object).filter((k) => !d.keys.includes(k));
        if (extra.length) bad(path, `an object with keys ${d.keys.join(', ')}`, `an object with the extra key(s) ${extra.join(', ')}`);
        d.keys.forEach((k, i) => {
          if (!(k in (v as object))) bad(path ? `${path}.${k}` : k, `a Float64Array for key ${k}`, 'nothing (the key is missing)');
          rec(d.items[i], (v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
        });
        return;
      }
      case 'static': return;
    }
  };
  rec(def, out, '');
  return targets;
}

export function leafKinds(d: TreeDef, out: LeafKind[] = []): LeafKind[] {
  if (d.t === 'leaf') out[d.i] = d.kind;
  else if (d.t !== 'static') d.items.forEach((x) => leafKinds(x, out));
  return out;
}

export const countLeaves = (d: TreeDef): number => (d.t === 'leaf' ? 1 : d.t === 'static' ? 0 : d.items.reduce((n, x) => n + countLeaves(x), 0));

const overlaps = (a: Float64Array, b: Float64Array) =>
  a.length > 0 && b.length > 0 && a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;

/** whether a target overlaps an input or another target (then results are copied in instead) */
export const overlapsAny = (targets: readonly Float64Array[], inputs: readonly Float64Array[]) =>
  targets.some((t, k) => inputs.some((x) => overlaps(t, x)) || targets.some((u, j) => j !== k && overlaps(t, u)));

/** the tangent leaves of v, which must mirror argument 0 (ERR_SHAPE naming the leaf otherwise) */
export function readTangents(def0: TreeDef, sizes: readonly number[], shapes: readonly Shape[], v: unknown): Float64Array[] {
  const { leaves, def } = flatten(v, 'v');
  const diff = structureDiff(def0, def);
  if (diff) fail('ERR_SHAPE', 'Program.hvp', `v must have the structure of argument 0 (differs at ${diff})`);
  return leaves.map((l, k) => {
    if (l.size !== sizes[k] || l.rank !== shapes[k].length) {
      fail('ERR_SHAPE', 'Program.hvp', `v leaf ${k}: expected ${fmtShape(shapes[k])} (argument 0's shape) but received ${fmtShape(l.shape)}`);
    }
    return liveData(l, 'Program.hvp') ?? fail('ERR_ARG', 'Program.hvp', 'v must be concrete (call hvp outside transformations)');
  });
}

/**
 * outputs for a run of recording p: the gradient arrays `targets` written in place, only on the
 * call's own inputs (a run on the recording's inputs defines its guards) and if no input overlaps them
 */
export const outputsFor = (targets: Float64Array[] | undefined, inputs: readonly Float64Array[]) => {
  const direct = targets && !overlapsAny(targets, inputs) ? targets : undefined;
  return (p: Recording, ins: readonly Float64Array[]) => (direct && ins === inputs ? [...p.outSizes.map((n) => new Float64Array(n)), ...direct] : undefined);
};

/** the value of an into-call's run; the gradients copied into `targets` unless written there in place */
export function filled(targets: Float64Array[], outs: Float64Array[], p: Recording): number {
  const nOut = p.graph.outputs.length;
  targets.forEach((arr, k) => { if (outs[nOut + k] !== arr) arr.set(outs[nOut + k]); });
  return outs[0][0];
}
