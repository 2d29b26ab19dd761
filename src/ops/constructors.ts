// Constructors (NumPy's): concrete tensors, except that inside a recording zeros/ones/full and the
// *Like forms stay one recorded broadcast of a number (no full-size constant in the program).
import { Tensor, asTensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { checkShape } from '../core/shape.js';
import { broadcastTo } from './broadcastTo.js';
import { reshape } from './reshape.js';

/** full(shape, value): every entry `value` (a number or a 0-d tensor, which may be traced) */
export function full(shape: readonly number[], value: TensorLike): Tensor {
  const v = asTensor(value, 'full');
  if (v.size !== 1) fail('ERR_SHAPE', 'full', `expected a single value but received a tensor of shape [${v.shape}]`);
  return broadcastTo(v.rank ? reshape(v, []) : v, checkShape('full', shape));
}
export const zeros = (shape: readonly number[]): Tensor => full(shape, 0);
export const ones = (shape: readonly number[]): Tensor => full(shape, 1);
export const zerosLike = (x: TensorLike): Tensor => full(asTensor(x, 'zerosLike').shape, 0);
export const onesLike = (x: TensorLike): Tensor => full(asTensor(x, 'onesLike').shape, 1);

const num = (op: string, what: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail('ERR_ARG', op, `expected a finite number as ${what} but received ${String(v)}`);
  return v as number;
};

/** arange(stop) or arange(start, stop, step = 1): start + i·step for i < ⌈(stop − start)/step⌉ */
export function arange(start: number, stop?: number, step = 1): Tensor {
  if (stop === undefined) { stop = start; start = 0; }
  num('arange', 'start', start); num('arange', 'stop', stop); num('arange', 'step', step);
  if (step === 0) fail('ERR_ARG', 'arange', 'expected a non-zero step but received 0');
  const n = Math.max(0, Math.ceil((stop - start) / step));
  return new Tensor([n], Float64Array.from({ length: n }, (_, i) => start + i * step));
}

/** linspace(start, stop, num): num points, both ends included (NumPy: start + i·step, the last exactly stop) */
export function linspace(start: number, stop: number, count: number): Tensor {
  num('linspace', 'start', start); num('linspace', 'stop', stop);
  if (!Number.isInteger(count) || count < 0) fail('ERR_ARG', 'linspace', `expected a non-negative integer count but received ${count}`);
  const step = (stop - start) / Math.max(count - 1, 1);
  const d = Float64Array.from({ length: count }, (_, i) => i * step + start);
  if (count > 1) d[count - 1] = stop;
  return new Tensor([count], d);
}

/** eye(n, m = n): ones on the diagonal */
export function eye(n: number, m = n): Tensor {
  const [r, c] = checkShape('eye', [n, m]);
  const d = new Float64Array(r * c);
  for (let i = 0; i < Math.min(r, c); i++) d[i * c + i] = 1;
  return new Tensor([r, c], d);
}
