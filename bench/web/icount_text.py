#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instructions per TextEncoder/TextDecoder operation under callgrind (stable on a busy
machine, unlike ops/s).

Runs the release kiln under `valgrind --tool=callgrind` with bench/web/scripts/text.js (one
I/O thread, one JS executor), warms each operation up (two requests), then counts
GET /loop?op=OP&n=N minus GET /loop?op=none&n=N (the executor and I/O threads, without the
heap check and JSC's compiler threads: bench/data/icount.py's measure), divided by N.

  python3 bench/web/icount_text.py [--n 20000] [--only ascii,mixed,...] [--kiln PATH]
"""
import argparse
import importlib.util
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OPS = ("ascii", "mixed", "ascii_enc", "ascii_dec", "mixed_enc", "mixed_dec")


def main():
    spec = importlib.util.spec_from_file_location("icount", os.path.join(ROOT, "bench/data/icount.py"))
    icount = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(icount)
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20000, help="operations per measured request")
    ap.add_argument("--only", help="comma-separated subset of " + ",".join(OPS))
    ap.add_argument("--kiln", default=os.path.join(ROOT, "build/release/kiln"))
    a = ap.parse_args()
    ops = a.only.split(",") if a.only else OPS
    with icount.Server(a.kiln, os.path.join(ROOT, "bench/web/scripts")) as srv:
        for op in ("none",) + tuple(ops):
            for _ in range(2):
                srv.get("/loop?op=%s&n=%d" % (op, a.n))
        base = srv.measure(lambda: srv.get("/loop?op=none&n=%d" % a.n))
        for op in ops:
            t = srv.measure(lambda op=op: srv.get("/loop?op=%s&n=%d" % (op, a.n)))
            print("%-12s %10.0f instructions each" % (op, (t - base) / a.n))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
