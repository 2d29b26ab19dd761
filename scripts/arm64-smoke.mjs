// The arm64 smoke (scripts/arm64.sh smoke; CI): run by the arm64 Node under qemu-user against a
// staged package (WENGERT_ROOT: package.json, dist/, and the addon in build/Release or prebuilds/).
// The addon must load at the level WENGERT_SIMD asks for (default: the detected one, neon), and
// every op family, forward and backward, traced and compiled, must agree with the TS backend
// ('check' mode); one gradient is also compared in full and printed.
const root = process.env.WENGERT_ROOT;
const w = await import(`${root}/dist/index.js`);
const info = w.nativeInfo();
const want = process.env.WENGERT_SIMD || 'neon';
if (process.arch !== 'arm64') { console.log(`not arm64 but ${process.arch}`); process.exit(2); }
if (!info.available) { console.log(`native unavailable: ${info.reason}`); process.exit(2); }
if (info.simd !== want) { console.log(`level ${info.simd}, expected ${want} (${info.reason})`); process.exit(2); }

const grid = (r, c, f) => w.tensor(Float64Array.from({ length: r * c }, (_, i) => f(i)), [r, c]);
const X = grid(37, 19, (i) => Math.sin(i * 0.37) * 2), Y = grid(37, 19, (i) => Math.cos(i * 0.21) * 1.5);
const A = grid(33, 47, (i) => Math.sin(i) / 3), B = grid(47, 29, (i) => Math.cos(i * 1.3) / 3);
const pos = (x) => w.add(w.square(x), 0.1), unit = (x) => w.mul(w.tanh(x), 0.9);
const unary = { neg: 0, square: 0, sqrt: pos, exp: 0, expm1: 0, log: pos, log1p: pos, sin: 0, cos: 0, tan: unit, asin: unit, acos: unit,
  atan: 0, sinh: 0, cosh: 0, tanh: 0, sigmoid: 0, softplus: 0, relu: 0, abs: 0, sign: 0 };
const fns = [];
for (const [n, d] of Object.entries(unary)) fns.push([n, (x) => w.sum(w[n](d ? d(x) : x))]);
for (const n of ['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'maximum', 'minimum', 'less', 'greater', 'equal']) {
  fns.push([n, (x, y) => w.sum(w.mul(w[n](n === 'pow' || n === 'div' || n === 'atan2' ? pos(x) : x, y), x))]);
  fns.push([`${n} (broadcast)`, (x, y) => w.sum(w[n](pos(x), w.sum(y, 0)))]);
}
fns.push(['where', (x, y) => w.sum(w.where(w.greater(x, 0), x, w.square(y)))]);
fns.push(['fused chain', (x, y) => w.sum(w.tanh(w.add(w.mul(w.exp(w.mul(x, 0.3)), y), w.sin(x))))]);
for (const n of ['sum', 'max', 'min', 'prod', 'logsumexp']) for (const ax of [0, 1, undefined]) fns.push([`${n} axis ${ax}`, (x) => w.sum(w.square(w[n](unit(x), ax)))]);
fns.push(['softmax', (x) => w.sum(w.mul(w.softmax(x), x))]);
fns.push(['matmul', (a, b) => w.sum(w.tanh(w.matmul(a, b)))]);
fns.push(['matmul transposed', (a, b) => w.sum(w.matmul(w.transpose(b), w.transpose(a)))]);
fns.push(['gather', (x) => w.sum(w.square(w.gather(x, w.tensor([3, 0, 3, 36, 5]), 0)))]);
const args = (n) => (n.startsWith('matmul') ? [A, B] : [X, Y]);
w.setBackend('check', { rtol: 1e-9, atol: 1e-12 });
for (const [name, f] of fns) {
  const xs = args(name).slice(0, f.length || 1);
  w.valueAndGrad(f, { argnums: xs.map((_, i) => i) })(...xs);
  w.compile(f, ...xs).valueAndGrad(...xs);
}

// one gradient in full: a least-squares loss through matmul, exp and tanh, native vs TS
const loss = (a, b) => w.sum(w.square(w.sub(w.tanh(w.matmul(a, b)), w.exp(w.mul(w.matmul(a, b), -0.5)))));
w.setBackend('native');
const [vn, gn] = w.valueAndGrad(loss)(A, B);
w.setBackend('ts');
const [vt, gt] = w.valueAndGrad(loss)(A, B);
const a = gn.data(), b = gt.data();
let worst = 0;
for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1e-300));
if (!(worst <= 1e-12) || !(Math.abs(vn - vt) <= 1e-13 * Math.abs(vt))) {
  console.log(`gradient mismatch: value ${vn} vs ${vt}, worst relative gradient difference ${worst}`);
  process.exit(1);
}
console.log(`arm64 ${info.simd}: ${fns.length} programs agree with the TS backend (check mode); loss ${vn} (TS ${vt}), gradient [${a.length}] max rel diff ${worst.toExponential(2)}`);
