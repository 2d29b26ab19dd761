// The op-family probe shared by the CPU-model run (scripts/qemu.sh via qemu-probe.mjs) and the arm64
// smoke (scripts/arm64-smoke.mjs): every op family — elementwise (also broadcast), fused chains,
// reductions, matmul (also transposed), layout, gather — forward and backward, traced and compiled,
// in 'check' mode (native against TS, so a mismatch throws).

/** [name, f, args] for every probe program, built with the wengert module `w` */
export function probePrograms(w) {
  const grid = (r, c, f) => w.tensor(Float64Array.from({ length: r * c }, (_, i) => f(i)), [r, c]);
  const X = grid(37, 19, (i) => Math.sin(i * 0.37) * 2), Y = grid(37, 19, (i) => Math.cos(i * 0.21) * 1.5);
  const A = grid(33, 47, (i) => Math.sin(i) / 3), B = grid(47, 29, (i) => Math.cos(i * 1.3) / 3);
  const pos = (x) => w.add(w.square(x), 0.1), unit = (x) => w.mul(w.tanh(x), 0.9);
  const unary = { neg: 0, square: 0, sqrt: pos, exp: 0, expm1: 0, log: pos, log1p: pos, sin: 0, cos: 0, tan: unit, asin: unit, acos: unit,
    atan: 0, sinh: 0, cosh: 0, tanh: 0, sigmoid: 0, softplus: 0, relu: 0, abs: 0, sign: 0 };
  const fns = [];
  for (const [n, d] of Object.entries(unary)) fns.push([n, (x) => w.sum(w[n](d ? d(x) : x))]);
  for (const n of ['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'maximum', 'minimum', 'less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual']) {
    fns.push([n, (x, y) => w.sum(w.mul(w[n](n === 'pow' || n === 'div' || n === 'atan2' ? pos(x) : x, y), x))]);
    fns.push([`${n} (broadcast)`, (x, y) => w.sum(w[n](pos(x), w.sum(y, 0)))]);
  }
  fns.push(['where', (x, y) => w.sum(w.where(w.greater(x, 0), x, w.square(y)))]);
  fns.push(['clip', (x) => w.sum(w.clip(x, -0.5, 0.7))]);
  fns.push(['fused chain', (x, y) => w.sum(w.tanh(w.add(w.mul(w.exp(w.mul(x, 0.3)), y), w.sin(x))))]);
  for (const n of ['sum', 'max', 'min', 'prod', 'mean', 'logsumexp']) for (const ax of [0, 1, undefined]) fns.push([`${n} axis ${ax}`, (x) => w.sum(w.square(w[n](unit(x), ax)))]);
  fns.push(['softmax', (x) => w.sum(w.mul(w.softmax(x), x))]);
  fns.push(['matmul', (a, b) => w.sum(w.tanh(w.matmul(a, b)))]);
  fns.push(['matmul transposed', (a, b) => w.sum(w.matmul(w.transpose(b), w.transpose(a)))]);
  fns.push(['layout', (x) => w.sum(w.mul(w.concat([w.transpose(x), w.broadcastTo(w.reshape(w.slice(x, [0, 0], [1, 19]), [19, 1]), [19, 37])], 0), 0.5))]);
  fns.push(['gather', (x) => w.sum(w.square(w.gather(x, w.tensor([3, 0, 3, 36, 5]), 0)))]);
  return fns.map(([name, f]) => [name, f, (name.startsWith('matmul') ? [A, B] : [X, Y]).slice(0, f.length || 1)]);
}

/** value and gradient of every probe, traced and compiled, in check mode; returns how many ran */
export function checkPrograms(w, progs) {
  w.setBackend('check', { rtol: 1e-9, atol: 1e-12 });
  for (const [, f, xs] of progs) {
    w.valueAndGrad(f, { argnums: xs.map((_, i) => i) })(...xs);
    w.compile(f, ...xs).valueAndGrad(...xs);
  }
  return progs.length;
}
