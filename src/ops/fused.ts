// fused: a chain of elementwise equations over one shape, run as ONE loop (planner output only;
// never differentiated). Operands are full-shape arrays or scalars; intermediates live in locals.
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';

export interface FusedInstr { readonly op: OpDef; readonly args: readonly number[] }
export interface FusedAttrs {
  readonly shape: Shape;
  /** per external input: true when it is a scalar (size 1) broadcast over the shape */
  readonly scalarIn: readonly boolean[];
  /** registers: 0..nIn−1 are the inputs, nIn + k is the result of code[k] */
  readonly code: readonly FusedInstr[];
  /** registers written out, in order; with several, the output is [outs.length, ...shape] */
  readonly outs: readonly number[];
}

export const fusedOp: OpDef<FusedAttrs> = defineOp<FusedAttrs>({
  name: 'fused',
  plannerOnly: true,
  family: 'none',
  nativeAttrs: ({ scalarIn, code, outs }) => [scalarIn.length, ...scalarIn.map(Number), code.length,
    ...code.flatMap((c) => [c.op.id, c.args.length, ...c.args]), outs.length, ...outs],
  nativeLayout: 'nin scalarIn[nin] ncode (op nargs args[nargs])[ncode] nouts outs[nouts]',
  arity: -1,
  shape: (_, a) => (a.outs.length === 1 ? a.shape : [a.outs.length, ...a.shape]),
  kernel: (ins, _s, _o, a) => loopOf(a)(ins, sizeOf(a.shape)),
  fmtAttrs: (a) => `{ ${a.code.map((c, k) => `r${a.scalarIn.length + k} = ${c.op.name} ${c.args.map((r) => `r${r}`).join(' ')}`).join('; ')} } → ${a.outs.map((r) => `r${r}`).join(' ')}`,
  test: { coveredBy: 'test/fuse.test.ts' },
});

type Loop = (ins: readonly Float64Array[], n: number) => Float64Array;
const loops = new WeakMap<FusedAttrs, Loop>();
const byKey = new Map<string, (...fs: Function[]) => Loop>();

/** One generated JS loop per distinct fused program (each gets its own type feedback in V8). */
function loopOf(a: FusedAttrs): Loop {
  let loop = loops.get(a);
  if (loop) return loop;
  const nIn = a.scalarIn.length;
  const fs = a.code.map((c) => c.op.scalar!);
  const key = `${a.scalarIn.map(Number).join('')}|${a.code.map((c) => `${c.op.id}(${c.args})`).join(';')}|${a.outs}`;
  let make = byKey.get(key);
  if (!make) {
    const reg = (r: number) => (r < nIn ? (a.scalarIn[r] ? `s${r}` : `x${r}[i]`) : `r${r}`);
    const src = `/* fused ${key} */ return function fusedLoop(ins, n) {
      const out = new Float64Array(n * ${a.outs.length});
      ${a.scalarIn.map((s, r) => (s ? `const s${r} = ins[${r}][0];` : `const x${r} = ins[${r}];`)).join(' ')}
      for (let i = 0; i < n; i++) {
        ${a.code.map((c, k) => `const r${nIn + k} = f${k}(${c.args.map(reg).join(', ')});`).join('\n        ')}
        ${a.outs.map((r, j) => `out[${j === 0 ? 'i' : `${j} * n + i`}] = ${reg(r)};`).join(' ')}
      }
      return out;
    };`;
    make = new Function(...fs.map((_, k) => `f${k}`), src) as (...fs: Function[]) => Loop;
    if (byKey.size >= 4096) byKey.clear(); // bounded: a dropped loop is only generated again
    byKey.set(key, make);
  }
  loop = make(...fs);
  loops.set(a, loop);
  return loop;
}
