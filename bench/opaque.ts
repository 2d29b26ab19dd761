// Cost of an opaque op (a JS callback per evaluation) inside a compiled program vs the same
// function written in wengert ops, at sizes 1, 1e3, 1e6 (issue 6).  npx tsx bench/opaque.ts
import * as w from '../src/index.js';
import { median, fmt, table } from './timing.js';

// g(x) = x·tanh(x) as plain JS (opaque, with its rule) and as wengert ops
const gOpaque = w.opaque((x) => x.map((v) => v * Math.tanh(v)), {
  name: 'xtanh', shape: (s) => s,
  vjp: (ct, { inputs: [x] }) => { const t = w.tanh(x as w.Tensor); return [w.mul(ct, w.add(t, w.mul(x as w.Tensor, w.sub(1, w.square(t)))))]; },
});
const gOps = (x: w.Tensor) => w.mul(x, w.tanh(x));
const loss = (g: (x: w.Tensor) => w.Tensor) => (x: w.Tensor) => w.sum(w.sin(g(w.mul(x, 0.5))));

const backends = (w.nativeInfo().available ? ['native', 'ts'] : ['ts']) as ('native' | 'ts')[];
const rows: (string | number)[][] = [];
for (const b of backends) {
  w.setBackend(b);
  for (const n of [1, 1000, 1_000_000]) {
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const out = new Float64Array(n);
    const po = w.compile(loss(gOpaque), x), pw = w.compile(loss(gOps), x);
    const to = median(() => po.valueAndGradInto(out, x), 7, 3000);
    const tw = median(() => pw.valueAndGradInto(out, x), 7, 3000);
    rows.push([b, n, fmt(tw), fmt(to), `${(to / tw).toFixed(2)}×`, fmt((to - tw) * 1000) + ' µs']);
  }
}
w.setBackend('ts');
console.log('value + gradient of Σ sin(g(x/2)), g(x) = x·tanh(x): wengert ops vs an opaque JS function with its rule (ms per call)');
console.log(table(['backend', 'n', 'wengert ops', 'opaque', 'ratio', 'overhead'], rows));
