import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply2 } from './elementwise.js';
import { div } from './div.js';
import { sub } from './sub.js';
import { neg } from './neg.js';
import { round } from './round.js';
// mod(a, b) = a − b·⌊a/b⌋ with the sign of b (NumPy's remainder: fmod, then + b when the signs
// differ; a zero result takes b's sign). d mod = da − q db, q = (a − mod)/b the integer quotient
export const modScalar = (a: number, b: number): number => {
  const r = a % b;   // fmod: exact
  if (r === 0) return b < 0 || Object.is(b, -0) ? -0 : 0;
  return (r < 0) !== (b < 0) ? r + b : r;
};
export const modOp = elementwise({
  name: 'mod',
  scalar: modScalar,
  partials: [() => 1, ([a, b], y) => neg(round(div(sub(a, y), b)))],
  test: { domain: [[-3, 3], [0.7, 2]] },
}, 2);
export const mod = (a: TensorLike, b: TensorLike) => apply2(modOp, a, b);
