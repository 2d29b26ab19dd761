// A stochastic fit: Adam on minibatches drawn from random keys. The key is an ARGUMENT of the
// loss (passed through the optimizer's `args`, one new key per iteration): the compiled program
// is recorded once and draws a new minibatch from every key — no hidden random state.
// Run: npx tsx examples/random.ts
import * as w from '../src/index.js';

type T = w.Tensor;

// data: y = sin(3x)·a + b·x + noise, generated with w.random (the same on every run)
const [kx, kn, kInit, kTrain] = w.random.split(w.random.key(42), 4);
const N = 4096, B = 64;
const x = w.random.uniform(kx, [N], -1, 1);
const truth = { a: 1.5, b: -0.7 };
const y = w.add(w.add(w.mul(truth.a, w.sin(w.mul(3, x))), w.mul(truth.b, x)), w.mul(0.1, w.random.normal(kn, [N])));

// a one-hidden-layer network, initialised from a key
const H = 16;
const [k1, k2] = w.random.split(kInit);
const p0 = { W1: w.mul(w.random.normal(k1, [1, H]), 1.0), b1: w.zeros([H]), W2: w.mul(w.random.normal(k2, [H, 1]), 1 / Math.sqrt(H)), b2: w.zeros([1]) };
type P = typeof p0;
const predict = (p: P, xs: T) => w.add(w.matmul(w.tanh(w.add(w.matmul(w.reshape(xs, [-1, 1]), p.W1), p.b1)), p.W2), p.b2);

// the minibatch loss: B indices drawn from the key, inside the traced function
const loss = (p: P, key: T) => {
  const idx = w.floor(w.mul(w.random.uniform(key, [B]), N));
  const err = w.sub(w.reshape(predict(p, w.gather(x, idx)), [B]), w.gather(y, idx));
  return w.mean(w.square(err));
};

// one key per iteration: iteration i = 0, 1, …, maxIterations uses keys[i]
const iterations = 1500;
const keys = [...w.random.split(kTrain, iterations + 1)];
const full = (p: P) => w.mean(w.square(w.sub(w.reshape(predict(p, x), [N]), y))).item();
console.log(`full-data loss before: ${full(p0).toFixed(4)}`);
const t0 = performance.now();
const fit = await w.minimize(loss, p0, { method: 'adam', learningRate: 0.02, maxIterations: iterations, args: (i) => [keys[i]] });
console.log(`Adam, ${fit.iterations} minibatches of ${B} in ${(performance.now() - t0).toFixed(0)} ms: ` +
  `full-data loss ${full(fit.x).toFixed(4)} (noise floor ${(0.1 ** 2).toFixed(4)}), last minibatch loss ${fit.value.toFixed(4)}`);
