// Re-rolling: a block of equations that a plain JS loop recorded again and again becomes one scan
// equation (a loop), so that a 1000-step loop is differentiated, planned and run as one body of
// equations instead of 1000 copies. The body computes the same operations on the same values in
// the same order, so results are the same bits as the unrolled program.
//
// 1. Period: each equation gets a hash of its op, attributes, shape and operand kinds; k-grams of
//    those hashes that repeat vote for their distance, and the most voted distances P are tried.
// 2. Runs: maximal stretches where equation k matches equation k + P, at least MIN_ITERS periods.
// 3. Operands of each period's equations are classified the same way in every iteration: made in
//    this iteration (internal), in the previous one (a carry; its value before the run is the
//    carry's start), the same value every time (a loop constant), or a different value made
//    before the run each time (stacked into xs). Anything else (two iterations back, a guarded
//    value, an opaque call) leaves the run unrolled.
// 4. Values the rest of the program reads after the run: the last iteration's come out as carries
//    (the scan's final carries), earlier iterations' as ys rows.
import type { Graph } from '../core/graph.js';
import { opNumber, type Tape } from '../core/tape.js';
import { isOpaque, opBase, opaqueHash, shapeHash, operandHash, textHash } from '../core/eqn-hash.js';
import { rebuild } from './reroll-emit.js';
import { candidatePeriods } from './reroll-periods.js';

/** a loop must repeat at least this many times, and cover this many equations, to be rolled */
const MIN_ITERS = 3;
const MIN_EQNS = 8;
/** the shortest body worth a loop */
const MIN_BODY = 2;

export interface Rolled { graph: Graph; loops: number }

let enabled = process.env.WENGERT_REROLL !== '0';
/** @internal tests compare rolled and unrolled programs */
export const setReroll = (on: boolean): void => { enabled = on; };

/** g with its repeated blocks rolled into scans (g itself when nothing repeats, or WENGERT_REROLL=0). */
export function reroll(g: Graph): Rolled {
  let loops = 0;
  if (!enabled) return { graph: g, loops };
  for (let pass = 0; pass < 3; pass++) {
    const r = rollOnce(g);
    if (!r.loops) break;
    g = r.graph;
    loops += r.loops;
  }
  return { graph: g, loops };
}

export interface Run { start: number; period: number; iters: number }

function rollOnce(g: Graph): Rolled {
  const n = g.neqns, tape = g.tape;
  if (n < MIN_ITERS * MIN_BODY) return { graph: g, loops: 0 };
  const made = madeBy(g);
  const h = hashes(g, made), ops = opCounts(g);
  const runs: Fit[] = [];
  let untaken = n;
  for (const period of candidatePeriods(h, MIN_BODY)) {
    if (untaken < MIN_ITERS * period) continue;   // no room left for a run of this period
    // runs are searched in the stretches no loop has taken yet
    const gaps = freeGaps(runs, n);
    for (let i = 0; i < gaps.length; i += 2) {
      let end = 0;   // of the last run taken in this gap (a later stretch may begin inside it)
      for (const found of runsOf(h, ops, period, gaps[i], gaps[i + 1])) {
        if (found.start < end || found.iters * period < MIN_EQNS) continue;
        const fit = fitRun(g, made, rotate(g, made, found));
        if (!fit) continue;
        runs.push(fit);
        end = fit.start + fit.iters * fit.period;
        untaken -= fit.iters * fit.period;
      }
    }
  }
  if (!runs.length) return { graph: g, loops: 0 };
  runs.sort((a, b) => a.start - b.start);
  return { graph: rebuild(g, runs), loops: runs.length };
}

/**
 * 1 + the index of the equation making each variable, 0 for inputs and constants (so `made[v] − 1`
 * is −1 for them): the recording's own map when it handed one over, else built here.
 */
function madeBy(g: Graph): Int32Array {
  const raw = g.tape.raw();
  if (raw?.made && raw.made.length >= g.nvars) return raw.made;
  const made = new Int32Array(g.nvars), tape = g.tape;
  for (let k = 0, n = g.neqns; k < n; k++) made[tape.out(k)] = k + 1;
  return made;
}

/** every equation's eqnHash: a recording's tape has them for the equations without attributes */
function hashes(g: Graph, made: Int32Array): Int32Array {
  const n = g.neqns, tape = g.tape, raw = tape.raw();
  if (!raw) { const h = new Int32Array(n); for (let k = 0; k < n; k++) h[k] = eqnHash(g, tape, k, made); return h; }
  if (raw.attrs.size === 0) return raw.hashes.subarray(0, n);
  const h = raw.hashes.slice(0, n);
  for (const k of raw.attrs.keys()) h[k] = eqnHash(g, tape, k, made);
  return h;
}

/** op, attributes, output shape and each operand's kind (made by an equation or not) and shape (core/eqn-hash.ts) */
function eqnHash(g: Graph, tape: Tape, k: number, made: Int32Array): number {
  const op = tape.op(k), attrs = tape.attrs(k);
  let h = opBase(op);
  if (h !== h) return opaqueHash(k);   // opaque calls never repeat (fitRun rejects them anyway)
  if (attrs !== undefined) h = textHash(h, op.attrKey ? op.attrKey(attrs) : JSON.stringify(attrs));
  h = shapeHash(g.shapeOf(tape.out(k)), h, 0);
  for (let o = 0, m = tape.nIns(k); o < m; o++) { const i = tape.in(k, o); h = operandHash(h, made[i] > 0, g.shapeOf(i)); }
  return h;
}

/** [start, end) pairs of the equations outside the runs taken so far */
function freeGaps(runs: readonly Run[], n: number): number[] {
  const taken = [...runs].sort((a, b) => a.start - b.start), gaps: number[] = [];
  let at = 0;
  for (const r of taken) { if (r.start > at) gaps.push(at, r.start); at = r.start + r.iters * r.period; }
  if (at < n) gaps.push(at, n);
  return gaps;
}

/**
 * maximal stretches of [from, to) where equation k matches k + P: equal hashes, and (so that no hash
 * collision rolls another op) equal op numbers and operand counts; as whole periods
 */
function runsOf(h: Int32Array, ops: OpCounts, P: number, from: number, to: number): Run[] {
  const out: Run[] = [];
  let k = from;
  while (k + P < to) {
    if (!sameAt(h, ops, k, P)) { k++; continue; }
    let e = k;
    while (e + P < to && sameAt(h, ops, e, P)) e++;
    const iters = Math.floor((e - k) / P) + 1;
    if (iters >= MIN_ITERS) out.push({ start: k, period: P, iters });
    k = e + 1;
  }
  return out;
}

/** equation k matches equation k + P (a function, not a closure per call: optimized code keeps its call target) */
function sameAt(h: Int32Array, { op, starts }: OpCounts, k: number, P: number): boolean {
  return h[k] === h[k + P] && op[k] === op[k + P] && starts[k + 1] - starts[k] === starts[k + P + 1] - starts[k + P];
}

/** op numbers and operand starts of the equations: a recording's tape arrays, else built */
interface OpCounts { op: Int32Array; starts: Int32Array }
function opCounts(g: Graph): OpCounts {
  const raw = g.tape.raw();
  if (raw) return { op: raw.ops, starts: raw.starts };
  const n = g.neqns, tape = g.tape, op = new Int32Array(n), starts = new Int32Array(n + 1);
  for (let k = 0; k < n; k++) { op[k] = opNumber(tape.op(k)); starts[k + 1] = starts[k] + tape.nIns(k); }
  return { op, starts };
}

/**
 * A run may start anywhere in the loop's iteration (where the recorded blocks start to agree). Of
 * the P rotations of its body, the one with the fewest carries is the JS loop's own iteration (its
 * state): that one is rolled (giving up the run's last partial period), so the loop's structure —
 * and the order in which reverse mode sums — is the unrolled program's.
 */
function rotate(g: Graph, made: Int32Array, run: Run): Run {
  const { start, period: P } = run;
  if (run.iters < MIN_ITERS + 1) return run;
  let best = 0, bestCarries = Infinity;
  for (let r = 0; r < P; r++) {
    const carries = new Set<number>();
    let ok = true;
    for (let j = 0; j < P && ok; j++) {
      for (let o = 0, m = g.tape.nIns(start + r + j); o < m && ok; o++) {
        const s = classify(g, made, start + r, P, 3, j, o);
        if (!s) ok = false;
        else if (s.kind === 'carry') carries.add(s.j);
        if (carries.size >= bestCarries) ok = false;   // can no longer beat the best rotation
      }
    }
    if (ok && carries.size < bestCarries) { best = r; bestCarries = carries.size; }
  }
  return best === 0 ? run : { start: start + best, period: P, iters: run.iters - 1 };
}

/** How operand o of body equation j reads: see the header. */
export type Src =
  | { kind: 'internal'; j: number }
  | { kind: 'carry'; j: number; init: number }
  | { kind: 'const'; v: number }
  | { kind: 'xs'; vs: number[] };

export interface Fit extends Run { srcs: Src[][] }

/** the run (or its longest prefix of whole iterations) whose operands classify consistently, or null */
function fitRun(g: Graph, made: Int32Array, run: Run): Fit | null {
  const { start, period: P } = run;
  const guarded = new Set(g.guards.map((gd) => gd.v)), tape = g.tape;
  if (guarded.size) for (let k = start; k < start + P * run.iters; k++) if (guarded.has(tape.out(k))) return null;
  const srcs: Src[][] = [];
  for (let j = 0; j < P; j++) {
    if (isOpaque(tape.op(start + j))) return null;
    const row: Src[] = [];
    for (let o = 0, m = tape.nIns(start + j); o < m; o++) {
      const s = classify(g, made, start, P, run.iters, j, o);
      // a carry's start and the xs values are made before the run
      if (!s || (s.kind === 'carry' && made[s.init] > start) || (s.kind === 'xs' && !allBefore(made, s.vs, start))) return null;
      row.push(s);
    }
    srcs.push(row);
  }
  return oneRoleEach(g, made, srcs) ? { ...run, srcs } : null;
}

/** whether every variable of vs is made before equation `start` (or is no equation's) */
function allBefore(made: Int32Array, vs: readonly number[], start: number): boolean {
  for (let t = 0; t < vs.length; t++) if (made[vs[t]] > start) return false;
  return true;
}

/**
 * Each value enters the loop in one role only (a carry's start that is also a loop constant would
 * sum its cotangent in another order than the unrolled program). Roles: −1 loop constant, −2 xs,
 * j ≥ 0 the start of the carry at offset j; constants have no cotangent and may take several.
 */
function oneRoleEach(g: Graph, made: Int32Array, srcs: readonly Src[][]): boolean {
  const role = new Map<number, number>();
  const claim = (v: number, r: number): boolean => {
    if (made[v] === 0 && g.consts.has(v)) return true;
    const had = role.get(v);
    if (had !== undefined && had !== r) return false;
    role.set(v, r);
    return true;
  };
  for (const row of srcs) {
    for (const s of row) {
      if (s.kind === 'const' ? !claim(s.v, -1) : s.kind === 'carry' ? !claim(s.init, s.j) : s.kind === 'xs' && !s.vs.every((v) => claim(v, -2))) return false;
    }
  }
  return true;
}

/** operand o of the run's equation j in iteration t, and its producer's position relative to the run (negative: before it) */
const operandAt = (tape: Tape, start: number, P: number, t: number, j: number, o: number) => tape.in(start + t * P + j, o);
const posAt = (tape: Tape, made: Int32Array, start: number, P: number, t: number, j: number, o: number) =>
  made[tape.in(start + t * P + j, o)] - 1 - start;

function classify(g: Graph, made: Int32Array, start: number, P: number, iters: number, j: number, o: number): Src | null {
  const tape = g.tape;
  // internal: made earlier in the same iteration, at the same offset each time
  const v0 = operandAt(tape, start, P, 0, j, o), j0 = made[v0] - 1 - start;
  let t = 1;
  if (j0 >= 0 && j0 < j) {
    while (t < iters && posAt(tape, made, start, P, t, j, o) === t * P + j0) t++;
    if (t === iters) return { kind: 'internal', j: j0 };
  }
  // carry: made in the previous iteration at one offset (from the second iteration on)
  const jc = posAt(tape, made, start, P, 1, j, o);
  if (jc >= 0 && jc < P) {
    for (t = 2; t < iters && posAt(tape, made, start, P, t, j, o) === (t - 1) * P + jc;) t++;
    if (t === iters) return { kind: 'carry', j: jc, init: v0 };
  }
  if (j0 < 0) {
    for (t = 1; t < iters && operandAt(tape, start, P, t, j, o) === v0;) t++;
    if (t === iters) return { kind: 'const', v: v0 };
  }
  for (t = 0; t < iters && posAt(tape, made, start, P, t, j, o) < 0;) t++;
  if (t !== iters) return null;
  const vs = new Array<number>(iters);
  for (t = 0; t < iters; t++) vs[t] = operandAt(tape, start, P, t, j, o);
  return { kind: 'xs', vs };
}
