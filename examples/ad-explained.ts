// How automatic differentiation differs from symbolic differentiation and from finite
// differences, shown with wengert's own output. Run: npx tsx examples/ad-explained.ts
import * as w from '../src/index.js';

type T = w.Tensor;
const rule = (title: string) => console.log(`\n== ${title} ${'='.repeat(Math.max(0, 72 - title.length))}\n`);

// 1. The program AD writes ---------------------------------------------------------------------
rule('1. f(x) = sin(x)·x as a program (w.show)');
const f = (x: T) => w.mul(w.sin(x), x);
console.log(w.show(f, 2));

// 1b. The classic AD table: every value of the forward sweep, every cotangent of the backward sweep
rule('1b. f(x) = sin(x)·eˣ at x = 1: values vᵢ and cotangents v̄ᵢ = ∂f/∂vᵢ (w.show.values)');
const fe = function f(x: T) { return w.mul(w.sin(x), w.exp(x)); };
console.log(w.show.values(fe, 1));

// 1c. Derivatives of derivatives are programs too, printed simplified (each value computed once)
rule('1c. the second derivative of sin(x)·eˣ as a program (w.show(w.grad(f), 1))');
console.log(w.show(w.grad(fe), 1));
console.log('\n(w.show.html(f, x) draws both programs as one HTML page: npx tsx examples/explain.ts)');

// 2. Symbolic differentiation inlines; AD names --------------------------------------------------
// y₀ = x, y_{k+1} = sin(y_k)·y_k : each level uses the previous value twice.
const nested = (n: number) => {
  const y = (x: T) => { let v = x; for (let i = 0; i < n; i++) v = w.mul(w.sin(v), v); return v; };
  return y;
};
rule('2. y(x) = sin(y₁)·y₁ with y₁ = sin(x)·x, inlined (w.show.expression)');
console.log(w.show.expression(nested(2), 0.5));

rule('   expression swell: inlined size vs SSA size, by depth');
const sizes = (text: string) => [...text.matchAll(/inlined: (\d+) characters, \d+ nodes · SSA: (\d+) equation/g)]
  .map((m) => ({ chars: m[1], eqns: Number(m[2]) }));
console.log('depth │ value: SSA eqns  inlined chars │ derivative: SSA eqns  inlined chars');
for (const n of [1, 2, 4, 8, 16, 32]) {
  const [v, d] = sizes(w.show.expression(nested(n), 0.5));
  console.log(`${String(n).padStart(5)} │ ${String(v.eqns).padStart(16)} ${v.chars.padStart(14)} │ ` +
    `${String(d.eqns).padStart(20)} ${d.chars.padStart(14)}`);
}

// 3. Finite differences have truncation and rounding error; AD has neither ----------------------
rule('3. error against the exact derivative of e^x·sin(x) at x = 1');
const g = (x: T) => w.mul(w.exp(x), w.sin(x));
const gjs = (x: number) => Math.exp(x) * Math.sin(x);
const exact = Math.exp(1) * (Math.sin(1) + Math.cos(1));
const ad = w.grad(g)(1) as number;
console.log(`AD (w.grad):              ${ad.toPrecision(17)}   error ${Math.abs(ad - exact).toExponential(1)}`);
console.log('step h    forward (f(x+h)-f(x))/h   central (f(x+h)-f(x-h))/2h');
for (const h of [1e-1, 1e-3, 1e-5, 1e-7, 1e-9, 1e-11]) {
  const fwd = (gjs(1 + h) - gjs(1)) / h;
  const ctr = (gjs(1 + h) - gjs(1 - h)) / (2 * h);
  console.log(`${h.toExponential(0).padEnd(8)}  error ${Math.abs(fwd - exact).toExponential(1).padEnd(20)}` +
    `error ${Math.abs(ctr - exact).toExponential(1)}`);
}
const check = w.gradcheck(g, [1]);
console.log(`w.gradcheck(g, [1]): ok=${check.ok}, maxRelError=${check.maxRelError.toExponential(1)}`);

// 4. Reverse mode: one gradient costs a few evaluations, whatever the number of inputs -----------
rule('4. cost of the full gradient of Σ log(1 + x²)·cos(x) in n inputs');
const h = (x: T) => w.sum(w.mul(w.log1p(w.square(x)), w.cos(x)));
const best = (fn: () => unknown) => {
  let t = Infinity;
  for (let r = 0; r < 7; r++) { const t0 = performance.now(); fn(); t = Math.min(t, performance.now() - t0); }
  return t;
};
const backendBefore = w.getBackend();
w.setBackend('ts');   // value and gradient on the same backend (the TS interpreter)
console.log('      n │ f(x) ms │ grad ms │ grad / f │ central differences would need');
for (const n of [10, 1000, 100_000]) {
  const x = w.tensor(Float64Array.from({ length: n }, (_, i) => Math.sin(i)));
  const p = w.compile(h, x);   // f and its gradient as recorded programs, each run as one replay
  const tf = best(() => p.value(x)), tg = best(() => p.valueAndGrad(x));
  console.log(`${String(n).padStart(7)} │ ${tf.toFixed(3).padStart(7)} │ ${tg.toFixed(3).padStart(7)} │ ` +
    `${(tg / tf).toFixed(1).padStart(8)} │ ${2 * n} evaluations of f`);
}
w.setBackend(backendBefore);
