#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run the tests of one build variant: scripts/run-tests.sh OUT [unit|loop|e2e|realtime|replay|diff]...
# Every runner prints "N passed, N failed"; this sums them and prints the total last.
set -u
out=$1; shift
kinds=${*:-unit loop e2e realtime replay diff}
passed=0; failed=0
tally() { # parse the last summary line of a log
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
  if [ -z "$line" ]; then echo "  (no summary line from $2: counted as 1 failure)"; failed=$((failed+1)); return; fi
  local p f; p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
  passed=$((passed+p)); failed=$((failed+f))
}
run() { # name, command...
  local name=$1; shift
  local log; log=$(mktemp)
  echo "== $name"
  "$@" >"$log" 2>&1; local rc=$?
  grep -E 'FAIL|ERROR|passed, ' "$log" | tail -n 40
  tally "$log" "$name"
  if [ $rc -ne 0 ] && ! grep -qE '^[0-9]+ passed, [1-9]' "$log"; then
    echo "  ($name exited $rc)"; tail -n 30 "$log"; failed=$((failed+1))
  fi
  rm -f "$log"
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_stack_use_after_return=0:detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$(pwd)/tests/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for kind in $kinds; do
  case $kind in
    unit) for b in "$out"/tests/unit-*; do [ -x "$b" ] && run "unit $(basename "$b")" "$b"; done ;;
    loop) [ -x "$out/tests/loop" ] && run "loop" "$out/tests/loop" ;;
    e2e) [ -f tests/e2e/run_e2e.py ] && run "e2e" python3 tests/e2e/run_e2e.py --kiln "$out/kiln"
         [ -f tests/e2e/store_e2e.py ] && run "e2e store" python3 tests/e2e/store_e2e.py --kiln "$out/kiln"
         [ -f tests/e2e/data_e2e.py ] && run "e2e data" python3 tests/e2e/data_e2e.py --kiln "$out/kiln"
         [ -f tests/e2e/examples_e2e.py ] && run "e2e examples" python3 tests/e2e/examples_e2e.py --kiln "$out/kiln" ;;
    realtime) [ -f tests/realtime/run.sh ] && run "realtime (eventsource, ws, curl)" bash tests/realtime/run.sh "$(basename "$out")" ;;
    diff) variant=$(basename "$out")
          [ -f tests/gql/run_diff.sh ] && run "gql differential (graphql-js)" env BUILD="$variant" bash tests/gql/run_diff.sh
          [ -f tests/web/run_diff.sh ] && run "web differential (node)" bash tests/web/run_diff.sh "$variant"
          [ -f tests/webjs/run_diff.sh ] && run "web JS API differential (node)" bash tests/webjs/run_diff.sh "$variant"
          # Again with JSC strings through the public C API only (src/js/js_wtf.c's fallback).
          [ -f tests/webjs/run_diff.sh ] && run "web JS API differential, KILN_JSC_STRINGS=api (node)" \
            env KILN_JSC_STRINGS=api bash tests/webjs/run_diff.sh "$variant" ;;
    replay) for b in "$out"/fuzz/*-replay; do [ -x "$b" ] || continue
              t=$(basename "$b" -replay); run "replay $t" "$b" "tests/fuzz/corpus/$t"; done ;;
  esac
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
