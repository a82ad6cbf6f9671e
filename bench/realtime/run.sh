#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Realtime benchmark, Kiln and Node.js (http + ws) in one sitting, same client, same pinning
# (server on SERVER_CPU, client on LOAD_CPU):
#   1. idle: RSS growth per idle SSE connection (CONNS connections)
#   2. fanout: one publish per millisecond (PUBLISH_PER_S=n: n per second; POST /publish) to CONNS SSE connections for
#      SECONDS: delivered messages/s (and how many were expected), p99 delivery latency
#   3. echo: WebSocket echo round trips from ECHO_CONNS clients for SECONDS: round trips/s, p99
#
#   bench/realtime/run.sh                       release build, 5,000 connections, 10 s
#   SECONDS_EACH=2 CONNS=1000 KILN_BUILD=debug bench/realtime/run.sh   a quick check
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
B=$ROOT/bench/realtime
KILN_BUILD=${KILN_BUILD:-release}
CONNS=${CONNS:-5000}
ECHO_CONNS=${ECHO_CONNS:-50}
DUR=${SECONDS_EACH:-10}
SERVER_CPU=${SERVER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
ONLY=${ONLY:-kiln node}

make -C "$ROOT" BUILD="$KILN_BUILD" "build/$KILN_BUILD/kiln" >/dev/null
if [ ! -d "$ROOT/build/npm/node_modules/ws" ]; then
  npm install --silent --prefix "$ROOT/build/npm" ws@8 >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
client() { taskset -c "$LOAD_CPU" node "$B/client.js" "$@"; }

for rt in $ONLY; do
  case $rt in
    kiln) taskset -c "$SERVER_CPU" "$ROOT/build/$KILN_BUILD/kiln" serve --listen 127.0.0.1:0 \
            --port-file "$work/port" --data "$work/data" --scripts "$B/scripts" --io-threads 1 \
            --js-threads 1 --log-level warn 2>"$work/kiln.log" &
          ;;
    node) taskset -c "$SERVER_CPU" node "$B/node_server.js" 0 "$work/port" 2>"$work/node.log" &
          ;;
    *) echo "unknown runtime $rt" >&2; exit 2 ;;
  esac
  pid=$!
  for _ in $(seq 100); do
    [ -s "$work/port" ] && break
    sleep 0.1
  done
  port=$(cat "$work/port")
  rm -f "$work/port"
  echo "== $rt"
  echo "idle   $(client idle $port "$CONNS" $pid)"
  echo "fanout $(client fanout $port "$CONNS" "$DUR")"
  echo "echo   $(client echo $port "$ECHO_CONNS" "$DUR")"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
