#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/data: Kiln's database and cache against Node.js + better-sqlite3 on the same routes, in
# one sitting: a primary-key SELECT (/db/get) and an INSERT inside a transaction (/db/insert),
# both with WAL + synchronous=FULL; and Kiln's cache.get against sharedStorage.getItem. Servers
# run on SERVER_CPU (one I/O thread and one JS executor for Kiln, as bench/http does), wrk -c64
# on LOAD_CPU. Prints requests/s and the ratios the issue targets (SELECT >= 1.5x Node, INSERT
# >= 1.2x Node, cache >= 5x sharedStorage).
#
#   bench/data/run.sh                 DURATION=10s REPS=3
#   DURATION=2s REPS=1 bench/data/run.sh   check that it runs
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DURATION=${DURATION:-10s}
REPS=${REPS:-3}
CONNS=${CONNS:-64}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
W=$ROOT/build/bench/data
BSQ=${BETTER_SQLITE3:-}
if [ -z "$BSQ" ]; then
  for d in "$ROOT/build/bench/peers/node_modules/better-sqlite3" "$ROOT/../main/build/bench/peers/node_modules/better-sqlite3"; do
    [ -f "$d/build/Release/better_sqlite3.node" ] && BSQ=$d && break
  done
fi
[ -n "$BSQ" ] || { echo "better-sqlite3 not built: run bench/http/run.sh once (it npm-installs the peers)" >&2; exit 1; }

make -C "$ROOT" BUILD=release build/release/kiln >/dev/null
rm -rf "$W" && mkdir -p "$W/kiln" "$W/node"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_port() { # port path
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$1$2" && return 0; sleep 0.05; done
  echo "server on $1 did not come up" >&2; exit 1
}

taskset -c "$SERVER_CPU" "$ROOT/build/release/kiln" serve --listen 127.0.0.1:19090 --data "$W/kiln" \
  --scripts "$ROOT/bench/data/scripts" --io-threads 1 --js-threads 1 --log-level warn 2>"$W/kiln.log" &
PIDS+=($!)
(cd "$W/node" && BETTER_SQLITE3=$BSQ PORT=19091 exec taskset -c "$SERVER_CPU" node "$ROOT/bench/data/node-sqlite.mjs" 2>"$W/node.log") &
PIDS+=($!)
wait_port 19090 "/db/get?id=1"
wait_port 19091 "/db/get?id=1"

rps() { # args... -> best requests/s of REPS runs
  local best=0 r
  for _ in $(seq "$REPS"); do
    r=$(taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNS" -d"$DURATION" "$@" 2>&1 | awk '/Requests\/sec:/ { print int($2) }')
    [ -n "$r" ] && [ "$r" -gt "$best" ] && best=$r
  done
  echo "$best"
}

k_get=$(rps -s "$ROOT/bench/data/get.lua" http://127.0.0.1:19090)
n_get=$(rps -s "$ROOT/bench/data/get.lua" http://127.0.0.1:19091)
k_ins=$(rps -s "$ROOT/bench/data/insert.lua" http://127.0.0.1:19090)
n_ins=$(rps -s "$ROOT/bench/data/insert.lua" http://127.0.0.1:19091)
k_cache=$(rps http://127.0.0.1:19090/cache/get)
k_kv=$(rps http://127.0.0.1:19090/storage/get)

ops=$(curl -s "http://127.0.0.1:19090/ops?n=${OPS:-200000}")
ops_cache=$(echo "$ops" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cacheOpsPerSec"])')
ops_kv=$(echo "$ops" | python3 -c 'import json,sys; print(json.load(sys.stdin)["storageOpsPerSec"])')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo "| route | Kiln req/s | Node req/s | Kiln/Node | target |"
echo "| --- | ---: | ---: | ---: | --- |"
echo "| primary-key SELECT (/db/get) | $k_get | $n_get | $(ratio "$k_get" "$n_get") | >= 1.5 |"
echo "| INSERT in a transaction (/db/insert) | $k_ins | $n_ins | $(ratio "$k_ins" "$n_ins") | >= 1.2 |"
echo
echo "| Kiln route | req/s | ratio | target |"
echo "| --- | ---: | ---: | --- |"
echo "| cache.get (/cache/get) | $k_cache | $(ratio "$k_cache" "$k_kv") x sharedStorage | >= 5 |"
echo "| sharedStorage.getItem (/storage/get) | $k_kv | 1.00 | |"
echo
echo "| operation in a loop (/ops, no HTTP) | ops/s | ratio | target |"
echo "| --- | ---: | ---: | --- |"
echo "| cache.get | $ops_cache | $(ratio "$ops_cache" "$ops_kv") x sharedStorage | >= 5 |"
echo "| sharedStorage.getItem | $ops_kv | 1.00 | |"
echo "(wrk -t1 -c$CONNS -d$DURATION, best of $REPS; servers on CPU $SERVER_CPU, wrk on CPU $LOAD_CPU)"
