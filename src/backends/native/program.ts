// A Graph's native program: encoded once (cached per Graph object), decoded and validated once by
// the addon, then one addon call per evaluation. Addon refusals become ERR_NATIVE errors that
// quote the equation.
import type { Eqn, Graph } from '../../core/graph.js';
import { fail } from '../../core/errors.js';
import { fmtShape, sizeOf } from '../../core/shape.js';
import { encodeGraph } from './encode.js';
import { tsPlan } from '../../program/plan.js';
import type { Addon, AddonProgram } from './loader.js';

/** names of the addon's status codes (native/src/common.h) */
export const STATUS = ['ok', 'format', 'op', 'operand', 'shape', 'attr', 'memory', 'const', 'alloc', 'args', 'index', 'busy'];

export class NativeProgram {
  private readonly prog: AddonProgram;
  private readonly eqnOf: Eqn[];
  private readonly outSizes: number[];
  /** what the Graph looked like when encoded (a Graph whose equations or outputs change is re-encoded) */
  readonly stamp: string;

  /** `graph` as given; `planned` (fused elementwise chains, folded transposes) is what runs */
  readonly planned: Graph;

  constructor(addon: Addon, readonly graph: Graph, plan = true) {
    this.planned = plan ? tsPlan(graph) : graph;
    const { enc, consts, eqnOf } = encodeGraph(this.planned);
    this.eqnOf = eqnOf;
    this.stamp = stampOf(graph);
    this.outSizes = graph.outputs.map((v) => sizeOf(graph.shapes[v]));
    this.prog = new addon.Program(enc, consts);
    const err = this.prog.error();
    if (err) this.raise(err, 'refused the program');
  }

  run(inputs: readonly Float64Array[], outputs?: Float64Array[]): Float64Array[] {
    const outs = outputs ?? this.outSizes.map((n) => new Float64Array(n));
    if (this.prog.run(inputs as Float64Array[], outs) !== 0) this.raise(this.prog.error()!, 'failed');
    return outs;
  }

  info() { return this.prog.info(); }

  private raise(err: { status: number; instr: number; message: string }, what: string): never {
    const e = err.instr >= 0 ? this.eqnOf[err.instr] : undefined;
    // bad gather/scatter indices are the user's data: the same ERR_ARG the TS kernel raises
    if (err.status === STATUS.indexOf('index') && e) fail('ERR_ARG', e.op.name, err.message.slice(e.op.name.length + 2));
    const where = e ? ` at equation ${err.instr} (${describeEqn(this.planned, e)})` : '';
    return fail('ERR_NATIVE', 'native', `the addon ${what}${where}: ${err.message} [${STATUS[err.status] ?? err.status}]`);
  }
}

/** `%7 = mul %3 %6 : f64[1000]` with the operand shapes */
export function describeEqn(g: Graph, e: Eqn): string {
  const ins = e.ins.map((v) => `%${v}:${fmtShape(g.shapes[v])}`).join(' ');
  return `%${e.out} = ${e.op.name} ${ins} : ${fmtShape(g.shapes[e.out])}`;
}

const stampOf = (g: Graph) => `${g.eqns.length}/${g.nvars}/${g.outputs.join(',')}`;

const cache = new WeakMap<Graph, NativeProgram | string>();

/**
 * The cached program of a Graph (planned and encoded on first use), or null when the graph holds
 * an op that runs JS code (customCall, opaque), which only the TS interpreter can run.
 */
export function programFor(addon: Addon, g: Graph): NativeProgram | null {
  const c = cache.get(g);
  const stamp = stampOf(g);
  if (typeof c === 'string' && c === stamp) return null;
  if (c instanceof NativeProgram && c.stamp === stamp) return c;
  if (g.eqns.some((e) => e.op.family === 'none' && e.op.name !== 'fused')) { cache.set(g, stamp); return null; }
  const p = new NativeProgram(addon, g);
  cache.set(g, p);
  return p;
}
