import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
// trunc(x): derivative 0 almost everywhere (a step function), so none is recorded
export const truncOp = elementwise({
  name: 'trunc',
  scalar: Math.trunc,
  partials: null,
  test: { domain: [-3, 3] },
}, 1);
export const trunc = (x: TensorLike) => apply1(truncOp, x);
