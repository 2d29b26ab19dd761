// Pytrees (DESIGN §1): leaves are numbers, Float64Array, Float32Array, Tensor, or nested number
// arrays (ONE leaf); other arrays and plain objects are nodes; anything else is a static value.
import { Tensor, tensor, nest } from './tensor.js';
import { fail, describe } from './errors.js';
import { currentTrace } from './trace.js';

export type LeafKind = 'number' | 'f64' | 'f32' | 'nested' | 'tensor';
export type TreeDef =
  | { t: 'leaf'; i: number; kind: LeafKind; path: string }
  | { t: 'array'; items: TreeDef[] }
  | { t: 'object'; keys: string[]; items: TreeDef[] }
  | { t: 'static'; value: unknown; path: string };

export function isNumericArray(x: unknown, depth = 0): boolean {
  if (!Array.isArray(x) || depth > 64) return false;   // deeper than any tensor rank: not a leaf (may be a cycle)
  return x.every((e) => typeof e === 'number' || isNumericArray(e, depth + 1));
}

export function leafKind(x: unknown): LeafKind | null {
  if (typeof x === 'number') return 'number';
  if (x instanceof Float64Array) return 'f64';
  if (x instanceof Float32Array) return 'f32';
  if (x instanceof Tensor) return 'tensor';
  if (isNumericArray(x)) return 'nested';
  return null;
}

/** Flatten a tree; `leaves` are converted to Tensors (copied once). */
export function flatten(x: unknown, path = ''): { leaves: Tensor[]; def: TreeDef } {
  const leaves: Tensor[] = [];
  const open = new Map<object, string>();   // nodes being flattened, with their paths (met again inside itself: a cycle)
  const node = <T>(v: object, p: string, body: () => T): T => {
    const outer = open.get(v);
    if (outer !== undefined) fail('ERR_ARG', 'pytree', `expected a tree of numbers, arrays and tensors but ${p} refers back to ${outer || 'the argument itself'} (a cycle)`);
    open.set(v, p);
    try { return body(); } finally { open.delete(v); }
  };
  const rec = (v: unknown, p: string): TreeDef => {
    if (Array.isArray(v)) {
      return node(v, p, (): TreeDef => {
        const kind = leafKind(v);
        if (kind) return leaf(v, kind, p);
        return { t: 'array', items: v.map((e, i) => rec(e, `${p}[${i}]`)) };
      });
    }
    const kind = leafKind(v);
    if (kind) return leaf(v, kind, p);
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const keys = Object.keys(v);
      return node(v, p, () => ({ t: 'object', keys, items: keys.map((k) => rec((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k)) }));
    }
    return { t: 'static', value: v, path: p };
  };
  const leaf = (v: unknown, kind: LeafKind, p: string): TreeDef => {
    leaves.push(kind === 'tensor' ? (v as Tensor) : tensor(v));
    return { t: 'leaf', i: leaves.length - 1, kind, path: p };
  };
  return { leaves, def: rec(x, path) };
}

/** Rebuild a tree with new leaf values, each mirroring its original kind. */
export function unflatten(def: TreeDef, vals: readonly Tensor[], mirror = true): any {
  switch (def.t) {
    case 'leaf': return mirror ? toLeafKind(vals[def.i], def.kind) : toUser(vals[def.i]);
    case 'array': return def.items.map((d) => unflatten(d, vals, mirror));
    case 'object': return Object.fromEntries(def.keys.map((k, i) => [k, unflatten(def.items[i], vals, mirror)]));
    case 'static': return def.value;
  }
}

/** The first static (non-numeric) value in a tree that must be all numeric. */
export function firstStatic(def: TreeDef): { path: string; value: unknown } | null {
  if (def.t === 'static') return { path: def.path, value: def.value };
  if (def.t === 'leaf') return null;
  for (const d of def.items) { const s = firstStatic(d); if (s) return s; }
  return null;
}

export function checkDifferentiable(def: TreeDef, where: string): void {
  const s = firstStatic(def);
  if (s) fail('ERR_ARG', where, `expected numbers, arrays or tensors to differentiate but received ${describe(s.value)}${s.path ? ` at ${s.path}` : ''}`);
}

/** A value returned to the user: a number when size 1 and concrete, else a Tensor. */
export function toUser(t: Tensor): number | Tensor {
  // inside a transformation values stay tensors (as every leaf does there), even constant ones
  return t._data && t.size === 1 && !currentTrace() ? t._data[0] : t;
}

/** Mirror the kind of the leaf the value stands for (gradients mirror their argument). */
export function toLeafKind(t: Tensor, kind: LeafKind): any {
  if (!t._data || currentTrace()) return t; // inside an outer transformation: stays a tensor
  switch (kind) {
    case 'number': return t._data[0];
    case 'f64': return Float64Array.from(t._data);
    case 'f32': return Float32Array.from(t._data);
    case 'nested': return nest(t._data, t.shape);
    case 'tensor': return t;   // a Tensor stays a Tensor, also at size 1 (DESIGN §8)
  }
}

/** Rebuild the structure of `def` with leafFn(i) at leaf i (static values kept). */
export function mapTree(def: TreeDef, leafFn: (i: number) => unknown): any {
  switch (def.t) {
    case 'leaf': return leafFn(def.i);
    case 'array': return def.items.map((d) => mapTree(d, leafFn));
    case 'object': return Object.fromEntries(def.keys.map((k, i) => [k, mapTree(def.items[i], leafFn)]));
    case 'static': return def.value;
  }
}

/** Same tree structure (leaf kinds aside); returns the path of the first difference, or null. */
export function structureDiff(a: TreeDef, b: TreeDef, path = ''): string | null {
  if (a.t === 'leaf' || b.t === 'leaf' || a.t === 'static' || b.t === 'static') return a.t === b.t ? null : path || 'root';
  if (a.t !== b.t || a.items.length !== b.items.length) return path || 'root';
  if (a.t === 'object' && b.t === 'object' && a.keys.some((k, i) => k !== b.keys[i])) return path || 'root';
  for (let i = 0; i < a.items.length; i++) {
    const key = a.t === 'object' ? `${path ? path + '.' : ''}${a.keys[i]}` : `${path}[${i}]`;
    const d = structureDiff(a.items[i], b.items[i], key);
    if (d) return d;
  }
  return null;
}
