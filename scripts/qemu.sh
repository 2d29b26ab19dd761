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
scripts="$root/scripts"
root="$pkg"
probe="$scripts/qemu-probe.mjs"
export WENGERT_ROOT="$pkg"
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
