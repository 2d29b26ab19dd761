// Loop instructions trust nothing either: corrupted words anywhere in a loop instruction — its
// counts, trip count, maxIterations, a body's length, any word of a body's own encoding at any
// depth — come back as error values or as a correct run, never a crash; nesting is bounded; a
// body that writes its pinned loop constants is refused.
import { it, expect } from 'vitest';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { reroll } from '../../src/plan/reroll.js';
import { tsPlan } from '../../src/plan/plan.js';
import { interpret } from '../../src/backends/ts.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { sizeOf } from '../../src/core/shape.js';
import type { Graph } from '../../src/core/graph.js';
import type { Addon } from '../../src/backends/native/loader.js';
import { describeNative, rng, closeArrays, rawProgram } from './support.js';
import { parseEncoding, iterationBound, loopRanges } from './encoding.js';
import { LOOP_PROGRAMS } from './loop-programs.js';

type T = w.Tensor;
const INTERESTING = [-1, 0, 1, 2, 3, 4, 5, 7, 16, 17, 255, 65536, 2 ** 31 - 1, -(2 ** 31), 2 ** 30, -2, 1000];

interface Case { name: string; g: Graph; enc: Int32Array; consts: Float64Array; inputs: Float64Array[]; outSizes: number[] }

function caseOf(name: string, f: (...a: any[]) => T, args: unknown[], grad: boolean): Case {
  const tr = traceFunction(f, args, 'fuzz');
  const fwd = reroll(tr.graph).graph;
  const g = grad ? vjpGraph(fwd, fwd.inputs.map((_, i) => i), ['ones']) : fwd;
  const { enc, consts } = encodeGraph(tsPlan(g));
  return { name, g, enc, consts, inputs: tr.inputs.map((t: T) => t._data!), outSizes: g.outputs.map((v) => sizeOf(g.shapes[v])) };
}

/** decode; run only when its loops are bounded (a corrupted trip count or maxIterations may never end) */
function attempt(addon: Addon, c: Case, enc: Int32Array, consts: Float64Array): 'error' | 'ran' | 'run-error' | 'skipped' {
  const p = rawProgram(addon, enc, consts);
  const err = p.error();
  if (err) {
    expect(err.status).toBeGreaterThan(0);
    expect(err.message.length).toBeGreaterThan(0);
    return 'error';
  }
  const parsed = parseEncoding(enc);
  if (!parsed || iterationBound(enc, parsed) > 2e5 || p.info().memoryBytes > 1e8) { p.dispose(); return 'skipped'; }
  const st = p.run(c.inputs, c.outSizes.map((n) => new Float64Array(n)));
  p.dispose();
  return st === 0 ? 'ran' : 'run-error';
}

describeNative('corrupted loop encodings never crash the addon', (addon) => {
  const names = ['scan: pytree carries, xs and ys', 'scan: nested scans', 'whileLoop inside a scan body', 'scan inside a whileLoop body',
    'scan checkpoint sqrt reverse', 'rolled: W3 (RK4, 100 steps)', 'whileLoop: Newton square root', 'scan: 20-value carries read in place'];
  const cases = names.map((n) => LOOP_PROGRAMS.find((p) => p.name === n)!).flatMap((p) => [caseOf(p.name, p.f, p.args, true), caseOf(p.name, p.f, p.args, false)]);

  it('the valid encodings run and match the TS interpreter', () => {
    for (const c of cases) {
      const p = rawProgram(addon, c.enc, c.consts);
      expect(p.error(), c.name).toBeNull();
      const outs = c.outSizes.map((n) => new Float64Array(n));
      expect(p.run(c.inputs, outs), c.name).toBe(0);
      interpret(c.g, c.inputs).forEach((want, k) => expect(closeArrays(want, outs[k], 1e-12, 1e-14), c.name).toBeNull());
      p.dispose();
    }
  });

  it('12,000 corruptions of loop instructions (bodies at every depth) return errors or run, never crash', () => {
    const rand = rng(77);
    const counts = { error: 0, ran: 0, 'run-error': 0, skipped: 0 };
    for (let i = 0; i < 12000; i++) {
      const c = cases[i % cases.length];
      const ranges = loopRanges(parseEncoding(c.enc)!);
      const [a, b] = ranges[Math.floor(rand() * ranges.length)];
      const pos = a + Math.floor(rand() * (b - a));
      const e = c.enc.slice();
      const kind = Math.floor(rand() * 5);
      if (kind === 0) e[pos] = INTERESTING[Math.floor(rand() * INTERESTING.length)];
      else if (kind === 1) e[pos] += rand() < 0.5 ? 1 : -1;
      else if (kind === 2) e[pos] = (rand() * 2 ** 32) | 0;
      else if (kind === 3) { const q = a + Math.floor(rand() * (b - a)); [e[pos], e[q]] = [e[q], e[pos]]; }
      counts[attempt(addon, c, kind === 4 ? e.slice(0, pos) : e, c.consts)]++;
    }
    console.log('loop corruptions:', counts);
    expect(counts.error).toBeGreaterThan(9000);
    expect(counts.ran + counts['run-error'] + counts.skipped).toBeLessThan(3000);
  });

  it('constants of the wrong length, and bodies cut or grown, are refused', () => {
    for (const c of cases.slice(0, 6)) {
      if (c.consts.length) expect(attempt(addon, c, c.enc, c.consts.slice(0, c.consts.length - 1))).toBe('error');
      expect(attempt(addon, c, c.enc, Float64Array.of(...c.consts, 1))).toBe('error');
      for (const ins of parseEncoding(c.enc)!.instrs.filter((x) => x.bodies.length)) {
        const lenAt = ins.bodies[0].start - 1;
        for (const d of [-1, 1, 1000]) { const e = c.enc.slice(); e[lenAt] += d; expect(attempt(addon, c, e, c.consts)).toBe('error'); }
        const e = c.enc.slice(); e[ins.bodies[0].start] ^= 1;   // the body's magic
        expect(attempt(addon, c, e, c.consts)).toBe('error');
      }
    }
  });

  it('loops nest at most 16 deep', () => {
    const nest = (d: number) => (x: T): T => (d === 0 ? w.sin(x) : w.scan((c: T) => [nest(d - 1)(c), null], x, null, { length: 1 })[0] as T);
    const deep = caseOf('16', nest(16), [0.5], false), deeper = caseOf('17', nest(17), [0.5], false);
    const ok = rawProgram(addon, deep.enc, deep.consts);
    expect(ok.error()).toBeNull();
    const out = new Float64Array(1);
    expect(ok.run(deep.inputs, [out])).toBe(0);
    expect(out[0]).toBe(interpret(deep.g, deep.inputs)[0][0]);
    const p = rawProgram(addon, deeper.enc, deeper.consts);
    expect(p.error()?.message).toMatch(/loops nest deeper than 16/);
  });
});
