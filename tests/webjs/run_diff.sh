#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# JS-level differential test of the Web platform APIs: the same cases through Node.js and
# through the real kiln binary (tests/webjs/harness.js explains the format and how to add cases).
#   bash tests/webjs/run_diff.sh [BUILD]     (default debug; needs build/BUILD/kiln: make)
# Prints the differences and "N passed, N failed" last; exits non-zero on a failure.
set -eu
cd "$(dirname "$0")/../.."
build=${1:-debug}
kiln=build/$build/kiln
out=build/$build/webjs
if [ ! -x "$kiln" ]; then
  echo "no $kiln: build it first (make BUILD=$build)"; echo "0 passed, 1 failed"; exit 1
fi
rm -rf "$out"; mkdir -p "$out/scripts" "$out/data"
node tests/webjs/gen_data.js >"$out/web_cases.js"
cat tests/webjs/harness.js "$out/web_cases.js" tests/webjs/cases/*.js >"$out/all.js"
cat "$out/all.js" - >"$out/node.js" <<'TAIL'
webjsRunAll().then((r) => process.stdout.write(JSON.stringify(r)));
TAIL
cat "$out/all.js" - >"$out/scripts/webjs.js" <<'TAIL'
function init() {
  routeRegistry.registerRoute("/__webjs", async () => Response.json(await webjsRunAll()), "GET");
}
TAIL
node "$out/node.js" >"$out/node.json"
"$kiln" serve --listen 127.0.0.1:0 --port-file "$out/port" --scripts "$out/scripts" --data "$out/data" \
  --exec-timeout-ms 120000 --io-threads 1 --js-threads 1 2>"$out/kiln.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -s "$out/port" ] && break; sleep 0.1; done
if [ ! -s "$out/port" ]; then
  echo "kiln did not start:"; tail -n 20 "$out/kiln.log"; echo "0 passed, 1 failed"; exit 1
fi
port=$(cat "$out/port")
if ! curl -sS --max-time 300 -o "$out/kiln.json" "http://127.0.0.1:$port/__webjs"; then
  tail -n 20 "$out/kiln.log"; echo "0 passed, 1 failed"; exit 1
fi
kill "$pid"; wait "$pid" 2>/dev/null || true; trap - EXIT
node tests/webjs/diff.js "$out/node.json" "$out/kiln.json" "$out/kiln.log"
