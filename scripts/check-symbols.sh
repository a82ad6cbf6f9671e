#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every global symbol defined in libkiln.a carries its module prefix (STYLE.md B.4):
#   src/<m>/<m>_*.c  exports only <m>_*          (net_ http_ js_ db_ gql_ auth_ job_ metrics_ api_ app_)
#   src/base/<f>.c   exports only <f>_*          (arena_ str_ buf_ ... derived from src/base/*.[ch])
# The generated prelude (js_prelude_*) is js_. Sanitizer and compiler symbols are ignored.
# Usage: scripts/check-symbols.sh [OUT]   (default build/debug; runs make for OUT/libkiln.a first)
set -u
cd "$(dirname "$0")/.."
out=${1:-build/debug}
lib=$out/libkiln.a
variant=${out#build/}
# Always ask make: it rebuilds what changed, so the symbols are those of the current sources.
if ! make -s -j2 BUILD="$variant" "$lib" >/dev/null 2>&1; then
  echo "check-symbols: cannot build $lib (make BUILD=$variant $lib fails)"
  exit 1
fi

modules="net http js db gql auth job metrics api app"
base_prefixes=$(find src/base -maxdepth 1 \( -name '*.c' -o -name '*.h' \) -printf '%f\n' \
  | sed 's/\.[ch]$//' | LC_ALL=C sort -u | tr '\n' ' ')
# Prefixes named in STYLE.md for base files that may not exist yet.
base_prefixes="$base_prefixes arena str buf map rc diag log clk rnd utf8 json mem defs vec url b64"

nm -g --defined-only "$lib" 2>/dev/null | awk -v mods="$modules" -v base="$base_prefixes" '
  BEGIN {
    n = split(mods, m, " "); for (i = 1; i <= n; i++) { ismod[m[i]] = 1; any[m[i]] = 1 }
    n = split(base, b, " "); for (i = 1; i <= n; i++) { if (b[i] != "") { isbase[b[i]] = 1; any[b[i]] = 1 } }
    bad = 0; total = 0
  }
  /:$/ { obj = substr($0, 1, length($0) - 1); sub(/\.o$/, "", obj); next }
  NF < 3 { next }
  {
    sym = $3
    # compiler, sanitizer and coverage artefacts
    if (sym ~ /^(__odr_asan|__asan|__ubsan|__sancov|__llvm|__profc|__profd|__gcov|\.)/) next
    total++
    # the prefix this object may export
    want = ""
    if (obj in isbase) want = obj
    else { split(obj, parts, "_"); if (parts[1] in ismod) want = parts[1] }
    if (want != "") {
      if (index(sym, want "_") != 1) {
        printf "%s.o: %s (%s) does not start with %s_\n", obj, sym, $2, want; bad++
      }
      next
    }
    # an object whose name says nothing: any allowed prefix
    split(sym, sp, "_")
    if (!(sp[1] in any)) { printf "%s.o: %s (%s) has no module prefix\n", obj, sym, $2; bad++ }
  }
  END {
    if (bad) { printf "check-symbols: %d of %d global symbols without their prefix\n", bad, total; exit 1 }
    printf "check-symbols: ok (%d global symbols)\n", total
  }'
