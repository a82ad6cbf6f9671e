#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Web platform benchmark: Kiln's C (base/url, base/textcodec) and Node in the same sitting.
#   bash bench/web/run.sh [seconds per workload, default 2]
# Both sides are pinned to core 0 when taskset exists. Prints ops/s and the Kiln/Node ratio.
set -eu
cd "$(dirname "$0")/../.."
secs=${1:-2}
make -j2 BUILD=release build/release/bench/web/url_bench >/dev/null
pin=""; command -v taskset >/dev/null && pin="taskset -c 0"
k=$($pin build/release/bench/web/url_bench "$secs")
n=$($pin node bench/web/bench.js "$secs")
printf '%-16s %14s %14s %8s\n' workload kiln_ops_s node_ops_s ratio
while read -r name kv; do
  nv=$(echo "$n" | awk -v w="$name" '$1==w {print $2}')
  awk -v w="$name" -v a="$kv" -v b="$nv" 'BEGIN { printf "%-16s %14.0f %14.0f %8.2f\n", w, a, b, a / b }'
done <<<"$k"
