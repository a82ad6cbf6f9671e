#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Includes follow the layer graph (STYLE.md B.1):
#   base -> {net,js,db,gql} -> {http,auth,job,metrics} -> api -> app
# A file in src/M/ may include "X/..." only when X is M or a lower layer (modules of the same
# layer are independent of each other). "X/X_internal.h" is private to src/X/.
# <JavaScriptCore/...> only in src/js and src/api; <sqlite3.h> and <libpq-fe.h> only in src/db.
# Prints one line per violation and exits 1 when there is any.
set -u
cd "$(dirname "$0")/.."

python3 - <<'PY'
import os, re, sys

RANK = {"base": 0, "net": 1, "js": 1, "db": 1, "gql": 1,
        "http": 2, "auth": 2, "job": 2, "metrics": 2, "api": 3, "app": 4}
FOREIGN = [(re.compile(r"^JavaScriptCore/"), {"js", "api"}, "JavaScriptCore headers"),
           (re.compile(r"^(sqlite3|libpq-fe)\.h$"), {"db"}, "database client headers")]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

bad = 0
checked = 0
for root, _, names in sorted(os.walk("src")):
    parts = root.split(os.sep)
    if len(parts) < 2:
        continue
    mod = parts[1]
    for name in sorted(names):
        if not name.endswith((".c", ".h")):
            continue
        path = os.path.join(root, name)
        checked += 1
        if mod not in RANK:
            print(f"{path}:1: module '{mod}' is not in the layer graph (scripts/check-layers.sh)")
            bad += 1
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                kind, target = m.groups()
                if kind == "<":
                    for rx, allowed, what in FOREIGN:
                        if rx.search(target) and mod not in allowed:
                            print(f"{path}:{lineno}: <{target}>: {what} are allowed only in "
                                  f"src/{{{','.join(sorted(allowed))}}}")
                            bad += 1
                    continue
                if "/" not in target:
                    continue  # same directory
                dep = target.split("/")[0]
                if dep not in RANK:
                    continue  # not one of our modules (e.g. a generated header)
                if dep != mod and RANK[dep] >= RANK[mod]:
                    print(f'{path}:{lineno}: "{target}": {mod} (layer {RANK[mod]}) may not include '
                          f"{dep} (layer {RANK[dep]})")
                    bad += 1
                elif dep != mod and os.path.basename(target) == f"{dep}_internal.h":
                    print(f'{path}:{lineno}: "{target}" is private to src/{dep}/')
                    bad += 1
if bad:
    print(f"check-layers: {bad} violation(s)")
    sys.exit(1)
print(f"check-layers: ok ({checked} files)")
PY
