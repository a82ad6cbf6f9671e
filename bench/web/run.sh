#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Web platform benchmark: Kiln's C (base/url, base/textcodec) and Node in the same sitting.
#   bash bench/web/run.sh [seconds per workload, default 2]
# Both sides are pinned to core 0 when taskset exists. Prints ops/s and the Kiln/Node ratio.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-2}
bin=build/release/bench/web/url_bench
if ! make -j2 BUILD=release "$bin" >/dev/null 2>&1; then
  # The rest of the tree may be mid-change; the benchmark needs only src/base.
  mkdir -p "$(dirname "$bin")"
  # shellcheck disable=SC2046
  gcc -std=c11 -D_GNU_SOURCE -O2 -DNDEBUG -Isrc -Ibench/web -o "$bin" bench/web/url_bench.c src/base/*.c \
    $(pkg-config --libs libidn2) -lm
fi
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"
k=$($pin "$bin" "$secs")
n=$($pin node bench/web/bench.js "$secs")
printf '%-16s %14s %14s %8s\n' workload kiln_ops_s node_ops_s ratio
while read -r name kv; do
  nv=$(echo "$n" | awk -v w="$name" '$1==w {print $2}')
  awk -v w="$name" -v a="$kv" -v b="$nv" 'BEGIN { printf "%-16s %14.0f %14.0f %8.2f\n", w, a, b, a / b }'
done <<<"$k"
