// Encodes a Graph ONCE into the flat typed arrays the addon decodes (layout: native/src/program.h).
// Plans memory on the way: constants first, then intermediate buffers assigned by liveness
// (a dead buffer of equal or larger size is reused; elementwise ops may write in place over a
// same-shape operand that dies there), reshape and contiguous slices are views of their operand,
// large inputs are read and large outputs written in the caller's arrays. Transposes of the last
// two axes that only feed matmuls are folded into the matmul (read in place, no copy). Loop
// equations carry their bodies, planned and encoded the same way (encode-loops.ts).
import type { Eqn, Graph } from '../../core/graph.js';
import { sizeOf, type Shape } from '../../core/shape.js';
import { tsPlan } from '../../plan/plan.js';
import { loopWords, LOOP_OPS } from './encode-loops.js';

export const ENCODING_MAGIC = 0x57474e31;
export const ENCODING_VERSION = 3;
/** inputs and outputs up to this many values live in the arena (the tight 0-d loop reads only the arena) */
const SMALL = 16;
const ALIGN = 8;
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
  if (e.op.name !== 'transpose') return false;
  const p: readonly number[] = e.attrs.perm, r = p.length;
  return r >= 2 && p[r - 1] === r - 2 && p[r - 2] === r - 1 && p.slice(0, r - 2).every((a, i) => a === i);
};

function attrWords(e: Eqn, fold: readonly boolean[]): number[] {
  const a = e.attrs;
  switch (e.op.name) {
    case 'sum': case 'max': case 'min': case 'prod': return [a.keepDims ? 1 : 0, a.axes.length, ...a.axes];
    case 'transpose': return [...a.perm];
    case 'slice': return [...a.begin];
    case 'pad': return [...a.before];
    case 'concat': case 'gather': return [a.axis];
    case 'scatterAdd': return [a.axis, a.size];
    case 'random': return [['bits', 'uniform', 'normal'].indexOf(a.dist), a.shape.length, ...a.shape];
    case 'matmul': return [fold[0] ? 1 : 0, fold[1] ? 1 : 0];
    case 'fused': return [a.scalarIn.length, ...a.scalarIn.map(Number), a.code.length,
      ...a.code.flatMap((c: { op: { id: number }; args: number[] }) => [c.op.id, c.args.length, ...c.args]), a.outs.length, ...a.outs];
    case 'matmulT': return [a.transA !== fold[0] ? 1 : 0, a.transB !== fold[1] ? 1 : 0];
    case 'triangularSolve': return [a.lower ? 1 : 0, a.transpose ? 1 : 0, a.unitDiagonal ? 1 : 0];
    default: return [];
  }
}

/** e's attribute words; a loop's bodies are planned and encoded, their constants appended to bodyConsts */
function instrAttrs(e: Eqn, fold: readonly boolean[], bodyConsts: Float64Array[]): { words: number[]; overflow: string | null } {
  if (!LOOP_OPS.has(e.op.name)) return { words: attrWords(e, fold), overflow: null };
  return loopWords(e, (b, pinned) => encodeGraph(tsPlan(b), { pinned }), bodyConsts);
}

/** Free arena blocks: exact-size stacks for small sizes, best fit (with splitting) for the rest. */
class Arena {
  top: number;
  private small: number[][] = Array.from({ length: ALIGN + 1 }, () => []);
  private large: { off: number; size: number }[] = [];
  constructor(start: number) { this.top = start; }
  alloc(size: number): number {
    if (size <= ALIGN) {
      const s = this.small[size].pop();
      if (s !== undefined) return s;
      const off = this.top; this.top += size; return off;
    }
    const need = Math.ceil(size / ALIGN) * ALIGN;
    let best = -1;
    for (let i = 0; i < this.large.length; i++) {
      const b = this.large[i];
      if (b.size >= need && (best < 0 || b.size < this.large[best].size)) best = i;
    }
    if (best >= 0) {
      const b = this.large[best];
      if (b.size - need >= ALIGN) { this.large[best] = { off: b.off + need, size: b.size - need }; } else this.large.splice(best, 1);
      return b.off;
    }
    this.top = Math.ceil(this.top / ALIGN) * ALIGN;
    const off = this.top; this.top += need; return off;
  }
  free(off: number, size: number): void {
    if (size <= ALIGN) { this.small[size].push(off); return; }
    this.large.push({ off, size: Math.ceil(size / ALIGN) * ALIGN });
  }
}

export interface EncodeOptions {
  /** inputs [0, pinned) keep their memory for the whole run (a loop body's constants, bound once per loop) */
  pinned?: number;
}

export function encodeGraph(g: Graph, opts: EncodeOptions = {}): Encoded {
  const n = g.nvars, eqns = g.eqns;
  const prod = new Int32Array(n).fill(-1);
  eqns.forEach((e, i) => { prod[e.out] = i; });
  // fold swap-last transposes into matmul operands; skip transposes left with no other use
  const uses = new Int32Array(n);
  for (const e of eqns) for (const v of e.ins) uses[v]++;
  for (const v of g.outputs) uses[v]++;
  const operands = eqns.map((e) => [...e.ins]);
  const folds = eqns.map((e) => [false, false]);
  eqns.forEach((e, i) => {
    if (e.op.name !== 'matmul' && e.op.name !== 'matmulT') return;
    e.ins.forEach((v, k) => {
      const p = prod[v];
      if (p >= 0 && isSwapLast(eqns[p])) {
        folds[i][k] = true; operands[i][k] = eqns[p].ins[0]; uses[v]--; uses[eqns[p].ins[0]]++;
      }
    });
  });
  const live = eqns.map((e) => !(isSwapLast(e) && uses[e.out] === 0));
  // storage classes: a reshape, or a contiguous slice, is a view of its operand's storage
  const root = Int32Array.from({ length: n }, (_, v) => v);
  const viewOff = new Float64Array(n).fill(-1);
  eqns.forEach((e, i) => {
    if (!live[i]) return;
    const o = e.op.name === 'reshape' ? 0 : e.op.name === 'slice' ? sliceView(g, e) : -1;
    if (o >= 0) { root[e.out] = root[operands[i][0]]; viewOff[e.out] = o; }
  });
  const end = eqns.length;
  const lastUse = new Int32Array(n).fill(-1);
  eqns.forEach((e, i) => { if (live[i]) for (const v of operands[i]) lastUse[root[v]] = Math.max(lastUse[root[v]], i); });
  for (const v of g.outputs) lastUse[root[v]] = end;
  // renumber: inputs, constants, equation outputs in order
  const id = new Int32Array(n).fill(-1);
  let next = 0;
  for (const v of g.inputs) id[v] = next++;
  const constVars = [...g.consts.keys()];
  for (const v of constVars) id[v] = next++;
  eqns.forEach((e, i) => { if (live[i]) id[e.out] = next++; });
  const ref = new Float64Array(n).fill(NaN);  // arena offset, or ~k for external buffer k
  const off = new Float64Array(n);             // offset inside an external buffer
  const size = (v: number) => sizeOf(g.shapes[v]);
  // constants [0, constEnd)
  let top = 0;
  const constData: Float64Array[] = [];
  for (const v of constVars) {
    const s = size(v);
    if (s > ALIGN) top = Math.ceil(top / ALIGN) * ALIGN;
    ref[v] = top; top += s;
    constData.push(g.consts.get(v)!._data!);
  }
  const constEnd = top;
  const arena = new Arena(constEnd);
  const isInput = new Uint8Array(n);
  for (const v of g.inputs) isInput[v] = 1;
  for (const v of g.inputs.slice(0, opts.pinned ?? 0)) isInput[v] = 2;
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
  eqns.forEach((e, i) => {
    if (!live[i]) return;
    const out = e.out;
    if (root[out] !== out) {
      const src = operands[i][0];
      if (ref[src] >= 0) ref[out] = ref[src] + viewOff[out];
      else { ref[out] = ref[src]; off[out] = off[src] + viewOff[out]; }
    } else if (Number.isNaN(ref[out])) {
      const s = size(out);
      let inPlace = -1;
      if (e.op.family === 'unary' || e.op.family === 'binary' || e.op.family === 'ternary') {
        inPlace = operands[i].findIndex((v) => lastUse[root[v]] === i && owned(root[v]) &&
          sameShape(g.shapes[v], g.shapes[out]) && s > 0 && ref[v] === ref[root[v]] && size(root[v]) === s &&
          // the addon allows only exact in-place: no other view of that buffer (reshape to another shape) as operand
          operands[i].every((u) => root[u] !== root[v] || sameShape(g.shapes[u], g.shapes[out])));
      }
      if (inPlace >= 0) {
        const r = root[operands[i][inPlace]];
        ref[out] = ref[r];
        lastUse[r] = -2;  // storage handed over to out
      } else {
        ref[out] = s === 0 ? constEnd : arena.alloc(s);
      }
    }
    for (const v of new Set(operands[i].map((x) => root[x]))) freeIfDead(v, i);
    if (lastUse[out] === -1 && root[out] === out && owned(out) && size(out) > 0) arena.free(ref[out], size(out)); // never used
  });
  // emit
  const words: number[] = [ENCODING_MAGIC, ENCODING_VERSION, next, nin, constVars.length, g.outputs.length, 0, 0, constEnd, 0];
  const order = new Int32Array(next);
  for (let v = 0; v < n; v++) if (id[v] >= 0) order[id[v]] = v;
  for (const v of order) { words.push(ref[v], ref[v] < 0 ? off[v] : 0, g.shapes[v].length, ...g.shapes[v]); }
  for (const v of g.inputs) words.push(id[v]);
  for (const v of constVars) words.push(id[v]);
  for (const v of g.outputs) words.push(id[v]);
  const codeStart = words.length;
  const eqnOf: Eqn[] = [];
  const bodyConsts: Float64Array[] = [];
  let bodyOverflow: string | null = null;
  eqns.forEach((e, i) => {
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
  words[7] = Math.ceil(arena.top / ALIGN) * ALIGN;
  words[9] = words.length - codeStart;
  const bad = words.findIndex((x) => (x | 0) !== x);
  if (bad >= 0 || bodyOverflow) {
    const overflow = bodyOverflow ? `a loop body: ${bodyOverflow}` : words[7] > INT32_MAX ? `the arena needs ${words[7]} values, more than 2³¹−1` : `encoding word ${bad} is ${words[bad]}, outside the Int32 range`;
    return { enc: new Int32Array(0), consts: new Float64Array(0), eqnOf, arenaBytes: words[7] * 8, overflow };
  }
  constData.push(...bodyConsts);
  const total = constData.reduce((a, d) => a + d.length, 0);
  const consts = new Float64Array(total);
  let at = 0;
  for (const d of constData) { consts.set(d, at); at += d.length; }
  return { enc: Int32Array.from(words), consts, eqnOf, arenaBytes: words[7] * 8, overflow: null };
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

const sameShape = (a: Shape, b: Shape) => a.length === b.length && a.every((d, i) => d === b[i]);
