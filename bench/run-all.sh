#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every benchmark of bench/, one after the other in one sitting, each against its peers as its
# own run.sh does; the whole output goes to build/bench/all-<UTC time>/ (one log per benchmark)
# and the ratio lines are printed at the end. Run it on a machine nothing else is using: the
# peers' run.sh waits for quiet before each measurement, the others do not.
#
#   bench/run-all.sh                 the figures of docs/performance.md (about 20 minutes)
#   QUICK=1 bench/run-all.sh         short runs: check that every benchmark works
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/build/bench/all-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
if [ -n "${QUICK:-}" ]; then
  export DURATION=2s REPS=1 WARMUP=1s QUIET_MAX=5
  GQL_SECS=1 WEB_SECS=1 RT_ENV=(SECONDS_EACH=2 CONNS=500)
else
  GQL_SECS=5 WEB_SECS=2 RT_ENV=()
fi

run() { # name, command...
  local name=$1; shift
  echo "== $name ($(date -u +%H:%M:%S))"
  "$@" >"$OUT/$name.log" 2>&1
  echo "   exit $? -> $OUT/$name.log"
}

run http bash "$ROOT/bench/http/run.sh"
run http-nofsync env KILN_NO_FSYNC=true ONLY="kiln node-http" bash "$ROOT/bench/http/run.sh"
run data bash "$ROOT/bench/data/run.sh"
run realtime env "${RT_ENV[@]}" bash "$ROOT/bench/realtime/run.sh"
run gql bash "$ROOT/bench/gql/run.sh" "$GQL_SECS"
run web bash "$ROOT/bench/web/run.sh" "$WEB_SECS"

echo
echo "== ratios"
grep -hiE "ratio|/ ?node|kiln/|x node|vs node" "$OUT"/*.log | sort -u | head -80
echo "logs: $OUT"
