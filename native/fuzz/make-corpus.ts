// Writes the fuzz seed corpus (native/fuzz/corpus): encodings of random programs from the property
// generator (test/support/programs.ts) and of the loop programs (test/native/loop-programs.ts) —
// forward and gradient graphs, planned as the native backend runs them — in the fuzz input layout:
// u32 nconst | f64 consts | i32 words.
//   npx tsx native/fuzz/make-corpus.ts [count=96] [dir=native/fuzz/corpus]
import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as w from '../../src/index.js';
import { traceFunction } from '../../src/transforms/trace-fn.js';
import { vjpGraph } from '../../src/transforms/vjp.js';
import { tsPlan } from '../../src/plan/plan.js';
import { encodeGraph } from '../../src/backends/native/encode.js';
import { reroll } from '../../src/plan/reroll.js';
import { runsJs } from '../../src/backends/native/programs.js';
import type { Graph } from '../../src/core/graph.js';
import { specArb, build } from '../../test/support/programs.js';
import { LOOP_PROGRAMS } from '../../test/native/loop-programs.js';

export function fuzzInput(enc: Int32Array, consts: Float64Array): Buffer {
  const b = Buffer.alloc(4 + consts.length * 8 + enc.length * 4);
  b.writeUInt32LE(consts.length, 0);
  Buffer.from(consts.buffer, consts.byteOffset, consts.byteLength).copy(b, 4);
  Buffer.from(enc.buffer, enc.byteOffset, enc.byteLength).copy(b, 4 + consts.length * 8);
  return b;
}

const count = Number(process.argv[2] ?? 96);
const dir = process.argv[3] ?? 'native/fuzz/corpus';
mkdirSync(dir, { recursive: true });
let n = 0;
const seed = (graph: Graph) => {
  const g = reroll(graph).graph;
  for (const h of [g, vjpGraph(g, g.inputs.map((_, i) => i), ['ones'])]) {
    const p = tsPlan(h);
    if (p.eqns.some(runsJs)) continue;
    const { enc, consts } = encodeGraph(p);
    const data = fuzzInput(enc, consts);
    writeFileSync(`${dir}/${createHash('sha1').update(data).digest('hex').slice(0, 16)}`, data);
    n++;
  }
};
for (const spec of fc.sample(specArb({ maxSteps: 10 }), { numRuns: count, seed: 42 })) {
  const b = build(spec);
  seed(traceFunction((...xs: w.Tensor[]) => b.scalar(...xs), b.leaves(), 'corpus').graph);
}
for (const p of LOOP_PROGRAMS) seed(traceFunction(p.f, p.args, 'corpus').graph);
console.log(`wrote ${n} seeds to ${dir}`);
