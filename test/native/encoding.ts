// A reader of the addon's encoding (layout: native/src/program.h, loops: native/src/decode_loops.cc)
// for the corruption tests: where each instruction and each loop body sits, and how many
// iterations a program's loops may run (a mutated encoding may hold a loop that never ends).
import { opByName } from '../../src/ops/registry.js';

const SCAN = opByName.get('scan')!.id, WHILE = opByName.get('whileLoop')!.id, WHILE_VJP = opByName.get('whileVjp')!.id;

export interface Instr { op: number; start: number; end: number; attrStart: number; bodies: Program[] }
export interface Program { start: number; end: number; instrs: Instr[] }

/** the program encoded in enc[start, end), or null when it does not parse */
export function parseEncoding(enc: Int32Array, start = 0, end = enc.length, depth = 0): Program | null {
  if (end - start < 10 || depth > 20) return null;
  const [nvars, nin, nconst, nout, ninstr] = [enc[start + 2], enc[start + 3], enc[start + 4], enc[start + 5], enc[start + 6]];
  if ([nvars, nin, nconst, nout, ninstr].some((n) => n < 0 || n > 1e6)) return null;
  let at = start + 10;
  for (let v = 0; v < nvars; v++) {
    const rank = enc[at + 2];
    if (!(rank >= 0 && rank <= 16)) return null;
    at += 3 + rank;
    if (at > end) return null;
  }
  at += nin + nconst + nout;
  const instrs: Instr[] = [];
  for (let i = 0; i < ninstr; i++) {
    const s = at, op = enc[at], n = enc[at + 1];
    if (!(n >= 0) || at + 4 + n > end) return null;
    const nattr = enc[at + 3 + n], attrStart = at + 4 + n;
    if (!(nattr >= 0) || attrStart + nattr > end) return null;
    at = attrStart + nattr;
    const bodies: Program[] = [];
    if (op === SCAN || op === WHILE || op === WHILE_VJP) {
      let p = attrStart + (op === WHILE_VJP ? 5 : 4);
      for (let k = 0; k < (op === SCAN ? 1 : op === WHILE ? 2 : 3); k++) {
        const len = enc[p];
        if (!(len >= 0) || p + 1 + len > at) return null;
        const b = parseEncoding(enc, p + 1, p + 1 + len, depth + 1);
        if (!b) return null;
        bodies.push(b);
        p += 1 + len;
      }
    }
    instrs.push({ op, start: s, end: at, attrStart, bodies });
  }
  return { start, end, instrs };
}

/** iterations the program's loops may run at most (trip counts multiplied through the nesting); Infinity when unbounded */
export function iterationBound(enc: Int32Array, p: Program): number {
  let total = 1;
  for (const ins of p.instrs) {
    if (!ins.bodies.length) continue;
    const a = ins.attrStart;
    const trips = ins.op === SCAN ? enc[a + 2] : enc[a + 1] === 1 ? enc[a + 2] * 2 ** 31 + enc[a + 3] : Infinity;
    total += (Math.max(trips, 0) + 1) * (1 + ins.bodies.reduce((s, b) => s + iterationBound(enc, b), 0));
  }
  return total;
}

/** [start, end) word ranges of every loop instruction, nested ones included */
export function loopRanges(p: Program): [number, number][] {
  return p.instrs.flatMap((i) => (i.bodies.length ? [[i.start, i.end] as [number, number], ...i.bodies.flatMap(loopRanges)] : []));
}
