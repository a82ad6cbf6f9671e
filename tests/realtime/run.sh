#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# End-to-end realtime tests with real clients (tests/realtime/run.js): installs the eventsource
# and ws npm packages into build/npm when missing, then runs them against build/<variant>/kiln.
#   bash tests/realtime/run.sh [debug|asan|release] [test-name-substring]
set -eu
cd "$(dirname "$0")/../.."
variant=${1:-debug}
if [ ! -d build/npm/node_modules/eventsource ] || [ ! -d build/npm/node_modules/ws ]; then
  npm install --silent --prefix build/npm eventsource@2 ws@8 >/dev/null
fi
exec node tests/realtime/run.js "build/$variant/kiln" "${2:-}"
