#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Differential test: Kiln's GraphQL engine against graphql-js (npm graphql@16) on the cases of
# tests/gql/diff/*.jsonl and the specification's examples in tests/gql/conformance/*.jsonl
# (which must also be valid/invalid as the specification says). Installs graphql into
# build/npm when missing, builds the C driver
# against build/<BUILD>/libkiln.a, and prints "N passed, N failed" last.
#   bash tests/gql/run_diff.sh            (BUILD=debug by default; BUILD=asan works too)
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-debug}
OUT=build/$BUILD
if [ ! -d build/npm/node_modules/graphql ]; then
  npm install --silent --prefix build/npm graphql@16 >/dev/null
fi
make -s BUILD="$BUILD" "$OUT/libkiln.a" >/dev/null
case $BUILD in
  asan) CC=clang-14; FLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all" ;;
  *) CC=gcc; FLAGS="-O1 -g" ;;
esac
mkdir -p "$OUT/tests"
$CC -std=c11 -D_GNU_SOURCE $FLAGS -Wall -Wextra -Isrc -o "$OUT/tests/gql_driver" \
  tests/gql/gql_driver.c "$OUT/libkiln.a" -lm
node tests/gql/run_diff.js "$OUT/tests/gql_driver" tests/gql/diff/*.jsonl tests/gql/conformance/*.jsonl
