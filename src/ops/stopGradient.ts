import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply1 } from './elementwise.js';

// value passes through; derivative 0
export const stopGradientOp = elementwise({
  name: 'stopGradient',
  scalar: (x) => x,
  partials: null,
  test: { domain: [-3, 3] },
}, 1);
export const stopGradient = (x: TensorLike) => apply1(stopGradientOp, x);
