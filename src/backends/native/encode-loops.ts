// Loop equations (scan, whileLoop, whileVjp) in the addon's encoding: each body is planned like a
// top-level graph and encoded as a complete program inside the loop's attributes (layout:
// native/src/decode_loops.cc); the bodies' constants follow the program's own, in the order the
// loop instructions come (pre-order, as the decoder claims them). A body's loop constants are its
// pinned inputs: their memory is never reused within the body, so the addon binds them once per loop.
import type { Eqn, Graph } from '../../core/graph.js';
import type { ScanAttrs } from '../../ops/scan.js';
import type { WhileAttrs, WhileVjpAttrs } from '../../ops/whileLoop.js';
import { scanOp } from '../../ops/scan.js';
import { whileVjpOp } from '../../ops/whileLoop.js';

export const LOOP_OPS: ReadonlySet<string> = new Set(['scan', 'whileLoop', 'whileVjp']);

/** a body's encoding: words, constants (its own, then its bodies'), or why it does not fit Int32 words */
export interface BodyCode { enc: ArrayLike<number>; consts: Float64Array; overflow: string | null }
export type EncodeBody = (body: Graph, pinned: number) => BodyCode;

/** maxIterations as [hasMax, hi, lo] with max = hi·2³¹ + lo (a safe integer needs two words) */
function maxWords(max: number | null): number[] {
  return max === null ? [0, 0, 0] : [1, Math.floor(max / 2 ** 31), max % 2 ** 31];
}

/**
 * The attribute words of loop equation e, its bodies encoded by `encodeBody`; their constants are
 * appended to `consts`. overflow: why a body cannot be encoded (then the words are incomplete).
 */
export function loopWords(e: Eqn, encodeBody: EncodeBody, consts: Float64Array[]): { words: number[]; overflow: string | null } {
  const words: number[] = [];
  let overflow: string | null = null;
  const body = (g: Graph, nConst: number) => {
    const c = encodeBody(g, nConst);
    overflow ??= c.overflow;
    consts.push(c.consts);
    words.push(c.enc.length);
    for (let i = 0; i < c.enc.length; i++) words.push(c.enc[i]);
  };
  if (e.op === scanOp) {
    const a = e.attrs as ScanAttrs;
    words.push(a.nConst, a.nCarry, a.length, a.reverse ? 1 : 0);
    body(a.body, a.nConst);
  } else {
    const a = e.attrs as WhileAttrs;
    words.push(a.nConst, ...maxWords(a.maxIterations));
    if (e.op === whileVjpOp) words.push((a as WhileVjpAttrs).sumShapes.length);
    body(a.cond, a.nConst);
    body(a.body, a.nConst);
    if (e.op === whileVjpOp) body((a as WhileVjpAttrs).bwd, a.nConst);
  }
  return { words, overflow };
}

/** the bodies of a loop equation (none for other equations) */
export const loopBodies = (e: Eqn): Graph[] => (LOOP_OPS.has(e.op.name) ? (e.op.subgraphs?.(e.attrs) ?? []).map((s) => s.graph) : []);
