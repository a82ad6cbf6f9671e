#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Web platform benchmark: Kiln's C (base/url, base/textcodec) and Node in the same sitting, then
# the JS-level APIs (bench/web/js_bench.js: new URL, searchParams.get, TextEncoder/TextDecoder)
# run by the real kiln binary (release build, inside one request handler) and by Node.
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

# JS level: the same workload code in Node and in a Kiln script (the URL list as JSON).
kiln=build/release/kiln
make -j2 BUILD=release "$kiln" >/dev/null
work=$(mktemp -d)
trap 'kill "$kpid" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/scripts" "$work/data"
urls=$(node -e '
const src = require("fs").readFileSync("bench/web/urls.h", "utf8");
const body = src.slice(src.indexOf("{") + 1, src.lastIndexOf("}"));
const lit = /"((?:[^"\\]|\\.)*)"/g;
const urls = [...body.matchAll(/((?:\s*"(?:[^"\\]|\\.)*")+)\s*,/g)].map((m) =>
  [...m[1].matchAll(lit)].map((l) => JSON.parse(`"${l[1]}"`)).join(""));
process.stdout.write(JSON.stringify(urls));')
{ cat bench/web/js_bench.js; echo "const BENCH_URLS = $urls;"
  echo 'routeRegistry.registerRoute("/__bench", (c) => webBench(BENCH_URLS, Number(c.request.query.s)));'
} >"$work/scripts/bench.js"
$pin "$kiln" serve --listen 127.0.0.1:0 --port-file "$work/port" --scripts "$work/scripts" --data "$work/data" \
  --io-threads 1 --js-threads 1 --exec-timeout-ms $(( (secs * 4 + 30) * 1000 )) 2>"$work/kiln.log" &
kpid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.1; done
kj=$(curl -sS --max-time $(( secs * 4 + 60 )) "http://127.0.0.1:$(cat "$work/port")/__bench?s=$secs")
kill "$kpid"; wait "$kpid" 2>/dev/null || true
nj=$($pin node -e "
$(cat bench/web/js_bench.js)
process.stdout.write(JSON.stringify(webBench($urls, $secs)));")
flat() { node -e 'const o = JSON.parse(process.argv[1]); for (const [k, v] of Object.entries(o)) console.log(k, v);' "$1"; }
k="$k
$(flat "$kj")"
n="$n
$(flat "$nj")"
printf '%-16s %14s %14s %8s\n' workload kiln_ops_s node_ops_s ratio
while read -r name kv; do
  nv=$(echo "$n" | awk -v w="$name" '$1==w {print $2}')
  awk -v w="$name" -v a="$kv" -v b="$nv" 'BEGIN { printf "%-16s %14.0f %14.0f %8.2f\n", w, a, b, a / b }'
done <<<"$k"
