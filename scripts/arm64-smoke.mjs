// The arm64 smoke (scripts/arm64.sh smoke; CI): run by the arm64 Node under qemu-user against a
// staged package (WENGERT_ROOT: package.json, dist/, and the addon in build/Release or prebuilds/).
// The addon must load at the level WENGERT_SIMD asks for (default: the detected one, neon), and
// every op family, forward and backward, traced and compiled, must agree with the TS backend
// ('check' mode); one gradient is also compared in full and printed.
import { probePrograms, checkPrograms } from './probe-programs.mjs';

const root = process.env.WENGERT_ROOT;
const w = await import(`${root}/dist/index.js`);
const info = w.nativeInfo();
const want = process.env.WENGERT_SIMD || 'neon';
if (process.arch !== 'arm64') { console.log(`not arm64 but ${process.arch}`); process.exit(2); }
if (!info.available) { console.log(`native unavailable: ${info.reason}`); process.exit(2); }
if (info.simd !== want) { console.log(`level ${info.simd}, expected ${want} (${info.reason})`); process.exit(2); }

const progs = probePrograms(w);
checkPrograms(w, progs);
const grid = (r, c, f) => w.tensor(Float64Array.from({ length: r * c }, (_, i) => f(i)), [r, c]);
const A = grid(33, 47, (i) => Math.sin(i) / 3), B = grid(47, 29, (i) => Math.cos(i * 1.3) / 3);

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
console.log(`arm64 ${info.simd}: ${progs.length} programs agree with the TS backend (check mode); loss ${vn} (TS ${vt}), gradient [${a.length}] max rel diff ${worst.toExponential(2)}`);
