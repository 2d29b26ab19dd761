// Type fixture (compiled by test/types.test.ts): every transformation is typed from f; results
// mirror the arguments leaf by leaf (DESIGN §1 "Types", §8 "Result types"). `@ts-expect-error`
// lines must fail to compile.
import * as w from '../../src/index.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const is = <T>(_: T) => <U>(ok: Equal<T, U>) => ok;   // is(value)<Expected>(true)

const rosen = (x: w.Tensor) => w.sum(w.square(w.sub(1, x)));
const net = (p: { W: w.Tensor; b: w.Tensor }, x: w.Tensor) => w.sum(w.add(w.matmul(x, p.W), p.b));

// grad mirrors the argument: Float64Array, number, nested arrays, Tensor, {W, b}
is(w.grad(rosen)(new Float64Array(3)))<Float64Array>(true);
is(w.grad(rosen)(2))<number>(true);
is(w.grad(rosen)([1, 2, 3]))<number[]>(true);
is(w.grad(rosen)(w.tensor([1, 2])))<w.Tensor>(true);
is(w.grad(rosen)(new Float32Array(2)))<Float32Array>(true);
const g = w.grad(net)({ W: new Float64Array(4), b: 0 }, w.tensor([[1, 2, 3, 4]]));
is(g)<{ W: Float64Array; b: number }>(true);
is(g.W)<Float64Array>(true);
// the README's pytree example: nested arrays in, the same nesting out
const readmeLoss = ({ W, b }: { W: w.Tensor; b: w.Tensor }, X: w.Tensor) => w.sum(w.tanh(w.add(w.matmul(X, W), b)));
is(w.grad(readmeLoss)({ W: [[1, 2], [3, 4]], b: [0.1, 0.2] }, [[0.1, 0.2], [0.3, 0.4]]))<{ W: number[][]; b: number[] }>(true);
// argnums arrays and hasAux
is(w.grad(net, { argnums: [0, 1] })({ W: w.tensor([1]), b: 0 }, [[1]]))<[{ W: w.Tensor; b: number }, number[][]]>(true);
is(w.grad(net, { argnums: 1 })({ W: w.tensor([1]), b: 0 }, new Float64Array(1)))<Float64Array>(true);
const withAux = (x: w.Tensor) => [w.sum(x), { n: w.max(x) }] as const;
is(w.grad(withAux, { hasAux: true })(new Float64Array(2)))<[Float64Array, { n: w.Tensor }]>(true);
is(w.valueAndGrad(rosen)(new Float64Array(2)))<[number, Float64Array]>(true);
is(w.valueAndGrad(withAux, { hasAux: true })(3))<[[number, { n: w.Tensor }], number]>(true);

// vjp / jvp: outputs mirror f's outputs (a Tensor stays a Tensor); pullbacks mirror the primals
const [out, pullback] = w.vjp((x: w.Tensor) => w.sin(x), new Float64Array(3));
is(out)<w.Tensor>(true);
is(out.shape)<readonly number[]>(true);
is(pullback(w.tensor([1, 1, 1])))<[Float64Array]>(true);
const [jo, jt] = w.jvp((x: w.Tensor) => ({ s: w.sin(x) }), [2], [1]);
is(jo)<{ s: w.Tensor }>(true);
is(jt.s)<w.Tensor>(true);
is(w.derivative(w.sin)(0))<number>(true);

// jacobian, hessian, hvp, vmap
is(w.jacobian((x: w.Tensor) => w.sin(x))(new Float64Array(3)))<w.Tensor>(true);
is(w.jacobian(net, { argnums: [0] })({ W: [1], b: 0 }, [[1]]))<[{ W: w.Tensor; b: number | w.Tensor }]>(true);
is(w.hessian(rosen)(new Float64Array(2)))<w.Tensor>(true);
is(w.hessian(rosen)(2))<number>(true);
is(w.hessian((p: { a: w.Tensor; b: w.Tensor }) => w.mul(p.a, p.b))({ a: 1, b: new Float64Array(1) }))<{ a: { a: number; b: w.Tensor }; b: { a: w.Tensor; b: w.Tensor } }>(true);
is(w.hvp(rosen)(new Float64Array(2), [1, 0]))<Float64Array>(true);
is(w.vmap(rosen)(w.tensor([[1, 2]])))<w.Tensor>(true);
is(w.vmap((x: w.Tensor) => [w.sin(x), w.cos(x)] as const, { inAxes: [0] })([[1]]))<[w.Tensor, w.Tensor]>(true);
is(w.vmap(w.grad(rosen))(new Float64Array(2)))<w.Tensor>(true);
// per-example gradients: the parameters broadcast (null), the batch mapped; gradients come back as Tensors
const sqLoss = (q: { W: w.Tensor; b: w.Tensor }, x: w.Tensor, y: w.Tensor) => w.square(w.sub(w.add(w.dot(q.W, x), q.b), y));
is(w.vmap(w.grad(sqLoss), { inAxes: [null, 0, 0] })({ W: [1, 2], b: 0 }, [[1, 2], [3, 4]], [1, 2]))<{ W: w.Tensor; b: w.Tensor }>(true);

// compile: Program methods typed from f's parameters, async results
const p = w.compile(net, { W: new Float64Array(4), b: 0 }, w.tensor([[1, 2, 3, 4]]));
is(p.value({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<w.Tensor>(true);
is(p.grad({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<{ W: Float64Array; b: number }>(true);
is(p.valueAndGrad({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<[number, { W: Float64Array; b: number }]>(true);
const later = async () => {
  is(await p.gradAsync({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<{ W: Float64Array; b: number }>(true);
  is(await p.valueAndGradAsync({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<[number, { W: Float64Array; b: number }]>(true);
  is(await p.valueAsync({ W: new Float64Array(4), b: 0 }, [[1, 2, 3, 4]]))<w.Tensor>(true);
};
void later;

// loops give init's structure with Tensor leaves (what the body returns; a tracer inside f)
is(w.scan((c: w.Tensor, x: w.Tensor) => [w.add(c, x), w.mul(c, 2)] as const, 0, [1, 2, 3]))<[w.Tensor, w.Tensor]>(true);
is(w.foriLoop(0, 3, (i, c: w.Tensor) => w.add(c, i), w.tensor(0)))<w.Tensor>(true);
is(w.whileLoop((s: { k: w.Tensor }) => w.less(s.k, 3), (s: { k: w.Tensor }) => ({ k: w.add(s.k, 1) }), { k: 0 }))<{ k: w.Tensor }>(true);
const body = (c: w.Tensor, x: w.Tensor) => [w.add(c, x), w.square(x)];   // Tensor[], not a tuple
const [, ys] = w.scan(body, 0, [1, 2]);
w.grad((a: w.Tensor) => w.mul(w.scan((c: w.Tensor) => [w.mul(c, a), null], 1, null, { length: 3 })[0], w.sum(ys)))(2);

// inputs are TensorLike trees: text, booleans, functions and missing keys do not compile
// @ts-expect-error a string is not a tensor
w.grad(rosen)('hello');
// @ts-expect-error nor is a boolean
w.grad((x) => w.sum(x))(true);
// @ts-expect-error the parameter tree needs b
w.grad(net)({ W: new Float64Array(4) }, [[1]]);
// @ts-expect-error compiled programs check their arguments too
p.grad('x', [[1]]);
// @ts-expect-error vmap arguments are tensor-like
w.vmap(rosen)({ a: 'x' });
// @ts-expect-error a tangent must mirror the primal's structure
w.jvp(net, [{ W: [1], b: 0 }, [[1]]], [[1], [[1]]]);

// ops and random numbers
const k = w.random.key(0);
const [k1, k2] = w.random.split(k);
is(w.random.normal(k1, [3]))<w.Tensor>(true);
is(k2)<w.Tensor>(true);
is(w.split(w.arange(6), 3))<w.Tensor[]>(true);
is(w.einsum('ij,jk->ik', w.eye(2), w.ones([2, 3])))<w.Tensor>(true);

// rules receive Tensors: the erf example of docs/api.md type-checks under strict
const erf = w.opaque((x) => x.map(Math.sin), {
  name: 'erf', shape: (s) => s,
  vjp: (g, { inputs: [x] }) => [w.mul(g, w.mul(2 / Math.sqrt(Math.PI), w.exp(w.neg(w.square(x)))))],
});
is(erf(1))<w.Tensor>(true);
const sq = w.customVjp((p: { a: w.Tensor }, y: w.Tensor) => w.mul(p.a, y), {
  vjp: (g, { inputs: [p, y] }) => [{ a: w.mul(g, y) }, w.mul(g, p.a)],
});
is(sq)<(p: { a: w.Tensor }, y: w.Tensor) => w.Tensor>(true);
