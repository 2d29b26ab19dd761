// What an op is, as the core sees it (graphs hold equations of ops). Op definitions live in
// src/ops/, one file each, built with src/ops/op.ts's defineOp (which checks their rules).
import type { Shape } from './shape.js';
import type { Tensor } from './tensor.js';
import type { Graph } from './graph.js';

/** What a VJP/JVP rule sees: primal inputs and output (tensors, possibly tracers) and attributes. */
export interface RuleCtx<A> {
  readonly ins: readonly Tensor[];
  readonly out: Tensor;
  readonly attrs: A;
  /** what vjpForward saved for the reverse sweep (ops that define it) */
  readonly saved?: unknown;
}

/** Domain for the generated rule tests: inputs are drawn from [lo, hi]; kinks are tested on both sides. */
export interface TestSpec {
  domain?: readonly (readonly [number, number])[] | readonly [number, number];
  kinks?: readonly number[];
  /** shapes to test (a list of input-shape lists); default: a set derived from the op kind */
  shapes?: readonly (readonly Shape[])[];
  attrs?: readonly unknown[];
  /** skip finite-difference checks (ops with zero derivative a.e. are still checked for zeros) */
  integerInputs?: readonly number[];
  rtol?: number;
  /** rules depend on user code: tested by this test file instead of the generated rule tests */
  coveredBy?: string;
  /**
   * matrix inputs drawn with a structure (last two axes; null: as drawn): 'spd' symmetric positive
   * definite, 'dominant' diagonally dominant (well conditioned, also its triangles)
   */
  structure?: readonly ('spd' | 'dominant' | null)[];
  /** absolute tolerance of the value check, relative to the output's largest magnitude (factorizations) */
  valueAtol?: number;
}

/** Native kernel families (the addon's dispatch groups). */
export type Family = 'unary' | 'binary' | 'ternary' | 'reduce' | 'matmul' | 'layout' | 'gather' | 'linalg' | 'none';

/** A primitive: everything about it sits in its own file (DESIGN §3). */
export interface OpDef<A = any> {
  readonly name: string;
  readonly family: Family;
  /** number of tensor inputs; -1 for variadic */
  readonly arity: number;
  shape(inShapes: readonly Shape[], attrs: A): Shape;
  /** TS reference kernel: fresh output buffer, row-major */
  kernel(ins: readonly Float64Array[], inShapes: readonly Shape[], outShape: Shape, attrs: A): Float64Array;
  /** cotangents for each input (null = structurally zero); only inputs with needs[i] are required */
  vjp?(g: Tensor, ctx: RuleCtx<A>, needs: readonly boolean[]): (Tensor | null)[];
  /** output tangent from input tangents (null = zero) */
  jvp?(tangents: readonly (Tensor | null)[], ctx: RuleCtx<A>): Tensor | null;
  /**
   * reverse mode of a multi-output op (its outputs packed, read by `part` equations): one
   * cotangent per output (null = structurally zero) instead of one for the packed value. It also
   * receives each input's cotangent summed so far (`pending`, null = none) and returns the new
   * sums, so that a loop continues the reverse sweep's left-to-right sum exactly as the unrolled
   * program would (the same bits)
   */
  vjpParts?(cts: readonly (Tensor | null)[], ctx: RuleCtx<A>, needs: readonly boolean[], pending: readonly (Tensor | null)[]): (Tensor | null)[];
  /**
   * the forward equation as reverse mode emits it, when the reverse sweep needs values the plain
   * op does not keep (a loop's per-iteration residuals): `out` stands for the op's output,
   * `saved` reaches the vjp rule as ctx.saved
   */
  vjpForward?(ins: readonly Tensor[], attrs: A, needs: readonly boolean[]): { out: Tensor; saved: unknown };
  /** output and output tangent in one go (a loop run once for both instead of twice) */
  jvpJoint?(ins: readonly Tensor[], tangents: readonly (Tensor | null)[], attrs: A): [Tensor, Tensor | null];
  /**
   * a multi-output op with a fixed structure (linear algebra factorizations): the shapes of its
   * outputs, packed back to back in its value and read by `part` equations (ops/part.ts unpack)
   */
  parts?(inShapes: readonly Shape[], attrs: A): Shape[];
  /** graphs held in the attributes (loop bodies), printed under the equation by show */
  subgraphs?(attrs: A): readonly { name: string; graph: Graph }[];
  /**
   * batching rule for a leading direction axis (jacobian, hessian): ins[i] has shape [N, ...] where
   * batched[i]; returns the batched output [N, ...out]. Elementwise ops and reductions get it generically.
   */
  batch?(ins: readonly Tensor[], batched: readonly boolean[], attrs: A): Tensor;
  /**
   * inside a recording, this op on a constant stays a recorded equation when it holds (given the
   * input and output sizes) instead of materializing a new constant: broadcastTo (it only
   * enlarges), transpose (the planner reads it in place). The single value of a size-1 input passes
   * through unchanged, which lets elementwise ops use the constant itself.
   */
  readonly recordConst?: (inSize: number, outSize: number) => boolean;
  /** algebraic shortcut applied before recording (x·1 → x); must not change values */
  simplify?(ins: readonly Tensor[], attrs: A): Tensor | undefined;
  /** scalar formula of an elementwise op (the TS kernel and fused tiles are built from it) */
  readonly scalar?: (...x: number[]) => number;
  /** identity of the attributes for trace signatures (default: JSON of attrs) */
  attrKey?(attrs: A): string;
  /** attributes as printed by show */
  fmtAttrs?(attrs: A): string;
  readonly test?: TestSpec;
  /** zero derivative everywhere (comparisons, stopGradient): rules return no cotangent */
  readonly nondiff?: boolean;
  /** linear in these inputs (the others are not differentiated): its JVP is the op applied to their tangents */
  readonly linear?: readonly number[];
  /**
   * the addon's attribute words for this op (layout: nativeLayout; loops encode their bodies in
   * src/backends/native/encode-loops.ts); fold[i]: operand i's last two axes are read swapped
   * (a transpose the encoder folded into a matmul). Absent: no attribute words.
   */
  nativeAttrs?(attrs: A, fold: readonly boolean[]): number[];
  /** what nativeAttrs' words are (copied into native/generated/ops.h and the decoder's messages) */
  readonly nativeLayout?: string;
  /** made by the planner only (fused chains, transposed matmuls): never differentiated or batched */
  readonly plannerOnly?: boolean;
  /** assigned by the registry */
  id: number;
}

