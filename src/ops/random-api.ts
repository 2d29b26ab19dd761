// w.random: counter-based random numbers keyed like JAX. A key is a value (a Tensor of two uint32
// words stored as float64); inside traced or compiled functions it is an argument like any other,
// so there is no hidden state and a compiled program draws new numbers when given a new key.
import { Tensor, asTensor, type TensorLike } from '../core/tensor.js';
import { fail } from '../core/errors.js';
import { checkShape } from '../core/shape.js';
import { randomDraw } from './random.js';
import { reshape } from './reshape.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { maximum } from './maximum.js';
import { gather } from './gather.js';
import { argsort } from './argsort.js';

const keyOf = (op: string, key: TensorLike): Tensor => {
  const k = asTensor(key, op);
  if (k.rank < 1 || k.shape[k.rank - 1] !== 2) fail('ERR_SHAPE', op, `expected a key of shape [2] (or [..., 2] for several) but received [${k.shape}]`);
  return k;
};

/** key(seed): the key of an integer seed, JAX's PRNGKey: [high, low] 32-bit words of the 64-bit seed */
export function key(seed: number): Tensor {
  if (!Number.isSafeInteger(seed)) fail('ERR_ARG', 'random.key', `expected an integer seed (|seed| ≤ 2^53 − 1) but received ${seed}`);
  const s = BigInt.asUintN(64, BigInt(seed));
  return new Tensor([2], Float64Array.of(Number(s >> 32n), Number(s & 0xffffffffn)));
}

/** split(key, n = 2): n new independent keys, [n, 2] (JAX's split: the bits of counters 0..2n−1) */
export function split(k: TensorLike, n = 2): Tensor {
  const t = keyOf('random.split', k);
  if (!Number.isInteger(n) || n < 0) fail('ERR_ARG', 'random.split', `expected a non-negative integer count but received ${n}`);
  return reshape(randomDraw(t, [2 * n], 'bits'), [...t.shape.slice(0, -1), n, 2]);
}

/** bits(key, shape): uniform integers in [0, 2³²) (JAX's random_bits, 32 bits) */
export const bits = (k: TensorLike, shape: readonly number[] = []): Tensor => randomDraw(keyOf('random.bits', k), checkShape('random.bits', shape), 'bits');

/** uniform(key, shape, lo = 0, hi = 1): [lo, hi), 52 random bits per number, as JAX: max(lo, u·(hi − lo) + lo) */
export function uniform(k: TensorLike, shape: readonly number[] = [], lo: TensorLike = 0, hi: TensorLike = 1): Tensor {
  const u = randomDraw(keyOf('random.uniform', k), checkShape('random.uniform', shape), 'uniform');
  return lo === 0 && hi === 1 ? u : maximum(lo, add(mul(u, sub(hi, lo)), lo));
}

/**
 * normal(key, shape): standard normal numbers, the inverse CDF √2·erfinv(2u − 1) of u ∈ (0, 1)
 * (u = (m + ½)·2⁻⁵² from 52 random bits: symmetric, tails to ±8.3σ), computed from elementary
 * operations only: the same bits on every backend and machine.
 */
export const normal = (k: TensorLike, shape: readonly number[] = []): Tensor =>
  randomDraw(keyOf('random.normal', k), checkShape('random.normal', shape), 'normal');

/** permutation(key, n): a random ordering of 0..n−1; permutation(key, x): x's rows shuffled */
export function permutation(k: TensorLike, n: number | Tensor): Tensor {
  const size = n instanceof Tensor ? n.shape[0] : n;
  if (n instanceof Tensor && n.rank === 0) fail('ERR_SHAPE', 'random.permutation', 'cannot shuffle a 0-d tensor');
  if (!Number.isInteger(size) || size < 0) fail('ERR_ARG', 'random.permutation', `expected a non-negative integer or a tensor but received ${String(n)}`);
  const perm = argsort(randomDraw(keyOf('random.permutation', k), [size], 'uniform'));
  return n instanceof Tensor ? gather(n, perm, 0) : perm;
}

export const random = { key, split, bits, uniform, normal, permutation };
