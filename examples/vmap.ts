// Per-example gradients with w.vmap: the gradient of the loss of EACH example, as one batched
// program (what DP-SGD clips, what influence estimates and gradient-noise diagnostics need).
// Run: npx tsx examples/vmap.ts
import * as w from '../src/index.js';

type T = w.Tensor;
type Params = { W: T; b: T };

// a small logistic-regression model on generated data (w.random: the same data on every run)
const [kx, kw, ky] = w.random.split(w.random.key(0), 3);
const n = 512, d = 8;
const X = w.random.normal(kx, [n, d]);
const trueW = w.random.normal(kw, [d]);
const y = w.less(w.random.uniform(ky, [n]), w.sigmoid(w.matmul(X, trueW)));   // 0/1 labels

// the loss of ONE example x [d] with label t
const loss = (p: Params, x: T, t: T) => {
  const z = w.add(w.dot(x, p.W), p.b);
  return w.sub(w.softplus(z), w.mul(t, z));
};
const params: Params = { W: w.zeros([d]), b: w.tensor(0.1) };

// per-example gradients: map grad(loss) over the examples (axis 0 of X and y), not over the parameters
const perExample = w.vmap(w.grad(loss), { inAxes: [null, 0, 0] });
let t0 = performance.now();
const g = perExample(params, X, y);
const tVmap = performance.now() - t0;
console.log(`per-example gradients: W ${g.W.shape.join('×')}, b ${g.b.shape.join('×')} in ${tVmap.toFixed(1)} ms (one program)`);

// the same with a JS loop of grad: one recording and one program run per example
t0 = performance.now();
const rows = [...X], labels = [...y];
const loop = rows.map((x, i) => w.grad(loss)(params, x, labels[i]));
const tLoop = performance.now() - t0;
const maxDiff = Math.max(...loop.map((gi, i) => w.max(w.abs(w.sub(gi.W, w.at(g.W, i)))).item()));
console.log(`JS loop of grad: ${tLoop.toFixed(1)} ms; largest difference ${maxDiff.toExponential(1)}`);

// what per-example gradients are for: clip each to norm ≤ C, then average (DP-SGD's step)
const C = 0.5;
const norms = w.sqrt(w.add(w.sum(w.square(g.W), 1), w.square(g.b)));
const scale = w.minimum(1, w.div(C, w.maximum(norms, 1e-12)));
const clipped = w.div(w.sum(w.mul(g.W, w.expandDims(scale, 1)), 0), n);
console.log(`gradient norms: min ${w.min(norms).item().toFixed(3)}, max ${w.max(norms).item().toFixed(3)}; ` +
  `clipped mean gradient ${clipped.toString()}`);

// vmap composes: compiled once, replayed for new parameters without re-running the JS
const step = w.compile((p: Params, xs: T, ts: T) => perExample(p, xs, ts), params, X, y);
t0 = performance.now();
for (let i = 0; i < 20; i++) step.value(params, X, y);
console.log(`compiled per-example gradients: ${((performance.now() - t0) / 20).toFixed(2)} ms per call`);
