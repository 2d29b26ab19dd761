import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
// round(x): to the nearest integer, halves to even (NumPy: round(2.5) = 2, round(−0.5) = −0);
// derivative 0 almost everywhere
export const roundHalfEven = (x: number): number => {
  const r = Math.round(x);   // halves up; r − x is exact for |x| < 2^52 and 0 beyond
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
export const roundOp = elementwise({
  name: 'round',
  scalar: roundHalfEven,
  partials: null,
  test: { domain: [-3, 3] },
}, 1);
export const round = (x: TensorLike) => apply1(roundOp, x);
