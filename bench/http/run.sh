#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kiln against its peers, in one sitting, exactly as ../shared/bench/README.md says: the peers'
# run.sh (copied to build/bench/peers, since shared/ is read-only) gets Kiln as one more runtime
# in setup_runtime, so Kiln and each peer are pinned the same way (server on SERVER_CPU=0, wrk
# -c64 on LOAD_CPU=1) and measured by the same code. Prints ratios Kiln/peer.
#
#   bench/http/run.sh                       kiln, node-http, deno, bun (hello, json, kv_post, kv_get)
#   ONLY="kiln node-http" bench/http/run.sh a subset; DURATION, REPS, ... as run.sh takes them
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED=${KILN_SHARED:-$ROOT/../shared}
W=$ROOT/build/bench/peers

make -C "$ROOT" BUILD=release build/release/kiln >/dev/null
mkdir -p "$W"
# Keep node_modules between runs (npm ci compiles better-sqlite3); refresh everything else.
(cd "$SHARED/bench/peers" && tar --exclude=node_modules --exclude=raw --exclude=data -cf - .) | (cd "$W" && tar -xf -)
chmod -R u+w "$W"

# Add Kiln as a runtime: port 19087, one I/O thread and one JS executor on the pinned core.
python3 - "$W/run.sh" "$ROOT" <<'PY'
import sys
path, root = sys.argv[1], sys.argv[2]
s = open(path).read()
case = f'''    kiln)
      PORT=19087
      CMD=({root}/build/release/kiln serve --listen 127.0.0.1:$PORT --data "$DATA/kiln" --scripts {root}/bench/http/scripts --io-threads 1 --js-threads 1 --log-level warn)
      ENDPOINTS="hello json kv_post kv_get" ;;
'''
marker = '    *) die "unknown runtime $rt" ;;'
assert marker in s, "run.sh changed: cannot add kiln"
if "    kiln)" not in s:
    s = s.replace(marker, case + marker)
s = s.replace('ALL_RUNTIMES="nginx', 'ALL_RUNTIMES="kiln nginx')
open(path, "w").write(s)
PY
# run.sh's summary knows only the peers: give it Kiln's row too.
sed -i "s/const order = \['nginx'/const order = ['kiln', 'nginx'/" "$W/tools/summarize.mjs"

export ONLY=${ONLY:-kiln node-http deno bun}
RESULTS=$ROOT/build/bench/results.md bash "$W/run.sh"
raw=$(ls -d "$W"/raw/*/ | sort | tail -n 1)
python3 "$ROOT/bench/tools/ratios.py" "$raw"
