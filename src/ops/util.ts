// Helpers shared by derivative rules: written with wengert ops, so they record like user code.
import { Tensor, asTensor, type TensorLike } from '../core/tensor.js';
import { sameShape, type Shape } from '../core/shape.js';
import { apply } from '../core/trace.js';
import { cmulOp } from './cmul.js';
import { add } from './add.js';
import { sum } from './sum.js';
import { reshape } from './reshape.js';
import { broadcastTo } from './broadcastTo.js';

/** g ⊙ p with a zero g giving exactly 0 (NaN-safe accumulation, DESIGN §4). */
export const cmul = (g: TensorLike, p: TensorLike): Tensor => apply(cmulOp, [asTensor(g), asTensor(p)]);

/** Sum a broadcast cotangent back to the input's shape. */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const s = axes.length ? sum(g, axes) : g;
  return sameShape(s.shape, shape) ? s : reshape(s, [...shape]);
}

/** Sum of the non-null terms (null when all are structurally zero), broadcast to `shape`. */
export function addAll(terms: readonly (Tensor | null)[], shape: Shape): Tensor | null {
  let acc: Tensor | null = null;
  for (const t of terms) if (t) acc = acc ? add(acc, t) : t;
  return acc && !sameShape(acc.shape, shape) ? broadcastTo(acc, [...shape]) : acc;
}

/** True when t is a concrete size-1 tensor equal to `value` whose broadcast against `other` keeps other's shape. */
export function isConstScalar(t: Tensor, value: number, other: Tensor): boolean {
  return t._data !== null && t.size === 1 && t._data[0] === value && t.rank <= other.rank &&
    !Object.is(t._data[0], -0);
}

export const zerosLike = (t: Tensor): Tensor => broadcastTo(0, [...t.shape]);

/** The shape with reduced axes kept as 1. */
export const keptShape = (shape: Shape, axes: readonly number[]): number[] =>
  shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** [N, ...s] → [N, 1, …, 1, ...s] with `rank` axes after N (leading-axis batching under broadcasting) */
export function alignBatched(x: Tensor, rank: number): Tensor {
  const r = x.rank - 1;
  return r === rank ? x : reshape(x, [x.shape[0], ...new Array<number>(rank - r).fill(1), ...x.shape.slice(1)]);
}

/** A tensor as batched: [N, ...s] (broadcast when it was not batched). */
export const asBatched = (x: Tensor, batched: boolean, n: number): Tensor => (batched ? x : broadcastTo(x, [n, ...x.shape]));

/** the helpers elementwise rules use (installed into ./rulekit.ts by src/wiring.ts) */
export const ruleKit = { cmul, unbroadcast, addAll, alignBatched };
