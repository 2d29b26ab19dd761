// Pieces shared by scan's derivative and batching rules (loop-rules.ts, scan-vjp.ts): the scan
// equation's attributes, operand counts, packing, and closure of flags over the carries.
import { Tensor } from '../core/tensor.js';
import { Graph } from '../core/graph.js';
import { type Shape } from '../core/shape.js';
import { compact } from '../core/simplify.js';
import { extract } from '../core/subgraph.js';
import { type ScanAttrs } from '../ops/scan.js';
import { reshape } from '../ops/reshape.js';
import { concat } from '../ops/concat.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { activeVars } from './vjp.js';
import { signature, keyText } from '../core/signature.js';

/** attrs of a scan equation (the key identifies the body for signatures and CSE) */
export function scanAttrs(body: Graph, nConst: number, nCarry: number, length: number, reverse: boolean, remat = false): ScanAttrs {
  const key = `scan#${nConst}#${nCarry}#${length}#${reverse ? 1 : 0}#${remat ? 1 : 0}#${keyText(signature(body))}`;
  return { body, nConst, nCarry, length, reverse, remat, key };
}

export const zeros = (s: Shape) => broadcastTo(0, [...s]);
export const flat = (t: Tensor) => (t.rank === 1 ? t : reshape(t, [t.size]));
/** one packed value from its parts, in order */
export const pack = (parts: readonly Tensor[]) => (parts.length === 1 ? flat(parts[0]) : concat(parts.map(flat), 0));
export const range = (a: number, b: number) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);

export interface Counts { nIn: number; nConst: number; nCarry: number; nX: number; nOut: number; nY: number }
export function counts(a: ScanAttrs): Counts {
  const nIn = a.body.inputs.length, nOut = a.body.outputs.length;
  return { nIn, nConst: a.nConst, nCarry: a.nCarry, nX: nIn - a.nConst - a.nCarry, nOut, nY: nOut - a.nCarry };
}

/** the body with other inputs and outputs (variables of it), compacted */
export function rewire(g: Graph, inputs: readonly number[], outputs: readonly number[]): Graph {
  return compact(extract(g, inputs, outputs));
}

/** flags over body inputs, closed over the carries: carry j is set when body output j depends on a set input */
export function carryClosure(a: ScanAttrs, flags: readonly boolean[]): boolean[] {
  const f = [...flags];
  for (;;) {
    const dep = activeVars(a.body, a.body.inputs.filter((_, i) => f[i]));
    let changed = false;
    for (let j = 0; j < a.nCarry; j++) if (!f[a.nConst + j] && dep[a.body.outputs[j]]) { f[a.nConst + j] = true; changed = true; }
    if (!changed) return f;
  }
}
