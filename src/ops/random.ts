import { apply } from '../core/trace.js';
import type { Tensor } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { sizeOf, fmtShape, type Shape } from '../core/shape.js';
import { defineOp, type OpDef } from './op.js';
import { fmtList } from './layout.js';
import { bitsOf, uniformOf, openUniformOf, normalOf } from './threefry.js';

export type Distribution = 'bits' | 'uniform' | 'normal';
const DISTS: readonly Distribution[] = ['bits', 'uniform', 'normal'];
interface Attrs { readonly shape: Shape; readonly dist: Distribution }

/** a key word: an integer in [0, 2³²) stored as float64 */
export function checkKey(op: string, k: number, at: number): number {
  if (!(Number.isInteger(k) && k >= 0 && k <= 0xffffffff)) {
    fail('ERR_ARG', op, `expected a key of two integers in [0, 2^32) (w.random.key) but received ${k} at position ${at}`);
  }
  return k;
}

/** the draws of one key: n values of a distribution (JAX's random_bits: 32 bits, or 64 for floats) */
export function draw(k0: number, k1: number, n: number, dist: Distribution, out: Float64Array, at: number): void {
  if (dist === 'bits') { out.set(bitsOf(k0, k1, n).subarray(0, n), at); return; }
  const b = bitsOf(k0, k1, 2 * n);                      // the first n words are the high halves
  for (let i = 0; i < n; i++) out[at + i] = dist === 'uniform' ? uniformOf(b[i], b[n + i]) : normalOf(openUniformOf(b[i], b[n + i]));
}

// y[…b, …s] = draws of key[…b, :] (keys [...B, 2] → [...B, ...shape]); no derivative
export const randomOp: OpDef<Attrs> = defineOp<Attrs>({
  name: 'random',
  nondiff: true,
  family: 'gather',
  nativeAttrs: ({ shape, dist }) => [DISTS.indexOf(dist), shape.length, ...shape],
  nativeLayout: 'dist(0 bits, 1 uniform, 2 normal) rank shape[rank]',
  arity: 1,
  shape: ([k], { shape }) => {
    if (k.length < 1 || k[k.length - 1] !== 2) fail('ERR_SHAPE', 'random', `expected a key of shape [..., 2] but received ${fmtShape(k)}`);
    return [...k.slice(0, -1), ...shape];
  },
  kernel: ([key], _s, out, { shape, dist }) => {
    const n = sizeOf(shape), rows = key.length / 2, y = new Float64Array(sizeOf(out));
    for (let r = 0; r < rows; r++) draw(checkKey('random', key[2 * r], 2 * r), checkKey('random', key[2 * r + 1], 2 * r + 1), n, dist, y, r * n);
    return y;
  },
  batch: ([k], _b, a) => apply(randomOp, [k], a),   // keys [N, ...B, 2]: one more key axis
  fmtAttrs: ({ shape, dist }) => `${dist} shape=${fmtList(shape)}`,
  test: { domain: [0, 1000], shapes: [[[2]], [[3, 2]]], attrs: [{ shape: [5], dist: 'uniform' }, { shape: [2, 2], dist: 'normal' }], integerInputs: [0] },
});

export const randomDraw = (key: Tensor, shape: Shape, dist: Distribution): Tensor => {
  if (!DISTS.includes(dist)) fail('ERR_ARG', 'random', `unknown distribution ${dist}`);
  return apply(randomOp, [key], { shape: [...shape], dist });
};
