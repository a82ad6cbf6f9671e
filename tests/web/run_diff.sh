#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Differential tests of base/url, base/b64 and base/textcodec against Node.js (>= 20).
#   bash tests/web/run_diff.sh [BUILD]     (default debug; the library must be built: make)
# Builds tests/web/web_driver.c against build/BUILD/libkiln.a, generates the cases
# (tests/web/cases.js), runs both sides and prints "N passed, N failed" last.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-debug}
out=build/$build/web
mkdir -p "$out"
case $build in asan|fuzz) cc=clang-14; opt="-O1 -g -fsanitize=address,undefined" ;; *) cc=gcc; opt="-O1 -g" ;; esac
make -j2 BUILD="$build" "build/$build/libkiln.a" >/dev/null
# shellcheck disable=SC2046
$cc -std=c11 -D_GNU_SOURCE $opt -Isrc -o "$out/web_driver" tests/web/web_driver.c \
  "build/$build/libkiln.a" $(pkg-config --libs libidn2) -lm
node tests/web/cases.js >"$out/cases.jsonl"
"$out/web_driver" <"$out/cases.jsonl" >"$out/kiln.jsonl"
node tests/web/diff.js "$out/cases.jsonl" "$out/kiln.jsonl"
