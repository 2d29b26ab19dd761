import { fail } from './errors.js';

export type Shape = readonly number[];

/** the one 0-d shape tensors share (recording compares shapes by identity first) */
export const SCALAR_SHAPE: Shape = Object.freeze([]);

// indexed loops: these run for every recorded equation, mostly before the JIT optimizes them
export const sizeOf = (s: Shape): number => { let n = 1; for (let i = 0; i < s.length; i++) n *= s[i]; return n; };
export const fmtShape = (s: Shape): string => `f64[${s.join(',')}]`;
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Row-major strides; a broadcast (size-1 or missing) axis gets stride 0 when `to` is given. */
export function strides(s: Shape): number[] {
  const st = new Array<number>(s.length);
  let acc = 1;
  for (let i = s.length - 1; i >= 0; i--) { st[i] = acc; acc *= s[i]; }
  return st;
}

/** Strides of `s` read as if broadcast to `out` (right-aligned, 0 on broadcast axes). */
export function broadcastStrides(s: Shape, out: Shape): number[] {
  const st = strides(s);
  const r = new Array<number>(out.length).fill(0);
  const off = out.length - s.length;
  for (let i = 0; i < s.length; i++) r[off + i] = s[i] === 1 && out[off + i] !== 1 ? 0 : st[i];
  return r;
}

/** NumPy broadcasting of any number of shapes. */
export function broadcastShapes(op: string, shapes: readonly Shape[]): Shape {
  // common case: identical shapes (no allocation)
  const first = shapes[0];
  let same = true;
  for (let k = 1; k < shapes.length && same; k++) same = shapes[k] === first || sameShape(shapes[k], first);
  if (same && first) return first;
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i], o = out[off + i];
      if (d === o || d === 1) continue;
      if (o === 1) { out[off + i] = d; continue; }
      fail('ERR_SHAPE', op, `shapes ${shapes.map(fmtShape).join(' and ')} are not broadcastable ` +
        `(axis ${i - s.length}: ${o} vs ${d})`);
    }
  }
  return out;
}

/** Normalize an axis argument (number, array, undefined = all) to sorted unique non-negative axes. */
export function normAxes(op: string, axis: number | readonly number[] | undefined, rank: number): number[] {
  if (axis === undefined || axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const out = list.map((a) => normAxis(op, a, rank));
  if (new Set(out).size !== out.length) fail('ERR_ARG', op, `expected distinct axes but received [${list.join(', ')}]`);
  // a 0-d tensor accepts axis 0 (normAxis) but has no axis to reduce: reducing it is the identity
  return rank === 0 ? [] : out.sort((a, b) => a - b);
}

export function normAxis(op: string, a: unknown, rank: number, extra = 0): number {
  const r = rank + extra;
  if (typeof a !== 'number' || !Number.isInteger(a)) fail('ERR_ARG', op, `expected an integer axis but received ${String(a)}`);
  const ax = a as number;
  if (ax < -r || ax >= Math.max(r, 1) || (r === 0 && ax !== 0 && ax !== -1)) {
    fail('ERR_SHAPE', op, `axis ${ax} is out of range for rank ${rank}`);
  }
  return ax < 0 ? ax + r : ax;
}

/** Validate a user-given shape: non-negative integers. */
export function checkShape(op: string, s: unknown): number[] {
  if (!Array.isArray(s)) fail('ERR_ARG', op, `expected a shape (array of integers) but received ${typeof s}`);
  for (const d of s as unknown[]) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      fail('ERR_ARG', op, `expected non-negative integer shape entries but received [${(s as unknown[]).join(', ')}]`);
    }
  }
  return [...(s as number[])];
}
