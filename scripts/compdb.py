#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Write OUT/compile_commands.json for clang-tidy and cppcheck without building anything: the
# flags come from the Makefile (make print-CC print-CFLAGS print-TEST_CFLAGS), the file list
# from the same wildcards (src/*/*.c, tests/unit/*/*.c, tests/loop/*.c, tests/fuzz/*.c, bench/*/*.c).
# Usage: scripts/compdb.py [BUILD]   (default debug; writes build/compile_commands.json)
import glob, json, os, shlex, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(root)
variant = sys.argv[1] if len(sys.argv) > 1 else "debug"

def make_var(name):
    r = subprocess.run(["make", "-s", "--no-print-directory", f"BUILD={variant}", f"print-{name}"],
                       capture_output=True, text=True, check=True)
    return shlex.split(r.stdout.strip())

cc = make_var("CC")[0]
drop = {"-MMD", "-MP"}
cflags = [f for f in make_var("CFLAGS") if f not in drop]
test_cflags = [f for f in make_var("TEST_CFLAGS") if f not in drop]

entries = []
def add(pattern, flags):
    for path in sorted(glob.glob(pattern)):
        entries.append({"directory": root, "file": os.path.join(root, path),
                        "arguments": [cc] + flags + ["-c", path, "-o", "/dev/null"]})

add("src/*/*.c", cflags)
add("tests/unit/*.c", test_cflags)
add("tests/unit/*/*.c", test_cflags)
add("tests/loop/*.c", test_cflags)
add("tests/fuzz/*.c", test_cflags)
add("bench/*/*.c", test_cflags)
os.makedirs("build", exist_ok=True)
with open("build/compile_commands.json", "w") as f:
    json.dump(entries, f, indent=1)
print(f"compdb: build/compile_commands.json ({len(entries)} files, BUILD={variant})")
