// fused: a chain of elementwise equations over one shape, run as ONE loop (planner output only;
// never differentiated). Operands are full-shape arrays, scalars, or arrays broadcast to the shape
// (read in place by index arithmetic); intermediates live in locals. A chain may end in sums of
// its registers over all elements (a reduction epilogue, in the canonical order of reduce.ts).
import type { Shape } from '../core/shape.js';
import { sizeOf } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { fusedLoop } from './fused-loop.js';

export interface FusedInstr { readonly op: OpDef; readonly args: readonly number[] }
export interface FusedAttrs {
  readonly shape: Shape;
  /** per external input: true when it is a scalar (size 1) broadcast over the shape */
  readonly scalarIn: readonly boolean[];
  /** per external input: true when it has another shape, broadcast to the chain's (NumPy rules) */
  readonly broadcastIn?: readonly boolean[];
  /** registers: 0..nIn−1 are the inputs, nIn + k is the result of code[k] */
  readonly code: readonly FusedInstr[];
  /** registers written out, in order; with several, the output is [outs.length, ...shape] */
  readonly outs: readonly number[];
  /**
   * registers (instruction results) whose sum over the chain's elements is a result too, in the
   * order of `sum` over all axes; with any, the output is flat: [outs.length · size + sums.length]
   */
  readonly sums?: readonly number[];
}

/** the attribute words' input modes: 0 full shape, 1 scalar, 2 broadcast */
const modeOf = (a: FusedAttrs, i: number) => (a.scalarIn[i] ? 1 : a.broadcastIn?.[i] ? 2 : 0);

export const fusedOp: OpDef<FusedAttrs> = defineOp<FusedAttrs>({
  name: 'fused',
  plannerOnly: true,
  family: 'none',
  nativeAttrs: (a) => [a.scalarIn.length, ...a.scalarIn.map((_, i) => modeOf(a, i)), a.code.length,
    ...a.code.flatMap((c) => [c.op.id, c.args.length, ...c.args]), a.outs.length, ...a.outs,
    a.sums?.length ?? 0, ...(a.sums ?? []), a.shape.length, ...a.shape],
  nativeLayout: 'nin mode[nin] ncode (op nargs args[nargs])[ncode] nouts outs[nouts] nsums sums[nsums] rank dims[rank]',
  arity: -1,
  shape: (_, a) => (a.sums?.length ? [a.outs.length * sizeOf(a.shape) + a.sums.length]
    : a.outs.length === 1 ? a.shape : [a.outs.length, ...a.shape]),
  kernel: (ins, shapes, _o, a) => fusedLoop(a, shapes)(ins),
  fmtAttrs: (a) => `{ ${a.code.map((c, k) => `r${a.scalarIn.length + k} = ${c.op.name} ${c.args.map((r) => `r${r}`).join(' ')}`).join('; ')} } → ${a.outs.map((r) => `r${r}`).join(' ')}${a.sums?.length ? `${a.outs.length ? ' ' : ''}${a.sums.map((r) => `Σr${r}`).join(' ')}` : ''}`,
  test: { coveredBy: 'test/fuse.test.ts' },
});
