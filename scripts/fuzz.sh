#!/usr/bin/env bash
# libFuzzer on the program decoder/validator + executor (npm run fuzz): builds native/fuzz with clang
# (-fsanitize=fuzzer,address,undefined, no N-API) into build-fuzz/, seeds it with native/fuzz/corpus
# (regenerate: npx tsx native/fuzz/make-corpus.ts), runs for FUZZ_SECONDS (default 600) and copies
# any crash/timeout/leak input into native/fuzz/regressions/, which test/native/fuzz-regressions.test.ts
# replays through the addon. Headers may declare arenas up to 2^28 doubles (2 GiB, virtual until used):
# -malloc_limit_mb is above that, so only allocations the decoder should have refused count as OOM.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
out="${WG_FUZZ_DIR:-build-fuzz}"
secs="${FUZZ_SECONDS:-600}"
cxx="$(command -v clang++ || true)"
[ -n "$cxx" ] || { echo "fuzz: clang++ not found (apt-get install clang)"; exit 1; }

echo "== building the fuzz target with $cxx into $out"
cmake -S . -B "$out" -DCMAKE_CXX_COMPILER="$cxx" -DWG_FUZZ=ON -DWG_ADDON=OFF -DWG_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$out.log" 2>&1 || { tail -30 "$out.log"; exit 1; }
cmake --build "$out" -j "${JOBS:-2}" --target wg_decoder_fuzz >>"$out.log" 2>&1 || { tail -30 "$out.log"; exit 1; }
fuzzer="$out/native/fuzz/wg_decoder_fuzz"

work="$out/corpus"
mkdir -p "$work" "$out/artifacts" native/fuzz/regressions
cp -n native/fuzz/corpus/* "$work/" 2>/dev/null || true
cp -n native/fuzz/regressions/* "$work/" 2>/dev/null || true
echo "== fuzzing for ${secs}s (corpus $(ls "$work" | wc -l) inputs)"
set +e
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" "$fuzzer" "$work" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=4096 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$out/artifacts/" 2>&1 | tee "$out/fuzz.log" | grep -E "^#[0-9]+ +(pulse|DONE|NEW)|Done|ERROR|SUMMARY|stat::" | tail -30
rc=${PIPESTATUS[0]}
set -e
found=0
for f in "$out"/artifacts/*; do
  [ -e "$f" ] || continue
  cp "$f" native/fuzz/regressions/ && found=$((found + 1))
done
execs="$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$out/fuzz.log" | grep -Eo '[0-9]+$' || echo '?')"
echo "fuzz: ${execs} executions in ${secs}s, ${found} crashing inputs (copied to native/fuzz/regressions), libFuzzer exit ${rc}"
[ "$found" -eq 0 ] && [ "$rc" -eq 0 ]
