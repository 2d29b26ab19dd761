// Tensor methods mirroring the free functions (x.mul(y).sin().sum()). Kept apart from tensor.ts so
// that the core does not import the ops (the ops import the core).
import { Tensor, type TensorLike } from '../core/tensor.js';
import * as ops from './index.js';

type Axis = number | number[] | undefined;

declare module '../core/tensor.js' {
  interface Tensor {
    add(y: TensorLike): Tensor;
    sub(y: TensorLike): Tensor;
    mul(y: TensorLike): Tensor;
    div(y: TensorLike): Tensor;
    pow(y: TensorLike): Tensor;
    neg(): Tensor;
    square(): Tensor;
    sqrt(): Tensor;
    exp(): Tensor;
    expm1(): Tensor;
    log(): Tensor;
    log1p(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    tan(): Tensor;
    asin(): Tensor;
    acos(): Tensor;
    atan(): Tensor;
    sinh(): Tensor;
    cosh(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    softplus(): Tensor;
    relu(): Tensor;
    abs(): Tensor;
    sign(): Tensor;
    maximum(y: TensorLike): Tensor;
    minimum(y: TensorLike): Tensor;
    clip(lo: TensorLike, hi: TensorLike): Tensor;
    less(y: TensorLike): Tensor;
    lessEqual(y: TensorLike): Tensor;
    greater(y: TensorLike): Tensor;
    greaterEqual(y: TensorLike): Tensor;
    equal(y: TensorLike): Tensor;
    notEqual(y: TensorLike): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    prod(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    logsumexp(axis?: Axis, keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    matmul(y: TensorLike): Tensor;
    dot(y: TensorLike): Tensor;
    transpose(perm?: number[]): Tensor;
    readonly T: Tensor;
    reshape(shape: number[]): Tensor;
    broadcastTo(shape: number[]): Tensor;
    expandDims(axis: number): Tensor;
    squeeze(axis?: number | number[]): Tensor;
    slice(begin: number[], end: number[]): Tensor;
    at(i: number | Tensor): Tensor;
    gather(indices: TensorLike, axis?: number): Tensor;
    unstack(axis?: number): Tensor[];
    stopGradient(): Tensor;
    acosh(): Tensor;
    asinh(): Tensor;
    atanh(): Tensor;
    cbrt(): Tensor;
    log2(): Tensor;
    log10(): Tensor;
    exp2(): Tensor;
    erf(): Tensor;
    erfc(): Tensor;
    erfinv(): Tensor;
    lgamma(): Tensor;
    digamma(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    trunc(): Tensor;
    reciprocal(): Tensor;
    rsqrt(): Tensor;
    hypot(y: TensorLike): Tensor;
    mod(y: TensorLike): Tensor;
    logaddexp(y: TensorLike): Tensor;
    xlogy(y: TensorLike): Tensor;
    variance(axis?: Axis, keepDims?: boolean, ddof?: number): Tensor;
    std(axis?: Axis, keepDims?: boolean, ddof?: number): Tensor;
    norm(ord?: number | 'fro' | 'nuc', axis?: number | number[], keepDims?: boolean): Tensor;
    argmax(axis?: number): Tensor;
    argmin(axis?: number): Tensor;
    cumsum(axis?: number): Tensor;
    cumprod(axis?: number): Tensor;
    sort(axis?: number): Tensor;
    argsort(axis?: number): Tensor;
    flip(axis?: number | number[]): Tensor;
    tile(reps: number | number[]): Tensor;
    split(sections: number | number[], axis?: number): Tensor[];
    /** rows along axis 0 (const [k1, k2] = w.random.split(key)) */
    [Symbol.iterator](): IterableIterator<Tensor>;
  }
}

/** Give Tensor its methods (called once by src/wiring.ts: the core does not import the ops). */
export function installTensorMethods(): void {
Object.assign(Tensor.prototype, {
  add(this: Tensor, y: TensorLike) { return ops.add(this, y); },
  sub(this: Tensor, y: TensorLike) { return ops.sub(this, y); },
  mul(this: Tensor, y: TensorLike) { return ops.mul(this, y); },
  div(this: Tensor, y: TensorLike) { return ops.div(this, y); },
  pow(this: Tensor, y: TensorLike) { return ops.pow(this, y); },
  neg(this: Tensor) { return ops.neg(this); },
  square(this: Tensor) { return ops.square(this); },
  sqrt(this: Tensor) { return ops.sqrt(this); },
  exp(this: Tensor) { return ops.exp(this); },
  expm1(this: Tensor) { return ops.expm1(this); },
  log(this: Tensor) { return ops.log(this); },
  log1p(this: Tensor) { return ops.log1p(this); },
  sin(this: Tensor) { return ops.sin(this); },
  cos(this: Tensor) { return ops.cos(this); },
  tan(this: Tensor) { return ops.tan(this); },
  asin(this: Tensor) { return ops.asin(this); },
  acos(this: Tensor) { return ops.acos(this); },
  atan(this: Tensor) { return ops.atan(this); },
  sinh(this: Tensor) { return ops.sinh(this); },
  cosh(this: Tensor) { return ops.cosh(this); },
  tanh(this: Tensor) { return ops.tanh(this); },
  sigmoid(this: Tensor) { return ops.sigmoid(this); },
  softplus(this: Tensor) { return ops.softplus(this); },
  relu(this: Tensor) { return ops.relu(this); },
  abs(this: Tensor) { return ops.abs(this); },
  sign(this: Tensor) { return ops.sign(this); },
  maximum(this: Tensor, y: TensorLike) { return ops.maximum(this, y); },
  minimum(this: Tensor, y: TensorLike) { return ops.minimum(this, y); },
  clip(this: Tensor, lo: TensorLike, hi: TensorLike) { return ops.clip(this, lo, hi); },
  less(this: Tensor, y: TensorLike) { return ops.less(this, y); },
  lessEqual(this: Tensor, y: TensorLike) { return ops.lessEqual(this, y); },
  greater(this: Tensor, y: TensorLike) { return ops.greater(this, y); },
  greaterEqual(this: Tensor, y: TensorLike) { return ops.greaterEqual(this, y); },
  equal(this: Tensor, y: TensorLike) { return ops.equal(this, y); },
  notEqual(this: Tensor, y: TensorLike) { return ops.notEqual(this, y); },
  sum(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.sum(this, axis, keepDims); },
  mean(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.mean(this, axis, keepDims); },
  prod(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.prod(this, axis, keepDims); },
  max(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.max(this, axis, keepDims); },
  min(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.min(this, axis, keepDims); },
  logsumexp(this: Tensor, axis?: Axis, keepDims?: boolean) { return ops.logsumexp(this, axis, keepDims); },
  softmax(this: Tensor, axis?: number) { return ops.softmax(this, axis); },
  logSoftmax(this: Tensor, axis?: number) { return ops.logSoftmax(this, axis); },
  matmul(this: Tensor, y: TensorLike) { return ops.matmul(this, y); },
  dot(this: Tensor, y: TensorLike) { return ops.dot(this, y); },
  transpose(this: Tensor, perm?: number[]) { return ops.transpose(this, perm); },
  reshape(this: Tensor, shape: number[]) { return ops.reshape(this, shape); },
  broadcastTo(this: Tensor, shape: number[]) { return ops.broadcastTo(this, shape); },
  expandDims(this: Tensor, axis: number) { return ops.expandDims(this, axis); },
  squeeze(this: Tensor, axis?: number | number[]) { return ops.squeeze(this, axis); },
  slice(this: Tensor, begin: number[], end: number[]) { return ops.slice(this, begin, end); },
  at(this: Tensor, i: number | Tensor) { return ops.at(this, i); },
  gather(this: Tensor, indices: TensorLike, axis?: number) { return ops.gather(this, indices, axis); },
  unstack(this: Tensor, axis?: number) { return ops.unstack(this, axis); },
  stopGradient(this: Tensor) { return ops.stopGradient(this); },
  acosh(this: Tensor) { return ops.acosh(this); },
  asinh(this: Tensor) { return ops.asinh(this); },
  atanh(this: Tensor) { return ops.atanh(this); },
  cbrt(this: Tensor) { return ops.cbrt(this); },
  log2(this: Tensor) { return ops.log2(this); },
  log10(this: Tensor) { return ops.log10(this); },
  exp2(this: Tensor) { return ops.exp2(this); },
  erf(this: Tensor) { return ops.erf(this); },
  erfc(this: Tensor) { return ops.erfc(this); },
  erfinv(this: Tensor) { return ops.erfinv(this); },
  lgamma(this: Tensor) { return ops.lgamma(this); },
  digamma(this: Tensor) { return ops.digamma(this); },
  floor(this: Tensor) { return ops.floor(this); },
  ceil(this: Tensor) { return ops.ceil(this); },
  round(this: Tensor) { return ops.round(this); },
  trunc(this: Tensor) { return ops.trunc(this); },
  reciprocal(this: Tensor) { return ops.reciprocal(this); },
  rsqrt(this: Tensor) { return ops.rsqrt(this); },
  hypot(this: Tensor, y: TensorLike) { return ops.hypot(this, y); },
  mod(this: Tensor, y: TensorLike) { return ops.mod(this, y); },
  logaddexp(this: Tensor, y: TensorLike) { return ops.logaddexp(this, y); },
  xlogy(this: Tensor, y: TensorLike) { return ops.xlogy(this, y); },
  variance(this: Tensor, axis?: Axis, keepDims?: boolean, ddof?: number) { return ops.variance(this, axis, keepDims, ddof); },
  std(this: Tensor, axis?: Axis, keepDims?: boolean, ddof?: number) { return ops.std(this, axis, keepDims, ddof); },
  norm(this: Tensor, ord?: number | 'fro' | 'nuc', axis?: number | number[], keepDims?: boolean) { return ops.norm(this, ord, axis, keepDims); },
  argmax(this: Tensor, axis?: number) { return ops.argmax(this, axis); },
  argmin(this: Tensor, axis?: number) { return ops.argmin(this, axis); },
  cumsum(this: Tensor, axis?: number) { return ops.cumsum(this, axis); },
  cumprod(this: Tensor, axis?: number) { return ops.cumprod(this, axis); },
  sort(this: Tensor, axis?: number) { return ops.sort(this, axis); },
  argsort(this: Tensor, axis?: number) { return ops.argsort(this, axis); },
  flip(this: Tensor, axis?: number | number[]) { return ops.flip(this, axis); },
  tile(this: Tensor, reps: number | number[]) { return ops.tile(this, reps); },
  split(this: Tensor, sections: number | number[], axis?: number) { return ops.split(this, sections, axis); },
});
// rows as Tensors; a 0-d tensor has no axis 0, so it is not iterable (NumPy raises TypeError) —
// and equality testers that compare iterables (vitest's toEqual) compare 0-d tensors by value
function* rows(this: Tensor) { yield* ops.unstack(this, 0); }
Object.defineProperty(Tensor.prototype, Symbol.iterator, {
  get(this: Tensor) { return this.rank === 0 ? undefined : rows; }, configurable: true,
});
Object.defineProperty(Tensor.prototype, 'T', { get(this: Tensor) { return ops.transpose(this); } });
}
