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

/** the methods: x.name(...args) is ops.name(x, ...args) */
const METHODS = [
  'add', 'sub', 'mul', 'div', 'pow', 'neg', 'square', 'sqrt', 'exp', 'expm1', 'log', 'log1p', 'sin', 'cos',
  'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'softplus', 'relu', 'abs', 'sign',
  'maximum', 'minimum', 'clip', 'less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual', 'sum',
  'mean', 'prod', 'max', 'min', 'logsumexp', 'softmax', 'logSoftmax', 'matmul', 'dot', 'transpose',
  'reshape', 'broadcastTo', 'expandDims', 'squeeze', 'slice', 'at', 'gather', 'unstack', 'stopGradient',
  'acosh', 'asinh', 'atanh', 'cbrt', 'log2', 'log10', 'exp2', 'erf', 'erfc', 'erfinv', 'lgamma', 'digamma',
  'floor', 'ceil', 'round', 'trunc', 'reciprocal', 'rsqrt', 'hypot', 'mod', 'logaddexp', 'xlogy', 'variance',
  'std', 'norm', 'argmax', 'argmin', 'cumsum', 'cumprod', 'sort', 'argsort', 'flip', 'tile', 'split',
] as const satisfies readonly (keyof typeof ops & keyof Tensor)[];

/** Give Tensor its methods (called once by src/wiring.ts: the core does not import the ops). */
export function installTensorMethods(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>;
  for (const name of METHODS) {
    const fn = ops[name] as (x: Tensor, ...args: unknown[]) => unknown;
    proto[name] = function method(this: Tensor, ...args: unknown[]) { return fn(this, ...args); };
  }
  // rows as Tensors; a 0-d tensor has no axis 0, so it is not iterable (NumPy raises TypeError) —
  // and equality testers that compare iterables (vitest's toEqual) compare 0-d tensors by value
  function* rows(this: Tensor) { yield* ops.unstack(this, 0); }
  Object.defineProperty(Tensor.prototype, Symbol.iterator, {
    get(this: Tensor) { return this.rank === 0 ? undefined : rows; }, configurable: true,
  });
  Object.defineProperty(Tensor.prototype, 'T', { get(this: Tensor) { return ops.transpose(this); } });
}
