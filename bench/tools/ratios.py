#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Print Kiln/peer ratios from one run.sh raw folder (runs.tsv, memory.tsv): requests/s (median
# of the reps), p99 latency, server CPU time per request (µs) and idle RSS.
import csv
import os
import statistics
import sys

raw = sys.argv[1]
rows = list(csv.DictReader(open(os.path.join(raw, "runs.tsv")), delimiter="\t"))
by = {}
for r in rows:
    by.setdefault((r["runtime"], r["endpoint"]), []).append(r)


def med(rt, ep, col):
    xs = [float(r[col]) for r in by.get((rt, ep), []) if r[col] not in ("", "-")]
    return statistics.median(xs) if xs else float("nan")


def cpu_us(rt, ep):
    rps = med(rt, ep, "rps")
    pct = med(rt, ep, "server_cpu_pct")
    return pct / 100.0 / rps * 1e6 if rps == rps and rps > 0 else float("nan")


runtimes = sorted({rt for rt, _ in by})
endpoints = [e for e in ("hello", "json", "kv_post", "kv_get") if any(ep == e for _, ep in by)]
print("\n%-10s %-8s %10s %9s %9s %9s %9s" % ("runtime", "endpoint", "req/s", "p99 ms", "cpu us/r",
                                             "wrk cpu%", "noisy"))
for rt in runtimes:
    for ep in endpoints:
        if (rt, ep) not in by:
            continue
        noisy = any(r.get("noisy") == "1" for r in by[(rt, ep)])
        print("%-10s %-8s %10.0f %9.2f %9.1f %9.0f %9s" % (rt, ep, med(rt, ep, "rps"),
              med(rt, ep, "p99_ms"), cpu_us(rt, ep), med(rt, ep, "wrk_cpu_pct"), "yes" if noisy else ""))
if "kiln" in runtimes:
    print("\nratios kiln/peer (req/s; server CPU per request peer/kiln: >1 means kiln is cheaper)")
    for rt in runtimes:
        if rt == "kiln":
            continue
        for ep in endpoints:
            if (rt, ep) in by and ("kiln", ep) in by:
                print("  vs %-10s %-8s req/s x%.2f   cpu/req x%.2f" % (
                    rt, ep, med("kiln", ep, "rps") / med(rt, ep, "rps"),
                    cpu_us(rt, ep) / cpu_us("kiln", ep)))
mem = os.path.join(raw, "memory.tsv")
if os.path.exists(mem):
    print("\nmemory (from run.sh):")
    print(open(mem).read())
