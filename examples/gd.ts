// Plain gradient descent with w.valueAndGrad: fit a small model and watch the loss fall (npx tsx examples/gd.ts).
// y = a·sin(b·t) + c fitted to noisy samples; the gradient comes from w.valueAndGrad.
import * as w from '../src/index.js';

const n = 200;
const t = Float64Array.from({ length: n }, (_, i) => (i / n) * 6);
const truth = { a: 1.7, b: 1.3, c: 0.4 };
let seed = 42;
const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.1;
const y = t.map((ti) => truth.a * Math.sin(truth.b * ti) + truth.c + noise());

type Params = { a: number; b: number; c: number };
const loss = (p: { a: w.Tensor; b: w.Tensor; c: w.Tensor }, tt: w.Tensor, yy: w.Tensor) =>
  w.mean(w.square(w.sub(w.add(w.mul(p.a, w.sin(w.mul(p.b, tt))), p.c), yy)));

const step = w.valueAndGrad(loss);
let p: Params = { a: 1, b: 1, c: 0 };
const lr = 0.05;
const started = performance.now();
console.log(`wengert demo — fitting a·sin(b·t) + c to ${n} noisy points by gradient descent (backend: ${w.getBackend()})`);
for (let it = 0; it <= 600; it++) {
  const [value, g] = step(p, t, y) as [number, Params];
  if (it % 60 === 0) console.log(`  iter ${String(it).padStart(3)}  loss ${value.toExponential(4)}  |∇| ${Math.hypot(g.a, g.b, g.c).toExponential(2)}`);
  p = { a: p.a - lr * g.a, b: p.b - lr * g.b, c: p.c - lr * g.c };
}
const ms = performance.now() - started;
console.log(`fitted a=${p.a.toFixed(4)} b=${p.b.toFixed(4)} c=${p.c.toFixed(4)}  (truth ${truth.a}, ${truth.b}, ${truth.c})  in ${ms.toFixed(0)} ms`);
