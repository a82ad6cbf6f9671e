#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# GraphQL engine benchmark: Kiln's C engine (release build) and graphql-js on Node, same
# schema, query, variables and data, in the same run. Checks that both produce the same
# response first, then prints ops/s for each and the ratio.
#   bash bench/gql/run.sh [seconds]
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-3}
if [ ! -d build/npm/node_modules/graphql ]; then
  npm install --silent --prefix build/npm graphql@16 >/dev/null
fi
make -s BUILD=release build/release/bench/gql/gql_bench >/dev/null
a=$(GQL_BENCH_PRINT=1 build/release/bench/gql/gql_bench 0 | head -n 1)
b=$(GQL_BENCH_PRINT=1 node bench/gql/bench.js 0 | head -n 1)
if [ "$a" != "$b" ]; then
  echo "responses differ:"; echo "kiln:       $a"; echo "graphql-js: $b"; exit 1
fi
echo "responses identical ($(echo -n "$a" | wc -c) bytes)"
k=$(build/release/bench/gql/gql_bench "$secs"); echo "$k"
n=$(node bench/gql/bench.js "$secs"); echo "$n"
ko=$(echo "$k" | awk '{print $3}'); no=$(echo "$n" | awk '{print $3}')
awk -v k="$ko" -v n="$no" 'BEGIN { printf "ratio: %.1fx graphql-js\n", k / n }'
