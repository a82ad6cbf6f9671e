#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install every Debian package Kiln's build, tests and benchmarks need (idempotent).
# The Makefile runs this when a pkg-config dependency or a tool is missing; CI runs it through
# `make check`. Nothing is installed by hand anywhere else.
set -euo pipefail

PKGS=(
  build-essential pkg-config clang-14 clang-format-14 clang-tidy-14 cppcheck llvm-14
  libclang-rt-14-dev bear
  libjavascriptcoregtk-4.1-dev libuv1-dev node-llhttp libwslay-dev libsqlite3-dev libpq-dev
  libcurl4-openssl-dev libssl-dev libargon2-dev libinih-dev libmd4c-html0-dev libmd4c-dev libidn2-dev
  postgresql curl wrk python3 nodejs npm util-linux time
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may carry its own node/npm outside Debian's packages: accept those.
if command -v node >/dev/null 2>&1; then
  tmp=(); for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "install-deps: apt-get install ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
