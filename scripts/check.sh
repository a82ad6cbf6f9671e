#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make check: the one test command (STYLE.md B.15), run by .ci/run on a fresh machine.
#   deps -> format -> gcc debug build (-Werror) -> unit+loop+e2e+replay -> clang asan build
#   (-Werror) -> unit+loop+e2e+replay under ASan+UBSan -> lint -> short fuzzing run per
#   target -> release build.
# Every stage runs even when an earlier one failed (tests of a failed build are skipped and
# count as one failure). Each stage reports "N passed, N failed" (a build counts once); the
# grand total is the very last line, and the exit status is non-zero when anything failed.
# Environment: FUZZ_SECONDS (default 20) per fuzz target; JOBS (default 2) for make.
set -u
cd "$(dirname "$0")/.."
fuzz_secs=${FUZZ_SECONDS:-20}
jobs=${JOBS:-2}
logdir=build/check
mkdir -p "$logdir"
total_p=0; total_f=0; table=()
t_all=$SECONDS

# stage NAME KIND COMMAND...: KIND "build" counts 1 pass/fail by exit status; KIND "suite"
# reads the last "N passed, N failed" line (none: 1 failure) and streams its output.
stage() {
  local name=$1 kind=$2; shift 2
  local log=$logdir/$name.log t0=$SECONDS rc p f
  echo
  echo "=================== $name"
  if [ "$kind" = build ]; then
    "$@" >"$log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then p=1; f=0; else
      p=0; f=1
      grep -E ': (fatal )?error|: warning:|\*\*\*|undefined reference|No such file' "$log" \
        | head -n 40
      echo "  ($name failed, exit $rc; full log: $log)"
    fi
  else
    "$@" 2>&1 | tee "$log"
    rc=${PIPESTATUS[0]}
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
      p=0; f=1; echo "  ($name printed no summary line, exit $rc: counted as 1 failure)"
    else
      p=$(echo "$line" | awk '{print $1}'); f=$(echo "$line" | awk '{print $3}')
      if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "  ($name exited $rc)"; fi
    fi
  fi
  total_p=$((total_p + p)); total_f=$((total_f + f))
  table+=("$(printf '%-22s %5d passed %5d failed %5ds' "$name" "$p" "$f" $((SECONDS - t0)))")
  return 0
}

skip() { # NAME REASON: a stage that cannot run counts as one failure
  echo; echo "=================== $1"; echo "  skipped: $2"
  total_f=$((total_f + 1))
  table+=("$(printf '%-22s %5d passed %5d failed  (skipped: %s)' "$1" 0 1 "$2")")
}

built() { # did stage NAME pass?
  grep -qE "^$1 +1 passed" <(printf '%s\n' "${table[@]}")
}

stage deps build bash scripts/install-deps.sh
stage format suite bash scripts/lint.sh format
stage build-debug build make -j"$jobs" -k BUILD=debug WERROR=1 all
if built build-debug; then
  stage tests-debug suite bash scripts/run-tests.sh build/debug
else
  skip tests-debug "debug build failed"
fi
stage build-asan build make -j"$jobs" -k BUILD=asan WERROR=1 all
if built build-asan; then
  stage tests-asan suite bash scripts/run-tests.sh build/asan
else
  skip tests-asan "asan build failed"
fi
stage lint suite env LINT_OUT=build/debug bash scripts/lint.sh clang-tidy cppcheck check-style \
  check-symbols check-layers
stage fuzz suite bash scripts/fuzz-run.sh "$fuzz_secs"
stage build-release build make -j"$jobs" BUILD=release WERROR=1 build/release/kiln

echo
echo "=================== make check summary ($(( (SECONDS - t_all) / 60 ))m$(( (SECONDS - t_all) % 60 ))s; logs in $logdir)"
for l in "${table[@]}"; do echo "  $l"; done
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
