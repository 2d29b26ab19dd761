import type { TensorLike } from '../core/tensor.js';
import { elementwise, apply3 } from './elementwise.js';
import { unbroadcast } from './util.js';
import { zerosLike } from './util.js';

// where(c, a, b) = c ≠ 0 ? a : b; the unchosen side gets an exact 0 cotangent (DESIGN §4)
export const whereOp = elementwise({
  name: 'where',
  scalar: (c, a, b) => (c !== 0 ? a : b),
  partials: [null, null, null],
  vjp: (g, { ins: [c, a, b] }, needs) => [
    null,
    needs[1] ? unbroadcast(where(c, g, 0), a.shape) : null,
    needs[2] ? unbroadcast(where(c, 0, g), b.shape) : null,
  ],
  jvp: ([, ta, tb], { ins: [c], out }) =>
    (ta || tb ? where(c, ta ?? zerosLike(out), tb ?? zerosLike(out)) : null),
  test: { domain: [[0, 1], [-3, 3], [-3, 3]], integerInputs: [0] },
}, 3);
export const where = (cond: TensorLike, a: TensorLike, b: TensorLike) => apply3(whereOp, cond, a, b);
