// A consumer without @types/node (compiled by test/types.test.ts against the emitted declarations,
// `types: []`, lib ES2022 only): importing wengert must type-check there too.
import * as w from 'wengert';

const f = (p: { W: w.Tensor; b: w.Tensor }) => w.sum(w.square(w.add(p.W, p.b)));
const g: { W: Float64Array; b: number } = w.grad(f)({ W: new Float64Array(2), b: 0 });
const t: w.Tensor = w.erf(w.linspace(-1, 1, 5));
const k = w.random.key(1);
const x: w.Tensor = w.vmap((k: w.Tensor) => w.random.normal(k, [2]))(w.random.split(k, 3));
const p = w.compile(f, { W: new Float64Array(2), b: 0 });
const v: [number, { W: Float64Array; b: number }] = p.valueAndGrad({ W: new Float64Array(2), b: 1 });
export { g, t, x, v };
