import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';
// floor(x): derivative 0 almost everywhere (a step function), so none is recorded
export const floorOp = elementwise({
  name: 'floor',
  scalar: Math.floor,
  partials: null,
  test: { domain: [-3, 3] },
}, 1);
export const floor = (x: TensorLike) => apply1(floorOp, x);
