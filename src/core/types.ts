// The public types of the transformations (DESIGN §1 "Types", §8 "Result types"): what a
// transformed function accepts (f's parameters with Tensor leaves widened to TensorLike trees) and
// what it returns (the call's arguments or f's outputs mirrored leaf by leaf: Float64Array stays
// Float64Array, number stays number, {W, b} stays {W, b}).
import type { Tensor, TensorLike, NestedNumbers } from './tensor.js';

/** A pytree of tensor-like leaves: arrays and plain objects of them. */
export type Tree = TensorLike | readonly Tree[] | { readonly [key: string]: Tree };

type IsAny<T> = 0 extends 1 & T ? true : false;
/** one leaf type of a tree (a nested number array is one leaf) */
export type Leaf = number | Tensor | Float64Array | Float32Array | NestedNumbers;

/**
 * What a transformed function accepts where f takes P: a Tensor parameter takes any TensorLike,
 * arrays and objects map element by element, other types (static values) stay; an untyped (any)
 * or unknown parameter takes any tree of tensor-like leaves.
 */
export type InputOf<P> = IsAny<P> extends true ? Tree
  : unknown extends P ? Tree
  : P extends Tensor ? TensorLike
  : P extends TensorLike ? P | TensorLike
  : P extends readonly unknown[] ? { readonly [K in keyof P]: InputOf<P[K]> }
  : P extends (...a: any[]) => any ? P
  : P extends object ? { readonly [K in keyof P]: InputOf<P[K]> }
  : P;
export type InputsOf<P extends readonly unknown[]> = { [K in keyof P]: InputOf<P[K]> };

/** a value mirrored leaf by leaf (gradients mirror their argument; results mirror f's outputs) */
export type Mirror<T> = IsAny<T> extends true ? Tensor
  : Tree extends T ? TreeOf<Leaf>   // an unconstrained tree (also stops the recursion)
  : T extends number ? number
  : T extends Tensor ? Tensor
  : T extends Float64Array ? Float64Array
  : T extends Float32Array ? Float32Array
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: Mirror<T[K]> }
  : T extends (...a: any[]) => any ? T
  : T extends object ? { -readonly [K in keyof T]: Mirror<T[K]> }
  : T;

/** a tree of L leaves (what MapLeaves gives for the unconstrained Tree) */
export type TreeOf<L> = L | readonly TreeOf<L>[] | { readonly [key: string]: TreeOf<L> };
/** the structure of T with every numeric leaf replaced by L */
export type MapLeaves<T, L> = IsAny<T> extends true ? L
  : Tree extends T ? TreeOf<L>
  : T extends Leaf ? L
  : T extends readonly unknown[] ? { -readonly [K in keyof T]: MapLeaves<T[K], L> }
  : T extends (...a: any[]) => any ? T
  : T extends object ? { -readonly [K in keyof T]: MapLeaves<T[K], L> }
  : T;

/** what f returns, unwrapped from [out, aux] with hasAux */
export type MainOut<R, Aux extends boolean> = Aux extends true ? (R extends readonly [infer O, unknown] ? O : R) : R;
export type AuxOut<R> = IsAny<R> extends true ? Tensor : R extends readonly [unknown, infer X] ? X : never;

/** gradients for argnums N of the call's arguments A: one gradient, or an array of them */
export type GradsOf<A extends readonly unknown[], N> =
  IsAny<N> extends true ? Mirror<A[0]>
  : [N] extends [undefined] ? Mirror<A[0]>
  : N extends number ? Mirror<A[N]>
  : N extends readonly number[] ? { -readonly [K in keyof N]: Mirror<A[N[K] & number]> }
  : Mirror<A[0]>;

/**
 * A Jacobian block of output leaf O against input leaf I: a Tensor [...outShape, ...inShape]; a
 * number for number → number (an input `number` against a size-1 output — a Tensor output may be
 * either, so `number | Tensor` there: w.derivative gives a number for scalar functions).
 */
export type JacobianBlock<O, I> = I extends number ? (O extends number ? number : number | Tensor) : Tensor;
/** output tree outside, input tree inside (as JAX) */
export type JacobianOf<Out, In> = MapLeavesWith<Out, In>;
type MapLeavesWith<Out, In> = IsAny<Out> extends true ? MapLeaves<In, Tensor>
  : Out extends Leaf ? MapInner<In, Out>
  : Out extends readonly unknown[] ? { -readonly [K in keyof Out]: MapLeavesWith<Out[K], In> }
  : Out extends object ? { -readonly [K in keyof Out]: MapLeavesWith<Out[K], In> }
  : Out;
type MapInner<In, O> = IsAny<In> extends true ? Tensor
  : In extends Leaf ? JacobianBlock<O, In>
  : In extends readonly unknown[] ? { -readonly [K in keyof In]: MapInner<In[K], O> }
  : In extends object ? { -readonly [K in keyof In]: MapInner<In[K], O> }
  : In;
/** the arguments selected by argnums (one, or a tuple) */
export type Selected<A extends readonly unknown[], N> =
  [N] extends [undefined] ? A[0]
  : N extends number ? A[N]
  : N extends readonly number[] ? { -readonly [K in keyof N]: A[N[K] & number] }
  : A[0];

/** a Hessian block of two number leaves is a number (f is scalar), else a Tensor */
type HessianInner<In, I> = IsAny<In> extends true ? Tensor
  : In extends Leaf ? (I extends number ? (In extends number ? number : Tensor) : Tensor)
  : In extends readonly unknown[] ? { -readonly [K in keyof In]: HessianInner<In[K], I> }
  : In extends object ? { -readonly [K in keyof In]: HessianInner<In[K], I> }
  : In;
export type HessianOf<In> = HessianOuter<In, In>;
type HessianOuter<Out, In> = IsAny<Out> extends true ? Tensor
  : Out extends Leaf ? HessianInner<In, Out>
  : Out extends readonly unknown[] ? { -readonly [K in keyof Out]: HessianOuter<Out[K], In> }
  : Out extends object ? { -readonly [K in keyof Out]: HessianOuter<Out[K], In> }
  : Out;

export type Fn = (...args: any[]) => any;
