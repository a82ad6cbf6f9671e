#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of the store that the .case format cannot express: restarts on the same data
folder, SIGKILL during a stream of sharedStorage writes, concurrent upserts of one script, the
live log tail (SSE) and log pagination. Each test starts the real kiln binary on 127.0.0.1
(port 0) with a fresh data folder, talks to it with the standard library only, bounds every wait
by a count or a timeout (never by sleeping for a guessed time), and prints "N passed, N failed".
"""
import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

START_TIMEOUT = 20.0
TOKEN = "store-e2e-token"


class Kiln:
    def __init__(self, binary, data, scripts=None, env_token=True, extra=()):
        self.port_file = os.path.join(os.path.dirname(data), "port-%d" % time.monotonic_ns())
        cmd = [binary, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
               "--data", data, "--js-threads", "2", "--io-threads", "1"]
        if scripts:
            cmd += ["--scripts", scripts]
        cmd += list(extra)
        env = dict(os.environ)
        env.pop("KILN_ADMIN_TOKEN", None)
        if env_token:
            env["KILN_ADMIN_TOKEN"] = TOKEN
        self.stderr_path = self.port_file + ".stderr"
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr, env=env)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("kiln did not start: " + self.log())
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())

    def log(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)

    def req(self, method, path, body=None, headers=None, admin=False):
        h = dict(headers or {})
        if admin:
            h["Authorization"] = "Bearer " + TOKEN
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            data = r.read()
            return r.status, data, r
        finally:
            c.close()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.stderr.closed:
            self.stderr.close()
        return self.proc.returncode

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=15)
        self.stderr.close()


def check(cond, what):
    if not cond:
        raise AssertionError(what)


KV_SCRIPT = """
routeRegistry.registerRoute("/kv", (c) => {
  if (c.request.method === "POST") {
    sharedStorage.setItem(c.request.query.key, c.request.text);
    return "ok";
  }
  const v = sharedStorage.getItem(c.request.query.key);
  return v === null ? Response.json({ missing: true }, 404) : v;
}, "*");
routeRegistry.registerRoute("/count", () => String(sharedStorage.keys().length));
"""


def test_restart_persistence(binary, tmp):
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data)
    try:
        st, body, _ = k.req("PUT", "/engine/api/scripts/kv.js", KV_SCRIPT, admin=True)
        check(st == 201, "create script: %d %r" % (st, body))
        for i in range(20):
            st, body, _ = k.req("POST", "/kv?key=k%d" % i, "value-%d" % i)
            check(st == 200 and body == b"ok", "write %d: %d %r" % (i, st, body))
        st, _, _ = k.req("PUT", "/engine/api/scripts/kv.js/assets/a.bin", bytes(range(256)),
                         {"Content-Type": "application/octet-stream"}, admin=True)
        check(st == 201, "asset upload: %d" % st)
    finally:
        check(k.stop() == 0, "clean stop")
    # Changes made with the admin token are audited (read with Python's own sqlite3).
    con = sqlite3.connect(os.path.join(data, "kiln.db"))
    audit = con.execute("SELECT actor, action, target FROM audit ORDER BY seq").fetchall()
    con.close()
    check(audit == [("admin", "script.upsert", "kv.js"), ("admin", "asset.put", "kv.js")],
          "audit entries: %r" % audit)
    token_before = open(os.path.join(data, "admin-token")).read() if os.path.exists(
        os.path.join(data, "admin-token")) else None
    k = Kiln(binary, data)
    try:
        for i in range(20):
            st, body, _ = k.req("GET", "/kv?key=k%d" % i)
            check(st == 200 and body == ("value-%d" % i).encode(), "after restart k%d: %r" % (i, body))
        st, body, _ = k.req("GET", "/engine/api/scripts/kv.js/assets/a.bin", admin=True)
        check(st == 200 and body == bytes(range(256)), "asset after restart")
        st, body, _ = k.req("GET", "/engine/api/scripts/kv.js", admin=True)
        meta = json.loads(body)
        check(meta["version"] == 1 and meta["initialized"], "script metadata after restart: %r" % meta)
    finally:
        k.stop()
    # The token given by KILN_ADMIN_TOKEN is never written to the file; the generated one is,
    # once, with mode 0600, and a later start without a token reuses the stored hash.
    check(token_before is None, "no admin-token file when the token is given")
    data2 = os.path.join(tmp, "data2")
    k = Kiln(binary, data2, env_token=False)
    path = os.path.join(data2, "admin-token")
    try:
        token = open(path).read().strip()
        check(len(token) == 64, "generated token")
        check(os.stat(path).st_mode & 0o777 == 0o600, "admin-token mode 0600")
        check(token in k.log(), "token printed on first start")
        c = k.conn()
        c.request("GET", "/engine/api/scripts", headers={"Authorization": "Bearer " + token})
        check(c.getresponse().status == 200, "generated token accepted")
        c.close()
    finally:
        k.stop()
    k = Kiln(binary, data2, env_token=False)
    try:
        check(token not in k.log(), "token not printed again")
        c = k.conn()
        c.request("GET", "/engine/api/scripts", headers={"Authorization": "Bearer " + token})
        check(c.getresponse().status == 200, "stored token hash reused")
        c.close()
    finally:
        k.stop()


def test_folder_sync(binary, tmp):
    data = os.path.join(tmp, "data")
    scripts = os.path.join(tmp, "scripts")
    os.makedirs(scripts)
    with open(os.path.join(scripts, "f.js"), "w") as f:
        f.write('routeRegistry.registerRoute("/f", () => "folder v1");\n')
    with open(os.path.join(scripts, "gone.js"), "w") as f:
        f.write('routeRegistry.registerRoute("/gone", () => "gone");\n')
    k = Kiln(binary, data, scripts)
    try:
        st, body, _ = k.req("GET", "/engine/api/scripts", admin=True)
        uris = [s["uri"] for s in json.loads(body)["items"]]
        check(uris == ["f.js", "gone.js"], "folder scripts stored: %r" % uris)
    finally:
        k.stop()
    os.remove(os.path.join(scripts, "gone.js"))
    k = Kiln(binary, data, scripts)
    try:
        st, body, _ = k.req("GET", "/engine/api/scripts", admin=True)
        uris = [s["uri"] for s in json.loads(body)["items"]]
        check(uris == ["f.js"], "a file deleted while Kiln was down is pruned: %r" % uris)
        st, _, _ = k.req("GET", "/gone")
        check(st == 404, "pruned script not served")
    finally:
        k.stop()
    # Without the folder, the stored copy serves.
    k = Kiln(binary, data)
    try:
        st, body, _ = k.req("GET", "/f")
        check(st == 200 and body == b"folder v1", "folder script served from the store")
    finally:
        k.stop()


def test_kill_during_writes(binary, tmp, extra=()):
    """SIGKILL while requests write to sharedStorage: every acknowledged write survives."""
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data, extra=extra)
    st, _, _ = k.req("PUT", "/engine/api/scripts/kv.js", KV_SCRIPT, admin=True)
    check(st == 201, "create script")
    acked = []
    stop = threading.Event()
    enough = threading.Event()
    errors = []

    def writer(wid):
        c = None
        i = 0
        while not stop.is_set() and i < 5000:
            try:
                if c is None:
                    c = http.client.HTTPConnection("127.0.0.1", k.port, timeout=10)
                key = "w%d-%d" % (wid, i)
                c.request("POST", "/kv?key=" + key, "v" + key)
                r = c.getresponse()
                body = r.read()
                if r.status == 200 and body == b"ok":
                    acked.append(key)
                    if len(acked) >= 300:
                        enough.set()
                else:
                    errors.append((r.status, body))
                i += 1
            except (OSError, http.client.HTTPException):
                return  # kiln was killed

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    check(enough.wait(60), "writers made no progress: %r" % errors[:3])
    k.kill()  # in the middle of the stream: writers still have requests in flight
    stop.set()
    for t in threads:
        t.join(15)
    check(not errors, "write errors before the kill: %r" % errors[:3])
    n = len(acked)
    k = Kiln(binary, data, extra=extra)
    try:
        missing = []
        c = k.conn()
        for key in list(acked):
            c.request("GET", "/kv?key=" + key)
            r = c.getresponse()
            body = r.read()
            if r.status != 200 or body != ("v" + key).encode():
                missing.append(key)
        c.close()
        check(not missing, "%d of %d acknowledged writes lost: %r" % (len(missing), n, missing[:5]))
        st, body, _ = k.req("GET", "/count")
        check(int(body) >= n, "count %s < acked %d" % (body, n))
        st, body, _ = k.req("GET", "/engine/status", admin=True)
        check(json.loads(body)["database"]["ok"], "store healthy after the kill")
    finally:
        k.stop()


def test_kill_during_writes_no_fsync(binary, tmp):
    """The same with --no-fsync (synchronous=NORMAL): a process crash still loses nothing."""
    test_kill_during_writes(binary, tmp, extra=("--no-fsync",))


def test_concurrent_upserts(binary, tmp):
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data)
    results = []
    lock = threading.Lock()

    def upserter(wid):
        for i in range(5):
            src = 'routeRegistry.registerRoute("/c", () => "w%d-%d");\n' % (wid, i)
            st, body, _ = k.req("PUT", "/engine/api/scripts/c.js", src, admin=True)
            with lock:
                results.append((st, json.loads(body)))

    try:
        threads = [threading.Thread(target=upserter, args=(w,)) for w in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        check(len(results) == 30, "every upsert answered: %d" % len(results))
        check(all(st in (200, 201) and b["deployed"] for st, b in results),
              "every upsert deployed: %r" % [r for r in results if not r[1].get("deployed")][:3])
        versions = sorted(b["version"] for _, b in results)
        check(versions == list(range(1, 31)), "versions 1..30 each once: %r" % versions)
        check(sum(1 for st, _ in results if st == 201) == 1, "exactly one 201 Created")
        st, body, _ = k.req("GET", "/engine/api/scripts/c.js?source=1", admin=True)
        meta = json.loads(body)
        check(meta["version"] == 30, "latest version 30")
        st, served, _ = k.req("GET", "/c")
        check(st == 200 and served.decode() in meta["source"], "the newest version serves")
    finally:
        k.stop()


def read_sse_until(sock, needle, limit=1 << 20):
    buf = b""
    sock.settimeout(15)
    while needle not in buf and len(buf) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf


def test_log_tail_and_pages(binary, tmp):
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data)
    try:
        src = ('routeRegistry.registerRoute("/say", (c) => {'
               ' console.warn("said " + c.request.query.n); return "ok"; });\n')
        st, _, _ = k.req("PUT", "/engine/api/scripts/t.js", src, admin=True)
        check(st == 201, "create script")
        for n in range(5):
            k.req("GET", "/say?n=%d" % n)
        s = socket.create_connection(("127.0.0.1", k.port), timeout=15)
        s.sendall(("GET /engine/api/logs/stream?script=t.js&level=warn&backlog=2 HTTP/1.1\r\n"
                   "Host: x\r\nAuthorization: Bearer %s\r\n\r\n" % TOKEN).encode())
        head = read_sse_until(s, b"said 4")
        check(b"200 OK" in head and b"text/event-stream" in head, "SSE head: %r" % head[:200])
        check(b"event: open" in head, "open event")
        check(b"said 3" in head and b"said 2" not in head, "backlog of 2: %r\n%s" % (head, k.log()[-3000:]))
        k.req("GET", "/say?n=live")
        live = read_sse_until(s, b"said live")
        check(b"event: log" in live and b"said live" in live, "live event: %r" % live)
        s.close()
        s2 = socket.create_connection(("127.0.0.1", k.port), timeout=15)
        s2.sendall(b"GET /engine/api/logs/stream HTTP/1.1\r\nHost: x\r\n\r\n")
        check(b"401" in read_sse_until(s2, b"\r\n\r\n"), "tail needs the token")
        s2.close()
        # Pages of 2, newest first, through nextCursor.
        seen = []
        cursor = None
        for _ in range(10):
            q = "/engine/api/logs?script=t.js&limit=2" + ("&cursor=" + cursor if cursor else "")
            st, body, _ = k.req("GET", q, admin=True)
            page = json.loads(body)
            seen += [e["message"] for e in page["items"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
        check(seen == ["said live", "said 4", "said 3", "said 2", "said 1", "said 0"],
              "pages: %r" % seen)
        # A tail still open when Kiln stops: it ends cleanly (exit 0).
        s3 = socket.create_connection(("127.0.0.1", k.port), timeout=15)
        s3.sendall(("GET /engine/api/logs/stream HTTP/1.1\r\nHost: x\r\n"
                    "Authorization: Bearer %s\r\n\r\n" % TOKEN).encode())
        check(b"event: open" in read_sse_until(s3, b"event: open"), "second tail open")
        rc = k.stop()
        check(rc == 0, "exit code with an open tail: %s\n%s" % (rc, k.log()[-2000:]))
        s3.close()
    finally:
        k.stop()


def test_exclusive_store_and_backup(binary, tmp):
    """The store is Kiln's own while it runs: a second Kiln on the same data folder stops with a
    clear error, and so does Python's sqlite3; POST /engine/api/backup writes a consistent copy
    that opens anywhere."""
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data)
    try:
        st, body, _ = k.req("PUT", "/engine/api/scripts/kv.js", KV_SCRIPT, admin=True)
        check(st == 201, "create script: %d %r" % (st, body))
        for i in range(5):
            st, body, _ = k.req("POST", "/kv?key=b%d" % i, "value-%d" % i)
            check(st == 200, "write %d: %d" % (i, st))
        # Another process cannot open the store.
        con = sqlite3.connect(os.path.join(data, "kiln.db"), timeout=0.2)
        try:
            con.execute("SELECT count(*) FROM scripts").fetchall()
            check(False, "a second process read the store while Kiln runs")
        except sqlite3.OperationalError as e:
            check("locked" in str(e), "unexpected error: %s" % e)
        finally:
            con.close()
        second = subprocess.run([binary, "serve", "--listen", "127.0.0.1:0", "--data", data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        err = second.stderr.decode("utf-8", "replace")
        check(second.returncode != 0 and "another Kiln" in err,
              "second Kiln: rc=%d %s" % (second.returncode, err[-500:]))
        # Backups: token required, then a copy with everything written so far.
        st, body, _ = k.req("POST", "/engine/api/backup")
        check(st == 401, "backup without the token: %d" % st)
        st, body, _ = k.req("POST", "/engine/api/backup", admin=True)
        check(st == 201, "backup: %d %r" % (st, body))
        info = json.loads(body)
        path = info["path"]
        check(path.startswith(os.path.join(data, "backups") + "/") and path.endswith("Z.db"),
              "backup path: %r" % path)
        check(os.path.getsize(path) == info["bytes"] and info["bytes"] > 0, "backup size")
        check(oct(os.stat(os.path.join(data, "backups")).st_mode & 0o777) == "0o700",
              "backups folder mode")
        st, _, _ = k.req("GET", "/kv?key=b4")
        check(st == 200, "Kiln still serves after the backup")
    finally:
        check(k.stop() == 0, "clean stop")
    con = sqlite3.connect(path)
    try:
        check(con.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "backup integrity")
        rows = dict(con.execute("SELECT key, value FROM shared_storage WHERE script = 'kv.js'"))
        check(all(rows.get("b%d" % i) == "value-%d" % i for i in range(5)), "backup rows: %r" % rows)
        audit = con.execute("SELECT action FROM audit").fetchall()
        check(("script.upsert",) in audit, "backup audit: %r" % audit)
    finally:
        con.close()
    # The backup serves as a data folder of its own.
    data2 = os.path.join(tmp, "restored")
    os.makedirs(data2)
    shutil.copy(path, os.path.join(data2, "kiln.db"))
    k = Kiln(binary, data2)
    try:
        st, body, _ = k.req("GET", "/kv?key=b3")
        check(st == 200 and body == b"value-3", "restored: %d %r" % (st, body))
    finally:
        check(k.stop() == 0, "clean stop of the restored Kiln")


def test_backups_keep(binary, tmp):
    """POST /engine/api/backup keeps --backups-keep copies: the oldest beyond are removed (and
    listed as removed); other files in the folder stay; 0 keeps every copy."""
    data = os.path.join(tmp, "data")
    os.makedirs(os.path.join(data, "backups"), mode=0o700)
    stray = os.path.join(data, "backups", "notes.txt")
    with open(stray, "w") as f:
        f.write("mine")
    k = Kiln(binary, data, extra=("--backups-keep", "2"))
    made = []
    try:
        for i in range(4):
            st, body, _ = k.req("POST", "/engine/api/backup", admin=True)
            check(st == 201, "backup %d: %d %r" % (i, st, body))
            info = json.loads(body)
            made.append(info["path"])
            want = made[:-2] if i >= 2 else []
            check(info["removed"] == want[-1:] if i >= 2 else info["removed"] == [],
                  "backup %d removed %r" % (i, info["removed"]))
            time.sleep(0.002)  # distinct millisecond names
        left = sorted(n for n in os.listdir(os.path.join(data, "backups")))
        check(left == sorted([os.path.basename(p) for p in made[2:]] + ["notes.txt"]),
              "left: %r" % left)
    finally:
        check(k.stop() == 0, "clean stop")
    k = Kiln(binary, data, extra=("--backups-keep=0",))
    try:
        for i in range(3):
            st, body, _ = k.req("POST", "/engine/api/backup", admin=True)
            check(st == 201 and json.loads(body)["removed"] == [], "keep all %d: %r" % (i, body))
            time.sleep(0.002)
        check(len(os.listdir(os.path.join(data, "backups"))) == 6, "all kept")
    finally:
        check(k.stop() == 0, "clean stop")


def thread_policies(pid):
    """{thread name: scheduling policy} of a running process (/proc/PID/task/TID/stat field 41:
    0 SCHED_OTHER, 3 SCHED_BATCH)."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            stat = f.read()
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out[name] = int(fields[38])  # field 41 counted from 1; fields here start at field 3
    return out


def test_batch_sched(binary, tmp):
    """The I/O and sync threads run as SCHED_BATCH by default (their wake-ups do not preempt an
    executor), the executors as SCHED_OTHER; --batch-sched=false leaves every thread as it was."""
    for extra, io_policy in (((), 3), (("--batch-sched=false",), 0)):
        k = Kiln(binary, os.path.join(tmp, "data-%d" % io_policy), extra=extra)
        try:
            st, body, _ = k.req("PUT", "/engine/api/scripts/kv.js", KV_SCRIPT, admin=True)
            check(st == 201, "create script: %d %r" % (st, body))
            st, _, _ = k.req("POST", "/kv?key=a", "1")  # the syncer has run a round
            check(st == 200, "write: %d" % st)
            p = thread_policies(k.proc.pid)
            check(p.get("kiln-io0") == io_policy and p.get("kiln-sync") == io_policy,
                  "%r: io/sync policies %r" % (extra, p))
            check(p.get("kiln-js0") == 0 and p.get("kiln-js1") == 0,
                  "%r: executor policies %r" % (extra, p))
        finally:
            check(k.stop() == 0, "clean stop")


TESTS = [test_restart_persistence, test_folder_sync, test_kill_during_writes,
         test_kill_during_writes_no_fsync, test_concurrent_upserts, test_log_tail_and_pages,
         test_exclusive_store_and_backup, test_batch_sched, test_backups_keep]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("filter", nargs="*")
    a = ap.parse_args()
    binary = os.path.abspath(a.kiln)
    passed = failed = 0
    for t in TESTS:
        if a.filter and not any(f in t.__name__ for f in a.filter):
            continue
        tmp = tempfile.mkdtemp(prefix="kiln-store-e2e-")
        t0 = time.monotonic()
        try:
            t(binary, tmp)
            print("ok   %s (%.1fs)" % (t.__name__, time.monotonic() - t0))
            passed += 1
        except Exception as e:  # report and go on with the next test
            print("FAIL %s: %s" % (t.__name__, e))
            failed += 1
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
