// customVjp, customJvp and opaque: derivative rules supplied by the user, never guessed.
import { Tensor, asTensor, type TensorLike } from '../core/tensor.js';
import { fail, describe } from '../core/errors.js';
import { fmtShape, sameShape } from '../core/shape.js';
import { flatten, mapTree } from '../core/pytree.js';
import type { Graph } from '../core/graph.js';
import type { MapLeaves } from '../core/types.js';
import { apply } from '../core/trace.js';
import { customCallOp, type CustomAttrs, type UserRules } from '../ops/customCall.js';
import { opaqueOp, type OpaqueAttrs } from '../ops/opaque.js';
import type { CustomHooks } from '../ops/hooks.js';
import type { OpDef, RuleCtx } from '../ops/op.js';
import { broadcastTo } from '../ops/broadcastTo.js';
import { stack, at } from '../ops/composites.js';
import { traceFunction } from './trace-fn.js';
import { vjpGraph } from './vjp.js';
import { jvpGraph } from './jvp.js';
import { batchGraph } from './batch.js';
import { evalGraph } from '../core/eval.js';
import { signature, keyText } from '../core/signature.js';

type Fn = (...args: any[]) => any;
/** what a rule receives for f's arguments: the same trees, every leaf a Tensor */
export type RuleInputs<F extends Fn> = MapLeaves<Parameters<F>, Tensor>;
/** a reverse-mode rule: one cotangent per argument of f (a tree mirroring it, or null for none) */
export type VjpRule<I = Tensor[]> = (cotangent: Tensor, ctx: { inputs: I; output: Tensor }) => readonly unknown[];
/** a forward-mode rule: the output tangent from the arguments' tangents (trees of Tensors, zeros where none) */
export type JvpRule<I = Tensor[]> = (tangents: I, ctx: { inputs: I; output: Tensor }) => TensorLike;
const CUSTOM = Symbol('wengert.custom');
let nextId = 1;

/** customVjp(f, { vjp }): f's value, with `vjp(cotangent, { inputs, output }) → [cotangent per input]` as its reverse-mode rule. */
export function customVjp<F extends Fn>(f: F, opts: { vjp: VjpRule<RuleInputs<F>>; name?: string }): F {
  if (typeof opts?.vjp !== 'function') fail('ERR_ARG', 'customVjp', `expected { vjp: function } but received ${describe(opts?.vjp)}`);
  return makeCustom(f, { vjp: opts.vjp as UserRules['vjp'] }, opts.name, 'customVjp');
}

/** customJvp(f, { jvp }): f's value, with `jvp(tangents, { inputs, output }) → outputTangent` as its forward-mode rule. */
export function customJvp<F extends Fn>(f: F, opts: { jvp: JvpRule<RuleInputs<F>>; name?: string }): F {
  if (typeof opts?.jvp !== 'function') fail('ERR_ARG', 'customJvp', `expected { jvp: function } but received ${describe(opts?.jvp)}`);
  return makeCustom(f, { jvp: opts.jvp as UserRules['jvp'] }, opts.name, 'customJvp');
}

function makeCustom<F extends Fn>(f: F, add: Partial<UserRules>, name: string | undefined, api: string): F {
  if (typeof f !== 'function') fail('ERR_ARG', api, `expected a function but received ${describe(f)}`);
  // a function can have both rules: customJvp(customVjp(f, …), …) merges them
  const base = (f as any)[CUSTOM] as { f: Fn; rules: UserRules } | undefined;
  const inner = base?.f ?? f;
  const rules: UserRules = { name: name ?? base?.rules.name ?? (inner.name || api), vjp: add.vjp ?? base?.rules.vjp, jvp: add.jvp ?? base?.rules.jvp };
  const id = nextId++;
  const wrapper = (...args: unknown[]) => {
    const flat = args.map((a) => flatten(a));
    const leaves = flat.flatMap((x) => x.leaves);
    // not under a transformation: just f, with every leaf as a Tensor (as inside transformations)
    if (leaves.every((t) => t._data)) return inner(...flat.map((x) => mapTree(x.def, (j) => x.leaves[j])));
    const tr = traceFunction(inner, args, rules.name);
    if (tr.inputs.length > leaves.length) fail('ERR_ARG', rules.name, 'the function closes over a traced value; pass it as an argument so that its rule can see it');
    if (tr.outDef.t !== 'leaf') fail('ERR_ARG', rules.name, `${api} functions must return one tensor, but this one returned a ${tr.outDef.t}`);
    const body = tr.graph;
    const attrs: CustomAttrs = {
      rules, body, key: `custom#${id}#${keyText(signature(body))}`,
      unflattenArgs: (ts) => tr.argDefs.map((d, a) => mapTree(d, (j) => ts[tr.argRanges[a][0] + j])),
    };
    return apply(customCallOp, leaves, attrs);
  };
  Object.defineProperty(wrapper, CUSTOM, { value: { f: inner, rules } });
  Object.defineProperty(wrapper, 'name', { value: rules.name });
  return wrapper as F;
}

/** opaque(fn, { shape, vjp?, jvp?, name? }): plain JS code as one op; its derivatives only from the rules given. */
export function opaque(fn: OpaqueAttrs['fn'], opts: { shape: OpaqueAttrs['shapeFn']; vjp?: VjpRule; jvp?: JvpRule; name?: string }): (...xs: TensorLike[]) => Tensor {
  if (typeof fn !== 'function') fail('ERR_ARG', 'opaque', `expected a function but received ${describe(fn)}`);
  if (typeof opts?.shape !== 'function') fail('ERR_ARG', 'opaque', `expected { shape: (...inputShapes) => outputShape } but received ${describe(opts?.shape)}`);
  for (const k of ['vjp', 'jvp'] as const) if (opts[k] !== undefined && typeof opts[k] !== 'function') fail('ERR_ARG', 'opaque', `expected ${k} to be a function but received ${describe(opts[k])}`);
  const name = opts.name ?? (fn.name || 'opaque');
  const attrs: OpaqueAttrs = { rules: { name, vjp: opts.vjp as UserRules['vjp'], jvp: opts.jvp as UserRules['jvp'] }, fn, shapeFn: opts.shape, key: `opaque#${nextId++}` };
  const wrapper = (...xs: TensorLike[]) => apply(opaqueOp, xs.map((x) => asTensor(x, name)), attrs);
  Object.defineProperty(wrapper, 'name', { value: name });
  return wrapper;
}

// ---- the rules of customCall and opaque ------------------------------------------------------
type Attrs = Partial<CustomAttrs> & { rules: UserRules };
const userInputs = (a: Attrs, ins: readonly (Tensor | null)[]) => (a.unflattenArgs ? a.unflattenArgs(ins) : [...ins]);
const zerosOf = (ins: readonly Tensor[]) => ins.map((t) => broadcastTo(0, [...t.shape]));

const customVjpRule: CustomHooks['customVjp'] = (g, { ins, out, attrs }: RuleCtx<Attrs>) => {
  const { rules } = attrs;
  if (rules.vjp) return checkCotangents(rules.name, rules.vjp(g, { inputs: userInputs(attrs, ins), output: out }), attrs, ins);
  if (rules.jvp) return transposeJvp(rules.jvp, attrs, ins, out, g);
  if (attrs.body) return evalGraph(vjpGraph(attrs.body, ins.map((_, i) => i), ['input']), [...ins, g]).slice(1);
  return fail('ERR_NO_RULE', rules.name, `opaque function '${rules.name}' has no derivative rule for reverse mode (grad, vjp, reverse jacobian); ` +
    `supply one: w.opaque(fn, { shape, vjp: (cotangent, { inputs, output }) => [cotangent per input] }) — or a jvp rule, which reverse mode transposes`);
};

const customJvpRule: CustomHooks['customJvp'] = (ts, { ins, out, attrs }: RuleCtx<Attrs>) => {
  const { rules } = attrs;
  if (rules.jvp) {
    const tangents = userInputs(attrs, ts.map((t, i) => t ?? broadcastTo(0, [...ins[i].shape])));
    const r = rules.jvp(tangents, { inputs: userInputs(attrs, ins), output: out });
    return checkTangent(rules.name, r, out);
  }
  if (attrs.body) {
    const live = ts.flatMap((t, i) => (t ? [i] : []));
    return evalGraph(jvpGraph(attrs.body, live), [...ins, ...live.map((i) => ts[i]!)])[1];
  }
  return fail('ERR_NO_RULE', rules.name, `opaque function '${rules.name}' has no derivative rule for forward mode (jvp, derivative, forward jacobian, hessian); ` +
    `supply one: w.opaque(fn, { shape, jvp: (tangents, { inputs, output }) => outputTangent })`);
};

const inlineBatched: CustomHooks['inlineBatched'] = (body: Graph, ins, batched) => evalGraph(batchGraph(body, batched, ins[batched.indexOf(true)].shape[0]), ins)[0];

// an opaque op sees one direction at a time
const mapBatched: CustomHooks['mapBatched'] = (op: OpDef, attrs, ins, batched) => {
  const n = ins[batched.indexOf(true)].shape[0];
  return stack(Array.from({ length: n }, (_, k) => apply(op, ins.map((x, i) => (batched[i] ? at(x, k) : x)), attrs)));
};

/** Reverse mode through a jvp-only rule: the vjp of the linear map tangents ↦ jvp(tangents) at zero tangents. */
function transposeJvp(rule: NonNullable<UserRules['jvp']>, attrs: Attrs, ins: readonly Tensor[], out: Tensor, g: Tensor): (Tensor | null)[] {
  const inputs = userInputs(attrs, ins);
  const lin = (...ts: Tensor[]) => checkTangent(attrs.rules.name, rule(userInputs(attrs, ts), { inputs, output: out }), out);
  const tr = traceFunction(lin, zerosOf(ins), attrs.rules.name);
  return evalGraph(vjpGraph(tr.graph, ins.map((_, i) => i), ['input']), [...tr.inputs, g]).slice(1);
}

function checkTangent(name: string, r: unknown, out: Tensor): Tensor {
  if (!(r instanceof Tensor) && typeof r !== 'number') fail('ERR_RULE', name, `the jvp rule must return a Tensor (the output tangent) but returned ${describe(r)}`);
  const t = asTensor(r);
  if (!sameShape(t.shape, out.shape)) {
    if (t.size === 1 && out.size === 1) return broadcastTo(t, [...out.shape]);
    fail('ERR_RULE', name, `the jvp rule returned a tangent of shape ${fmtShape(t.shape)}, expected ${fmtShape(out.shape)} (the output's shape)`);
  }
  return t;
}

/** A vjp rule's result: one cotangent per input, each mirroring that input's structure and shapes. */
function checkCotangents(name: string, res: unknown, attrs: Attrs, ins: readonly Tensor[]): (Tensor | null)[] {
  const inputs = userInputs(attrs, ins);
  if (!Array.isArray(res)) fail('ERR_RULE', name, `the vjp rule must return an array with one cotangent per input (${inputs.length}) but returned ${describe(res)}`);
  const arr = res as unknown[];
  if (arr.length !== inputs.length) fail('ERR_RULE', name, `the vjp rule returned ${arr.length} cotangent(s) for ${inputs.length} input(s)`);
  const outList: (Tensor | null)[] = [];
  arr.forEach((c, a) => {
    const want = flatten(inputs[a]).leaves;
    if (c === null || c === undefined) { want.forEach(() => outList.push(null)); return; }
    const got = want.length === 1 && (c instanceof Tensor || typeof c === 'number') ? [c] : flattenLoose(c);
    if (got.length !== want.length) fail('ERR_RULE', name, `cotangent ${a} has ${got.length} leaves, expected ${want.length} (the structure of input ${a})`);
    got.forEach((leaf, j) => {
      if (!(leaf instanceof Tensor) && typeof leaf !== 'number') fail('ERR_RULE', name, `cotangent ${a}${got.length > 1 ? ` leaf ${j}` : ''} must be a Tensor but is ${describe(leaf)}`);
      const t = asTensor(leaf);
      if (!sameShape(t.shape, want[j].shape)) fail('ERR_RULE', name, `cotangent ${a}${got.length > 1 ? ` leaf ${j}` : ''} has shape ${fmtShape(t.shape)}, expected ${fmtShape(want[j].shape)}`);
      outList.push(t);
    });
  });
  return outList;
}

/** Leaves of a cotangent tree, keeping non-numeric leaves so they can be reported. */
function flattenLoose(x: unknown): unknown[] {
  if (x instanceof Tensor || typeof x === 'number' || x === null || typeof x !== 'object') return [x];
  return Object.values(x as object).flatMap(flattenLoose);
}

/** the rules the ops call through src/ops/hooks.ts (installed by src/wiring.ts) */
export const customRules = { customVjp: customVjpRule, customJvp: customJvpRule, inlineBatched, mapBatched };
