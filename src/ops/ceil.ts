import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
// ceil(x): derivative 0 almost everywhere (a step function), so none is recorded
export const ceilOp = elementwise({
  name: 'ceil',
  scalar: Math.ceil,
  partials: null,
  test: { domain: [-3, 3] },
}, 1);
export const ceil = (x: TensorLike) => apply1(ceilOp, x);
