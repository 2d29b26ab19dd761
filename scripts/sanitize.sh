#!/usr/bin/env bash
# ASan + UBSan run (npm run sanitize): builds the addon and the C++ unit tests with
# -fsanitize=address,undefined through the cmake-js developer build (CMakeLists.txt) into
# build-sanitize/ (build/Release is never touched), runs the C++ tests, then the native vitest
# suites (fuzz regressions included) plus the property, reduction-order and async tests in a
# temporary copy of the package whose build/Release holds the sanitized addon (node-gyp-build
# resolution, no loader override), with node under LD_PRELOAD of the ASan runtime. Any sanitizer report fails the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${WG_SANITIZE_DIR:-build-sanitize}"
jobs="${JOBS:-2}"

echo "== building the sanitized addon and C++ tests into $out"
# SANITIZE_EXCLUDE=signed-integer-overflow (say) leaves one check out while a known report is triaged
# (configure every time: `cmake-js build` alone keeps a cached configuration and drops --CD options)
{ npx cmake-js configure -O "$out" --CDWG_SANITIZE=address,undefined --CDWG_SANITIZE_EXCLUDE="${SANITIZE_EXCLUDE:-}" --CDWG_TESTS=ON &&
  npx cmake-js build -O "$out" -p "$jobs"; } >"$out.log" 2>&1 || { tail -40 "$out.log"; exit 1; }
addon="$(find "$out" -name wengert.node | head -1)"
tests="$(find "$out" -name wg_native_tests -type f | head -1)"
[ -n "$addon" ] && [ -n "$tests" ] || { echo "build produced no addon or tests"; exit 1; }
asan="$(g++ -print-file-name=libasan.so)"
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

echo "== C++ unit tests (ASan+UBSan, and LeakSanitizer: loop runs that fail must free their tapes)"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1" "$tests"

echo "== native test suites with the sanitized addon (LD_PRELOAD=$asan)"
tmp="$(mktemp -d /tmp/wengert-sanitize.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cp -r package.json tsconfig.json vitest.config.ts binding.gyp src test scripts native bench "$tmp/"
mkdir -p "$tmp/build/Release"
ln -s "$root/node_modules" "$tmp/node_modules"
cp "$addon" "$tmp/build/Release/wengert.node"
cd "$tmp"
# the copy must load the sanitized addon, not another build
LD_PRELOAD="$asan" node -e "
  const p = require('node-gyp-build').resolve('.');
  if (!require('fs').realpathSync(p).startsWith('$tmp/build/Release')) { console.error('loads ' + p); process.exit(1); }
  console.log('addon: ' + p);"
suites=(test/native)
for f in test/property.test.ts test/reduce-order.test.ts test/async.test.ts; do [ -f "$f" ] && suites+=("$f"); done
LD_PRELOAD="$asan" WENGERT_EXPECT_NATIVE=1 npx vitest run "${suites[@]}" 2>&1 | tee "$tmp/vitest.log" | tail -25
grep -q "ERROR: AddressSanitizer\|runtime error:" "$tmp/vitest.log" && { echo "sanitizer reports found"; exit 1; }
grep -Eq "^Tests: [0-9]+ passed, 0 failed" "$tmp/vitest.log" || { echo "test failures"; exit 1; }
echo "sanitize: clean"
