#!/usr/bin/env bash
# Runs the native addon under Debian's qemu-user with older CPU models (npm run qemu) to prove the
# SIMD dispatch never executes an instruction the CPU lacks: for each model, node under
# `qemu-x86_64 -cpu MODEL` loads the addon (build/Release), reports the level it chose, and runs every
# op family (elementwise, fused chains, reductions, matmul, layout, gather) forward and backward in
# 'check' mode (native vs TS) at the dispatched level and at every lower level (WENGERT_SIMD), then
# asks for a level above the CPU's, which must be refused. SIGILL or a mismatch fails the model.
#   QEMU_MODELS="qemu64 Nehalem Haswell" npm run qemu
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
command -v qemu-x86_64 >/dev/null || { echo "qemu: qemu-x86_64 not found (apt-get install qemu-user)"; exit 1; }
node="$(command -v node)"
# qemu 7.2's TCG has no AVX-512: a Skylake-Server model runs as AVX2, so the default stops at Haswell
models="${QEMU_MODELS:-qemu64 Nehalem Haswell}"
npx tsc -p tsconfig.json >/dev/null || { echo "qemu: tsc failed"; exit 1; }
[ -f build/Release/wengert.node ] || { echo "qemu: build/Release/wengert.node missing (npm run build:native)"; exit 1; }
# a private copy of the package: a concurrent rebuild of build/ cannot pull the addon away mid-run
pkg="$(mktemp -d /tmp/wengert-qemu.XXXXXX)"
trap 'rm -rf "$pkg"' EXIT
cp -r package.json dist "$pkg/"
mkdir -p "$pkg/build/Release"
cp build/Release/wengert.node "$pkg/build/Release/"
ln -s "$root/node_modules" "$pkg/node_modules"
root="$pkg"
probe="$pkg/probe.mjs"
cat >"$probe" <<'JS'
import * as w from 'ROOT/dist/index.js';
const info = w.nativeInfo();
if (!info.available) { console.log(`native unavailable: ${info.reason}`); process.exit(2); }
const grid = (r, c, f) => w.tensor(Float64Array.from({ length: r * c }, (_, i) => f(i)), [r, c]);
const X = grid(37, 19, (i) => Math.sin(i * 0.37) * 2), Y = grid(37, 19, (i) => Math.cos(i * 0.21) * 1.5);
const A = grid(33, 47, (i) => Math.sin(i) / 3), B = grid(47, 29, (i) => Math.cos(i * 1.3) / 3);
const pos = (x) => w.add(w.square(x), 0.1), unit = (x) => w.mul(w.tanh(x), 0.9);
const unary = { neg: 0, square: 0, sqrt: pos, exp: 0, expm1: 0, log: pos, log1p: pos, sin: 0, cos: 0, tan: unit, asin: unit, acos: unit,
  atan: 0, sinh: 0, cosh: 0, tanh: 0, sigmoid: 0, softplus: 0, relu: 0, abs: 0, sign: 0 };
const fns = [];
for (const [n, d] of Object.entries(unary)) fns.push([n, (x) => w.sum(w[n](d ? d(x) : x))]);
for (const n of ['add', 'sub', 'mul', 'div', 'pow', 'atan2', 'maximum', 'minimum', 'less', 'lessEqual', 'greater', 'greaterEqual', 'equal', 'notEqual']) {
  fns.push([n, (x, y) => w.sum(w.mul(w[n](n === 'pow' || n === 'div' || n === 'atan2' ? pos(x) : x, w.slice(y, [0], [37])), x))]);
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
const args = (n) => (n.startsWith('matmul') ? [A, B] : [X, Y]);
w.setBackend('check', { rtol: 1e-9, atol: 1e-12 });
let checked = 0;
for (const [name, f] of fns) {
  const xs = args(name).slice(0, f.length || 1);
  w.valueAndGrad(f, { argnums: xs.map((_, i) => i) })(...xs);
  const p = w.compile(f, ...xs);
  p.valueAndGrad(...xs);
  checked++;
}
console.log(`level ${w.nativeInfo().simd}: ${checked} programs checked (native = TS, value and gradient, traced and compiled)`);
JS
sed -i "s#ROOT#$root#" "$probe"
fail=0
for m in $models; do
  detected="$(qemu-x86_64 -cpu "$m" "$node" -e "import('$root/dist/index.js').then(w => console.log(w.nativeInfo().simd))" 2>&1 | tail -1)"
  echo "== $m: dispatched level $detected"
  levels="scalar"
  case "$detected" in sse) levels="scalar sse";; avx2) levels="scalar sse avx2";; avx512) levels="scalar sse avx2 avx512";; esac
  for lv in $levels; do
    start=$(date +%s)
    out="$(WENGERT_SIMD=$lv qemu-x86_64 -cpu "$m" "$node" "$probe" 2>&1)"
    rc=$?
    echo "   WENGERT_SIMD=$lv: $(echo "$out" | tail -1) [exit $rc, $(( $(date +%s) - start )) s]"
    [ $rc -eq 0 ] || { fail=1; echo "$out" | tail -20; }
  done
  above="$(case "$detected" in scalar) echo sse;; sse) echo avx2;; avx2) echo avx512;; *) echo "";; esac)"
  if [ -n "$above" ]; then
    r="$(WENGERT_SIMD=$above qemu-x86_64 -cpu "$m" "$node" -e "import('$root/dist/index.js').then(w => console.log(w.nativeInfo().simd + ' | ' + w.nativeInfo().reason))" 2>&1 | tail -1)"
    echo "   WENGERT_SIMD=$above (above the CPU): $r"
    case "$r" in "$detected |"*) ;; *) fail=1; echo "   expected the request to be refused";; esac
  fi
done
[ $fail -eq 0 ] && echo "qemu: all models clean" || { echo "qemu: FAILED"; exit 1; }
