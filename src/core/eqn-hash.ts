// The structural hash by which re-rolling (plan/reroll.ts) finds repeated blocks: an equation's op,
// its output shape and each operand's kind (made by an equation or not) and shape. A recording
// computes it as it appends an equation, where this code runs hot, so re-rolling does not walk the
// unrolled recording again to hash it; equations with attributes are hashed by re-rolling.
import type { OpDef } from './op.js';
import type { Shape } from './shape.js';

const OPAQUE = new Set(['opaque', 'customCall']);
const FNV = 0x01000193;

/** opaque calls (user functions) never repeat: re-rolling leaves them unrolled */
export const isOpaque = (op: OpDef): boolean => OPAQUE.has(op.name);

/** by op id: the op's starting hash, NaN for an opaque call */
const bases: number[] = [];
const baseOf = (op: OpDef): number => (OPAQUE.has(op.name) ? NaN : Math.imul(op.id + 7, 0x9e3779b1));
export function opBase(op: OpDef): number {
  if (op.id < 0) return baseOf(op);
  const b = bases[op.id];
  return b !== undefined ? b : (bases[op.id] = baseOf(op));
}

/** the hash of an opaque call at position k (unique to it, so it matches no other equation) */
export const opaqueHash = (k: number): number => (Math.imul(k, 0x7fffffff) + 13) | 0;

export function shapeHash(s: Shape, h: number, add: number): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ (s[i] + add), FNV);
  return h;
}

/** h extended by an operand: whether an equation made it, and its shape */
export function operandHash(h: number, made: boolean, s: Shape): number {
  h = Math.imul(h ^ (made ? 1 : 2), FNV);
  return Math.imul(shapeHash(s, h, 3) ^ 0x5bd1e995, FNV);
}

/** h extended by attributes given as their key text */
export function textHash(h: number, key: string): number {
  for (let c = 0; c < key.length; c++) h = Math.imul(h ^ key.charCodeAt(c), FNV);
  return h;
}
