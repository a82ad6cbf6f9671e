#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Instruction counts of bench/data's operations under callgrind (stable on a busy machine,
unlike requests/s).

Runs the release kiln under `valgrind --tool=callgrind` with bench/data/scripts (one I/O
thread, one JS executor), warms up, then for each measurement zeroes the counters
(callgrind_control -z), does the work, dumps (callgrind_control -d) and counts the executor and
I/O threads (inclusive cost of exec_main and the net loop's thread_main), minus the executor's
heap check (js_runtime_heap_bytes); JSC's JIT compiler threads are left out:

  loop OP   GET /loop?op=OP&n=N (N cache.get of a string or a small object /
            sharedStorage.getItem / queryOne in a JS loop)
            minus the same request with op=none: instructions per operation, no HTTP.
  route R   R GET requests over one keep-alive connection: instructions per request (whole
            process: I/O thread + executor).

  python3 bench/data/icount.py [--n 100000] [--requests 10000] [--keep DIR]
"""
import argparse
import glob
import http.client
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def dump_file(out_dir, pid, before):
    """The dump callgrind_control -d just wrote (complete: its totals line is there)."""
    for _ in range(600):
        for f in set(glob.glob(os.path.join(out_dir, "cg.%d*" % pid))) - before:
            with open(f, encoding="latin-1") as fh:
                if any(line.startswith("totals:") for line in fh):
                    return f
        time.sleep(0.1)
    sys.exit("callgrind dump did not appear")


def inclusive(path, names):
    """Inclusive instructions of each function in names (0 when absent)."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no", path],
                         check=True, capture_output=True, text=True, errors="replace").stdout
    found = {n: 0 for n in names}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3 or not parts[0][0].isdigit():
            continue
        fn = parts[2].rsplit(":", 1)[-1]
        if fn in found and found[fn] == 0:
            found[fn] = int(parts[0].replace(",", ""))
    return found


class Server:
    """The release kiln under callgrind serving scripts_dir (one I/O thread, one JS executor).
    get(path) answers a GET (retrying while the server starts); measure(fn) zeroes the
    counters, runs fn, dumps and returns the instructions of the executor and I/O threads."""

    def __init__(self, kiln, scripts_dir, keep=None):
        if kiln == os.path.join(ROOT, "build/release/kiln"):
            subprocess.run(["make", "-C", ROOT, "BUILD=release", "build/release/kiln"], check=True,
                           stdout=subprocess.DEVNULL)
        self.work = tempfile.mkdtemp(prefix="kiln-icount-")
        self.keep = keep
        self.out_dir = keep or self.work
        os.makedirs(self.out_dir, exist_ok=True)
        port_file = os.path.join(self.work, "port")
        self.p = subprocess.Popen(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + self.out_dir + "/cg.%p",
                                   kiln, "serve", "--listen", "127.0.0.1:0", "--port-file", port_file,
                                   "--data", os.path.join(self.work, "data"), "--scripts", scripts_dir,
                                   "--io-threads", "1", "--js-threads", "1", "--log-level", "warn",
                                   "--exec-timeout-ms", "3600000"],
                                  stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "log"), "w"))
        try:
            for _ in range(1200):
                if os.path.exists(port_file) and open(port_file).read().strip():
                    break
                time.sleep(0.1)
            port = int(open(port_file).read().strip().rsplit(":", 1)[-1])
        except (OSError, ValueError):
            self.close()
            raise
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.p.terminate()
        self.p.wait()
        if not self.keep:
            shutil.rmtree(self.work, ignore_errors=True)

    def get(self, path):
        for _ in range(1500):
            try:
                self.conn.request("GET", path)
                r = self.conn.getresponse()
                body = r.read()
                if r.status == 200:
                    return body
            except (ConnectionError, http.client.HTTPException):
                self.conn.close()
            time.sleep(0.2)
        sys.exit("GET %s failed (see the server log %s)" % (path, os.path.join(self.work, "log")))

    def measure(self, fn):
        before = set(glob.glob(os.path.join(self.out_dir, "cg.%d*" % self.p.pid)))
        subprocess.run(["callgrind_control", "-z", str(self.p.pid)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        fn()
        subprocess.run(["callgrind_control", "-d", str(self.p.pid)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        f = dump_file(self.out_dir, self.p.pid, before)
        # The executor and the I/O thread, without the executor's once-a-second heap
        # check (~10 M instructions; under valgrind it fires every few hundred requests)
        # and without JSC's compiler threads.
        c = inclusive(f, ("exec_main", "thread_main", "js_runtime_heap_bytes"))
        return c["exec_main"] + c["thread_main"] - c["js_runtime_heap_bytes"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100000, help="loop iterations for cache/storage")
    ap.add_argument("--select-n", type=int, default=10000, help="loop iterations for select")
    ap.add_argument("--requests", type=int, default=10000, help="route requests")
    ap.add_argument("--keep", help="keep the callgrind dumps in this folder")
    ap.add_argument("--kiln", default=os.path.join(ROOT, "build/release/kiln"))
    ap.add_argument("--only", help="comma-separated subset: cache,cacheobj,storage,select,get,"
                    "cacheroute,storageroute")
    a = ap.parse_args()
    with Server(a.kiln, os.path.join(ROOT, "bench/data/scripts"), a.keep) as srv:
        get = srv.get
        measure = srv.measure
        get("/db/get?id=1")  # warm-up: scripts loaded, statements prepared, JIT warm
        for op in ("cache", "cacheobj", "storage", "select", "none"):
            get("/loop?op=%s&n=2000" % op)
        for i in range(500):
            get("/db/get?id=%d" % (i % 1000 + 1))
            get("/cache/get")
            get("/storage/get")
        only = set(a.only.split(",")) if a.only else None
        rows = []
        base = None
        for op, n in (("cache", a.n), ("cacheobj", a.n), ("storage", a.n), ("select", a.select_n)):
            if only and op not in only:
                continue
            if base is None:
                base = measure(lambda: get("/loop?op=none&n=%d" % a.n))
            t = measure(lambda op=op, n=n: get("/loop?op=%s&n=%d" % (op, n)))
            rows.append(("loop: %s x %d" % (op, n), (t - base) / n))
        for name, path in (("get", "/db/get?id=%d"), ("cacheroute", "/cache/get"),
                           ("storageroute", "/storage/get")):
            if only and name not in only:
                continue
            t = measure(lambda path=path: [get(path % (i % 1000 + 1) if "%d" in path else path)
                                           for i in range(a.requests)])
            rows.append(("route: GET %s x %d" % (path.replace("%d", "N"), a.requests), t / a.requests))
        for name, per in rows:
            print("%-40s %10.0f instructions each" % (name, per))


if __name__ == "__main__":
    main()
