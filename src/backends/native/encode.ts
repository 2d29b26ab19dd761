// Encodes a Graph ONCE into the flat typed arrays the addon decodes (layout: native/src/program.h).
// Plans memory on the way: constants first, then intermediate buffers assigned by liveness
// (a dead buffer of equal or larger size is reused; elementwise ops may write in place over a
// same-shape operand that dies there), reshape and contiguous slices are views of their operand,
// large inputs are read and large outputs written in the caller's arrays. Transposes of the last
// two axes that only feed matmuls are folded into the matmul (read in place, no copy). Loop
// equations carry their bodies, planned and encoded the same way (encode-loops.ts).
import type { Eqn, Graph } from '../../core/graph.js';
import { sameShape, sizeOf } from '../../core/shape.js';
import { Arena, ALIGN } from './arena.js';
import { tsPlan } from '../../plan/plan.js';
import { loopWords, LOOP_OPS } from './encode-loops.js';

import { ENCODING_MAGIC, ENCODING_VERSION } from './format.js';
import { matmulOp } from '../../ops/matmul.js';
import { matmulTOp } from '../../ops/matmulT.js';
import { reshapeOp } from '../../ops/reshape.js';
import { sliceOp } from '../../ops/slice.js';
import { transposeOp } from '../../ops/transpose.js';
export { ENCODING_MAGIC, ENCODING_VERSION };
/** inputs and outputs up to this many values live in the arena (the tight 0-d loop reads only the arena) */
const SMALL = 16;
const INT32_MAX = 2 ** 31 - 1;

export interface Encoded {
  enc: Int32Array;
  /** the constants' values: the program's own, then its loop bodies' (in instruction order) */
  consts: Float64Array;
  /** encoded instruction index → graph equation (for error messages) */
  eqnOf: Eqn[];
  arenaBytes: number;
  /** why the graph does not fit the Int32 words (then enc is empty), or null: a word is never wrapped */
  overflow: string | null;
}

const isSwapLast = (e: Eqn) => {
  if (e.op !== transposeOp) return false;
  const p: readonly number[] = e.attrs.perm, r = p.length;
  return r >= 2 && p[r - 1] === r - 2 && p[r - 2] === r - 1 && p.slice(0, r - 2).every((a, i) => a === i);
};

/** e's attribute words; a loop's bodies are planned and encoded, their constants appended to bodyConsts */
function instrAttrs(e: Eqn, fold: readonly boolean[], bodyConsts: Float64Array[]): { words: number[]; overflow: string | null } {
  if (!LOOP_OPS.has(e.op.name)) return { words: e.op.nativeAttrs?.(e.attrs, fold) ?? [], overflow: null };
  return loopWords(e, (b, pinned) => encodeGraph(tsPlan(b), { pinned }), bodyConsts);
}

export interface EncodeOptions {
  /** inputs [0, pinned) keep their memory for the whole run (a loop body's constants, bound once per loop) */
  pinned?: number;
}

export function encodeGraph(g: Graph, opts: EncodeOptions = {}): Encoded {
  const folded = foldTransposes(g);
  const st = storage(g, folded);
  const ids = renumber(g, folded.live);
  const mem = assignMemory(g, folded, st, opts.pinned ?? 0);
  return emit(g, folded, ids, mem);
}

/** the equations' operands after folding swap-last transposes into matmuls; a folded transpose with no other use is dead */
interface Folded { prod: Int32Array; operands: number[][]; folds: boolean[][]; live: boolean[] }

function foldTransposes(g: Graph): Folded {
  const eqns = g.eqns;
  const prod = new Int32Array(g.nvars).fill(-1);
  eqns.forEach((e, i) => { prod[e.out] = i; });
  const uses = new Int32Array(g.nvars);
  for (const e of eqns) for (const v of e.ins) uses[v]++;
  for (const v of g.outputs) uses[v]++;
  const operands = eqns.map((e) => [...e.ins]);
  const folds = eqns.map(() => [false, false]);
  eqns.forEach((e, i) => {
    if (e.op !== matmulOp && e.op !== matmulTOp) return;
    e.ins.forEach((v, k) => {
      const p = prod[v];
      if (p >= 0 && isSwapLast(eqns[p])) {
        folds[i][k] = true; operands[i][k] = eqns[p].ins[0]; uses[v]--; uses[eqns[p].ins[0]]++;
      }
    });
  });
  return { prod, operands, folds, live: eqns.map((e) => !(isSwapLast(e) && uses[e.out] === 0)) };
}

/** storage classes: a reshape or a contiguous slice is a view (root, offset) of its operand's storage; lastUse per root */
interface Storage { root: Int32Array; viewOff: Float64Array; lastUse: Int32Array }

function storage(g: Graph, { operands, live }: Folded): Storage {
  const n = g.nvars, eqns = g.eqns;
  const root = Int32Array.from({ length: n }, (_, v) => v);
  const viewOff = new Float64Array(n).fill(-1);
  eqns.forEach((e, i) => {
    if (!live[i]) return;
    const o = e.op === reshapeOp ? 0 : e.op === sliceOp ? sliceView(g, e) : -1;
    if (o >= 0) { root[e.out] = root[operands[i][0]]; viewOff[e.out] = o; }
  });
  const lastUse = new Int32Array(n).fill(-1);
  eqns.forEach((e, i) => { if (live[i]) for (const v of operands[i]) lastUse[root[v]] = Math.max(lastUse[root[v]], i); });
  for (const v of g.outputs) lastUse[root[v]] = eqns.length;
  return { root, viewOff, lastUse };
}

/** the encoded value ids: inputs, constants, live equations' outputs in order (−1: not encoded) */
function renumber(g: Graph, live: readonly boolean[]): { id: Int32Array; count: number } {
  const id = new Int32Array(g.nvars).fill(-1);
  let next = 0;
  for (const v of g.inputs) id[v] = next++;
  for (const v of g.consts.keys()) id[v] = next++;
  g.eqns.forEach((e, i) => { if (live[i]) id[e.out] = next++; });
  return { id, count: next };
}

/** where each value lives: ref = arena offset, or ~k for the caller's buffer k (inputs, then outputs) at offset off */
interface Memory { ref: Float64Array; off: Float64Array; constEnd: number; arenaTop: number }

function assignMemory(g: Graph, { prod, operands, live }: Folded, st: Storage, pinned: number): Memory {
  const { root, viewOff, lastUse } = st;
  const n = g.nvars;
  const ref = new Float64Array(n).fill(NaN), off = new Float64Array(n);
  const size = (v: number) => sizeOf(g.shapes[v]);
  let top = 0;  // constants first: [0, constEnd)
  for (const v of g.consts.keys()) {
    if (size(v) > ALIGN) top = Math.ceil(top / ALIGN) * ALIGN;
    ref[v] = top; top += size(v);
  }
  const constEnd = top, arena = new Arena(constEnd);
  const isInput = new Uint8Array(n);
  for (const v of g.inputs) isInput[v] = 1;
  for (const v of g.inputs.slice(0, pinned)) isInput[v] = 2;
  // storage the plan may reuse once dead: computed values and (unpinned) arena copies of inputs
  const owned = (r: number) => ref[r] >= constEnd && (prod[r] >= 0 || isInput[r] === 1);
  const nin = g.inputs.length;
  g.inputs.forEach((v, k) => { ref[v] = size(v) > SMALL ? ~k : arena.alloc(size(v)); });
  // large outputs computed by an equation are written straight into the caller's array
  const external = new Set<number>();
  g.outputs.forEach((v, k) => {
    const r = root[v];
    if (prod[r] >= 0 && !external.has(r) && size(r) > SMALL && size(r) === size(v) && Number.isNaN(ref[r])) { ref[r] = ~(nin + k); external.add(r); }
  });
  const freeIfDead = (r: number, i: number) => {
    if (lastUse[r] === i && owned(r) && size(r) > 0) arena.free(ref[r], size(r));
  };
  g.eqns.forEach((e, i) => {
    if (!live[i]) return;
    const out = e.out;
    if (root[out] !== out) {
      const src = operands[i][0];
      if (ref[src] >= 0) ref[out] = ref[src] + viewOff[out];
      else { ref[out] = ref[src]; off[out] = off[src] + viewOff[out]; }
    } else if (Number.isNaN(ref[out])) {
      const r = inPlaceOperand(g, e, operands[i], i, st, ref, owned);
      if (r >= 0) { ref[out] = ref[r]; lastUse[r] = -2; }  // storage handed over to out
      else ref[out] = size(out) === 0 ? constEnd : arena.alloc(size(out));
    }
    for (const v of new Set(operands[i].map((x) => root[x]))) freeIfDead(v, i);
    if (lastUse[out] === -1 && root[out] === out && owned(out) && size(out) > 0) arena.free(ref[out], size(out)); // never used
  });
  return { ref, off, constEnd, arenaTop: Math.ceil(arena.top / ALIGN) * ALIGN };
}

/**
 * The root whose storage elementwise equation i may overwrite in place (−1: none): an operand of
 * out's shape and size, not an offset view, whose owned storage dies at i and is not also read
 * through a view of another shape (the addon allows only exact in-place).
 */
function inPlaceOperand(g: Graph, e: Eqn, ins: readonly number[], i: number, { root, lastUse }: Storage, ref: Float64Array,
  owned: (r: number) => boolean): number {
  if (e.op.family !== 'unary' && e.op.family !== 'binary' && e.op.family !== 'ternary') return -1;
  const shape = g.shapes[e.out], s = sizeOf(shape);
  if (s === 0) return -1;
  const k = ins.findIndex((v) => lastUse[root[v]] === i && owned(root[v]) && sameShape(g.shapes[v], shape) &&
    ref[v] === ref[root[v]] && sizeOf(g.shapes[root[v]]) === s &&
    ins.every((u) => root[u] !== root[v] || sameShape(g.shapes[u], shape)));
  return k < 0 ? -1 : root[ins[k]];
}

/** the words: header, value table (ref, offset, shape), inputs/constants/outputs, instructions */
function emit(g: Graph, { operands, folds, live }: Folded, { id, count }: { id: Int32Array; count: number }, mem: Memory): Encoded {
  const { ref, off } = mem;
  const constVars = [...g.consts.keys()];
  const words: number[] = [ENCODING_MAGIC, ENCODING_VERSION, count, g.inputs.length, constVars.length, g.outputs.length, 0, mem.arenaTop, mem.constEnd, 0];
  const order = new Int32Array(count);
  for (let v = 0; v < g.nvars; v++) if (id[v] >= 0) order[id[v]] = v;
  for (const v of order) { words.push(ref[v], ref[v] < 0 ? off[v] : 0, g.shapes[v].length, ...g.shapes[v]); }
  for (const v of g.inputs) words.push(id[v]);
  for (const v of constVars) words.push(id[v]);
  for (const v of g.outputs) words.push(id[v]);
  const codeStart = words.length;
  const eqnOf: Eqn[] = [];
  const bodyConsts: Float64Array[] = [];
  let bodyOverflow: string | null = null;
  g.eqns.forEach((e, i) => {
    if (!live[i]) return;
    const { words: at, overflow } = instrAttrs(e, folds[i], bodyConsts);
    bodyOverflow ??= overflow;
    words.push(e.op.id, operands[i].length, id[e.out]);
    for (const v of operands[i]) words.push(id[v]);
    words.push(at.length);
    for (const x of at) words.push(x);   // (a loop's words can be too many for push(...at))
    eqnOf.push(e);
  });
  words[6] = eqnOf.length;
  words[9] = words.length - codeStart;
  const arenaBytes = mem.arenaTop * 8;
  const bad = words.findIndex((x) => (x | 0) !== x);
  if (bad >= 0 || bodyOverflow) {
    const overflow = bodyOverflow ? `a loop body: ${bodyOverflow}` : mem.arenaTop > INT32_MAX ? `the arena needs ${mem.arenaTop} values, more than 2³¹−1` : `encoding word ${bad} is ${words[bad]}, outside the Int32 range`;
    return { enc: new Int32Array(0), consts: new Float64Array(0), eqnOf, arenaBytes, overflow };
  }
  return { enc: Int32Array.from(words), consts: concat([...constVars.map((v) => g.consts.get(v)!._data!), ...bodyConsts]), eqnOf, arenaBytes, overflow: null };
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, d) => a + d.length, 0));
  let at = 0;
  for (const d of parts) { out.set(d, at); at += d.length; }
  return out;
}

/** offset of a slice that is one contiguous run of its operand (a view), else −1 */
function sliceView(g: Graph, e: Eqn): number {
  const src = g.shapes[e.ins[0]], dst = g.shapes[e.out];
  if (sizeOf(dst) === 0) return -1;
  let partial = false, o = 0, stride = 1;
  for (let a = 0; a < src.length; a++) {
    if (partial && dst[a] !== src[a]) return -1;
    if (dst[a] !== 1) partial = true;
  }
  for (let a = src.length - 1; a >= 0; a--) { o += e.attrs.begin[a] * stride; stride *= src[a]; }
  return o;
}

