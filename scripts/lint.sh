#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make lint (STYLE.md B.15): clang-format, clang-tidy, cppcheck, check-style, check-symbols,
# check-layers. Each check counts once; the last line is "N passed, N failed" and the exit
# status is non-zero when any check failed. Logs: build/lint/<check>.log.
# Usage: scripts/lint.sh [CHECK...]   (default: all; names as in the summary, e.g. "format")
# Environment: LINT_OUT=build/debug (the variant whose libkiln.a check-symbols reads),
#              LINT_JOBS=2 (parallel clang-tidy processes).
set -u
cd "$(dirname "$0")/.."
out=${LINT_OUT:-build/debug}
jobs=${LINT_JOBS:-2}
logdir=build/lint
mkdir -p "$logdir"
passed=0; failed=0; summary=()

# check NAME COMMAND...: run, keep the log, print its tail on failure
check() {
  local name=$1; shift
  local log=$logdir/$name.log t0=$SECONDS
  echo "== lint: $name"
  "$@" >"$log" 2>&1
  local rc=$?
  local dt=$((SECONDS - t0))
  if [ $rc -eq 0 ]; then
    passed=$((passed + 1)); summary+=("PASS  $name (${dt}s)")
  else
    local detail
    detail=$(grep -m1 -E '^(clang-format-14|clang-tidy-14|check-[a-z]+): ' "$log")
    if [ -z "$detail" ]; then
      detail="$(grep -cE ':[0-9]+:[0-9]+: (error|warning|style|performance|portability):' "$log") finding(s)"
    fi
    failed=$((failed + 1)); summary+=("FAIL  $name (${dt}s): $detail; see $log")
    sed -n '1,60p' "$log"
    [ "$(wc -l <"$log")" -gt 60 ] && echo "  ... ($(wc -l <"$log") lines in $log)"
  fi
  return 0
}

c_files() { # every C file we own (not build/, not third-party)
  find src tests bench -type f \( -name '*.c' -o -name '*.h' \) 2>/dev/null | LC_ALL=C sort
}

run_format() {
  local files; mapfile -t files < <(c_files)
  local bad
  bad=$(clang-format-14 --dry-run -Werror "${files[@]}" 2>&1 | grep -oE '^[^:]+:[0-9]+:[0-9]+: error' \
        | cut -d: -f1 | uniq -c | sort -k2)
  if [ -n "$bad" ]; then
    echo "clang-format-14: $(echo "$bad" | grep -c .) file(s) not formatted"
    echo "(count of spots per file; fix: clang-format-14 -i FILE, or make format)"
    echo "$bad"
    return 1
  fi
  echo "clang-format-14: ${#files[@]} files ok"
}

run_tidy() {
  python3 scripts/compdb.py || return 1
  local tdir; tdir=$(mktemp -d)
  python3 -c 'import json; [print(e["file"]) for e in json.load(open("build/compile_commands.json"))]' \
    | xargs -P "$jobs" -I{} sh -c 'clang-tidy-14 -p build --quiet "$1" >"$2/$(echo "$1" | tr / _).log" 2>&1 || echo "$1" >>"$2/failed"' _ {} "$tdir"
  local diags
  diags=$(cat "$tdir"/*.log 2>/dev/null | grep -E '^[^ ]+:[0-9]+:[0-9]+: (error|warning):' \
          | sed "s|^$(pwd)/||" | LC_ALL=C sort -u)
  local nfail=0
  [ -f "$tdir/failed" ] && nfail=$(wc -l <"$tdir/failed")
  if [ -n "$diags" ] || [ "$nfail" -gt 0 ]; then
    echo "clang-tidy-14: $nfail file(s) failed, $(echo "$diags" | grep -c .) distinct diagnostic(s)"
    echo "per file:"
    echo "$diags" | cut -d: -f1 | uniq -c
    echo "diagnostics:"
    echo "$diags"
    rm -rf "$tdir"
    return 1
  fi
  rm -rf "$tdir"
  echo "clang-tidy-14: ok"
}

run_cppcheck() {
  [ -f build/compile_commands.json ] || python3 scripts/compdb.py || return 1
  # cppcheck 2.10 does not know C11's _Noreturn: without this, every ASSERT looks fallible.
  cppcheck --project=build/compile_commands.json --enable=warning,performance,portability \
    --inline-suppr --error-exitcode=1 --suppress=missingIncludeSystem -i build -j "$jobs" -q \
    '-D_Noreturn=__attribute__((noreturn))' --template='{file}:{line}:{column}: {severity}: {message} [{id}]'
}

want=${*:-format clang-tidy cppcheck check-style check-symbols check-layers}
t_start=$SECONDS
for name in $want; do
  case $name in
    format) check format run_format ;;
    clang-tidy) check clang-tidy run_tidy ;;
    cppcheck) check cppcheck run_cppcheck ;;
    check-style) check check-style bash scripts/check-style.sh ;;
    check-symbols) check check-symbols bash scripts/check-symbols.sh "$out" ;;
    check-layers) check check-layers bash scripts/check-layers.sh ;;
    *) echo "lint: unknown check '$name'"; failed=$((failed + 1)); summary+=("FAIL  $name (unknown)") ;;
  esac
done

echo "== lint summary ($((SECONDS - t_start))s)"
for l in "${summary[@]}"; do echo "  $l"; done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
