#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Differential tests of base/url, base/b64 and base/textcodec against Node.js (>= 20).
#   bash tests/web/run_diff.sh [BUILD]     (default debug; the library must be built: make)
# Builds tests/web/web_driver.c with src/base/*.c (base needs only libc and libidn2, so the
# test does not depend on the rest of the tree building), generates the cases
# (tests/web/cases.js), runs both sides and prints "N passed, N failed" last.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-debug}
out=build/$build/web
mkdir -p "$out"
case $build in asan|fuzz) cc=clang-14; opt="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all" ;; *) cc=gcc; opt="-O1 -g" ;; esac
# shellcheck disable=SC2046
$cc -std=c11 -D_GNU_SOURCE $opt -Isrc -o "$out/web_driver" tests/web/web_driver.c src/base/*.c \
  $(pkg-config --libs libidn2) -lm
node tests/web/cases.js >"$out/cases.jsonl"
"$out/web_driver" <"$out/cases.jsonl" >"$out/kiln.jsonl"
node tests/web/diff.js "$out/cases.jsonl" "$out/kiln.jsonl"
