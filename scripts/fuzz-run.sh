#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Short real fuzzing runs (STYLE.md B.11 layer 5): make BUILD=fuzz, then every
# build/fuzz/fuzz/fuzz_* runs for SECONDS with its checked-in corpus and dictionary. New inputs
# go to a temporary directory, never into tests/fuzz/corpus/ (add a finding there by hand, with
# a unit test). A crash leaves build/fuzz/artifacts/<target>-crash-*. Each target counts once;
# the last line is "N passed, N failed".
# Usage: scripts/fuzz-run.sh [SECONDS]   (default 30; make fuzz-run uses FUZZ_SECONDS)
set -u
cd "$(dirname "$0")/.."
secs=${1:-30}
passed=0; failed=0
logdir=build/fuzz/logs
artifacts=build/fuzz/artifacts
mkdir -p "$logdir" "$artifacts"

echo "== fuzz: make BUILD=fuzz"
if ! make -k -j2 BUILD=fuzz all >"$logdir/build.log" 2>&1; then
  echo "  build failed (some targets may be missing): $logdir/build.log"
  grep -E ': (fatal )?error|\*\*\*|undefined reference' "$logdir/build.log" | head -n 20
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

shopt -s nullglob
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c)
  bin=build/fuzz/fuzz/$name
  if [ ! -x "$bin" ]; then
    echo "FAIL  $name: $bin was not built"
    failed=$((failed + 1)); continue
  fi
  corpus=tests/fuzz/corpus/$name
  new=$(mktemp -d)
  args=(-max_total_time="$secs" -rss_limit_mb=2048 -timeout=25 -print_final_stats=1
        -artifact_prefix="$artifacts/$name-")
  [ -f "tests/fuzz/dict/$name.dict" ] && args+=(-dict="tests/fuzz/dict/$name.dict")
  dirs=("$new"); [ -d "$corpus" ] && dirs+=("$corpus")
  log=$logdir/$name.log
  "$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' | tail -n 1)
  if [ $rc -eq 0 ]; then
    echo "PASS  $name (${secs}s, ${runs:-?} runs, $(find "$new" -type f | wc -l) new inputs)"
    passed=$((passed + 1))
  else
    echo "FAIL  $name (exit $rc): $log"
    grep -E 'ERROR|SUMMARY|Test unit written|artifact' "$log" | head -n 10 | sed 's/^/    /'
    failed=$((failed + 1))
  fi
  rm -rf "$new"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
