#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of database transactions that the .case format cannot express: the seed's
owner-count example under 50 concurrent HTTP requests (sync and async transactions), concurrent
read-modify-write writers, and SIGKILL during transactional writes (committed transactions
survive, the others vanish whole). Real kiln binary on 127.0.0.1, real HTTP clients
(http.client, one per thread), every wait bounded; prints "N passed, N failed".
"""
import http.client
import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store_e2e  # noqa: E402  (the store tests' process helper and runner)
from store_e2e import Kiln, check  # noqa: E402

OWNERS_SCRIPT = """
function init() {
  database.migrate(1, "CREATE TABLE owners (script TEXT NOT NULL, user_id TEXT NOT NULL, PRIMARY KEY (script, user_id))");
}
routeRegistry.registerRoute("/seed", (c) => {
  const n = Number(c.request.query.n);
  database.transaction((tx) => {
    tx.execute("DELETE FROM owners");
    for (let i = 0; i < n; i++) tx.execute("INSERT INTO owners VALUES ($1, $2)", ["s", "u" + i]);
  });
  return { n };
}, "POST");
// The seed's example (ENGINE-IDEAS item 17): check the owner count, then remove an owner.
routeRegistry.registerRoute("/remove", (c) => database.transaction((tx) => {
  const owners = tx.queryOne("SELECT count(*) AS n FROM owners WHERE script = $1", ["s"]).n;
  if (owners <= 1) throw new ConflictError("Cannot remove the last owner");
  return { removed: tx.execute("DELETE FROM owners WHERE script = $1 AND user_id = $2", ["s", c.request.query.user]).changes };
}), "POST");
// The same with an await between the check and the write: the executor holds other requests.
routeRegistry.registerRoute("/remove-async", async (c) => database.transaction(async (tx) => {
  const owners = tx.queryOne("SELECT count(*) AS n FROM owners WHERE script = $1", ["s"]).n;
  await new Promise((r) => setTimeout(r, 1));
  if (owners <= 1) throw new ConflictError("Cannot remove the last owner");
  return { removed: tx.execute("DELETE FROM owners WHERE script = $1 AND user_id = $2", ["s", c.request.query.user]).changes };
}), "POST");
routeRegistry.registerRoute("/owners", () => database.queryOne("SELECT count(*) AS n FROM owners"));
"""

COUNTER_SCRIPT = """
function init() {
  database.migrate(1, "CREATE TABLE counters (name TEXT PRIMARY KEY, n INTEGER NOT NULL)");
  database.execute("INSERT INTO counters VALUES ('c', 0) ON CONFLICT DO NOTHING");
}
routeRegistry.registerRoute("/bump", () => database.transaction((tx) => {
  const n = tx.queryOne("SELECT n FROM counters WHERE name = 'c'").n;  // read ...
  tx.execute("UPDATE counters SET n = $1 WHERE name = 'c'", [n + 1]);  // ... then write
  return { n: n + 1 };
}), "POST");
routeRegistry.registerRoute("/counter", () => database.queryOne("SELECT n FROM counters WHERE name = 'c'"));
"""

BATCH_SCRIPT = """
function init() {
  database.migrate(1, "CREATE TABLE rows (batch INTEGER NOT NULL, k INTEGER NOT NULL, PRIMARY KEY (batch, k))");
}
routeRegistry.registerRoute("/batch", (c) => {
  const b = Number(c.request.query.b);
  database.transaction((tx) => {
    for (let k = 0; k < 5; k++) tx.execute("INSERT INTO rows VALUES ($1, $2)", [b, k]);
    sharedStorage.setItem("batch:" + b, "done");
  });
  return "ok";
}, "POST");
routeRegistry.registerRoute("/batches", () => ({
  rows: database.query("SELECT batch, count(*) AS n FROM rows GROUP BY batch"),
  marks: sharedStorage.keys("batch:").length,
  check: database.checkDatabaseHealth().ok,
}));
"""


def deploy(k, name, source):
    st, body, _ = k.req("PUT", "/engine/api/scripts/" + name, source, admin=True)
    check(st in (200, 201), "deploy %s: %s %s" % (name, st, body[:300]))


def post(conn, path):
    conn.request("POST", path, b"")
    r = conn.getresponse()
    return r.status, r.read()


def run_concurrently(k, paths, threads=50):
    """Send each path from its own thread and connection, all released at once."""
    results = [None] * len(paths)
    gate = threading.Barrier(threads)

    def worker(i):
        c = http.client.HTTPConnection("127.0.0.1", k.port, timeout=30)
        try:
            gate.wait(30)
            results[i] = post(c, paths[i])
        except Exception as e:  # recorded and checked by the caller
            results[i] = ("error", repr(e))
        finally:
            c.close()

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(len(paths))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(60)
    return results


def owner_race(binary, tmp, route):
    k = Kiln(binary, os.path.join(tmp, "data"))
    try:
        deploy(k, "owners.js", OWNERS_SCRIPT)
        st, body, _ = k.req("POST", "/seed?n=10")
        check(st == 200, "seed: %s %s" % (st, body))
        # 50 concurrent requests try to remove the 10 owners (5 requests per owner).
        results = run_concurrently(k, ["/%s?user=u%d" % (route, i % 10) for i in range(50)])
        errors = [r for r in results if r is None or r[0] not in (200, 409)]
        check(not errors, "unexpected answers: %r" % errors[:3])
        removed = sum(json.loads(r[1])["removed"] for r in results if r[0] == 200)
        refused = sum(1 for r in results if r[0] == 409)
        st, body, _ = k.req("GET", "/owners")
        left = json.loads(body)["n"]
        check(left == 1, "owners left: %d (removed %d, refused %d)" % (left, removed, refused))
        check(removed == 9, "removed %d owners, expected 9" % removed)
    finally:
        k.stop()


def test_owner_count_race_sync(binary, tmp):
    """The seed's owner-count example stays race-free under 50 concurrent requests."""
    owner_race(binary, tmp, "remove")


def test_owner_count_race_async(binary, tmp):
    """The same with an await inside the transaction (the executor holds other requests)."""
    owner_race(binary, tmp, "remove-async")


def test_concurrent_writers(binary, tmp):
    """200 concurrent read-modify-write transactions: no update is lost."""
    k = Kiln(binary, os.path.join(tmp, "data"))
    try:
        deploy(k, "counter.js", COUNTER_SCRIPT)
        results = []
        lock = threading.Lock()

        def writer():
            c = http.client.HTTPConnection("127.0.0.1", k.port, timeout=30)
            for _ in range(50):
                r = post(c, "/bump")
                with lock:
                    results.append(r)
            c.close()

        ts = [threading.Thread(target=writer) for _ in range(4)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        ok = sum(1 for r in results if r[0] == 200)
        check(ok == 200, "answers: %r" % [r for r in results if r[0] != 200][:3])
        st, body, _ = k.req("GET", "/counter")
        check(json.loads(body)["n"] == 200, "counter %s after 200 committed bumps" % body)
    finally:
        k.stop()


def test_kill_during_transactions(binary, tmp):
    """SIGKILL during transactional writes: acknowledged batches survive whole; no batch is partial."""
    data = os.path.join(tmp, "data")
    k = Kiln(binary, data)
    deploy(k, "batch.js", BATCH_SCRIPT)
    acked = []
    enough = threading.Event()
    stop = threading.Event()

    def writer(w):
        c = http.client.HTTPConnection("127.0.0.1", k.port, timeout=10)
        i = 0
        while not stop.is_set() and i < 5000:
            b = w * 100000 + i
            try:
                st, body = post(c, "/batch?b=%d" % b)
            except (OSError, http.client.HTTPException):
                return  # killed
            if st == 200:
                acked.append(b)
                if len(acked) >= 200:
                    enough.set()
            i += 1

    ts = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in ts:
        t.start()
    check(enough.wait(90), "writers made no progress")
    k.kill()
    stop.set()
    for t in ts:
        t.join(15)
    k = Kiln(binary, data)
    try:
        st, body, _ = k.req("GET", "/batches")
        check(st == 200, "batches: %s %s" % (st, body[:200]))
        got = json.loads(body)
        counts = {r["batch"]: r["n"] for r in got["rows"]}
        partial = {b: n for b, n in counts.items() if n != 5}
        check(not partial, "partial batches after SIGKILL: %r" % list(partial.items())[:5])
        lost = [b for b in acked if b not in counts]
        check(not lost, "%d acknowledged batches lost: %r" % (len(lost), lost[:5]))
        check(got["marks"] == len(counts), "storage marks %d != batches %d (storage writes belong to the transaction)" % (got["marks"], len(counts)))
        check(got["check"], "store healthy after the kill")
    finally:
        k.stop()


STREAM_SCRIPT = """
routeRegistry.registerStreamRoute("/events/owners");
routeRegistry.registerRoute("/tx-messages", () => {
  try {
    database.transaction(() => {
      routeRegistry.sendStreamMessage("/events/owners", { m: "rolled back" });
      throw new Error("undo");
    });
  } catch (e) { /* expected */ }
  database.transaction(() => {
    routeRegistry.sendStreamMessage("/events/owners", { m: "committed" });
  });
  return "ok";
}, "POST");
"""


def test_stream_messages_after_commit_only(binary, tmp):
    """Messages sent inside a transaction reach subscribers after commit, never after rollback."""
    k = Kiln(binary, os.path.join(tmp, "data"))
    sock = None
    try:
        deploy(k, "stream.js", STREAM_SCRIPT)
        sock = socket.create_connection(("127.0.0.1", k.port), timeout=15)
        sock.sendall(b"GET /events/owners HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        got = b""
        while b": connected" not in got:  # the stream is open: now send
            chunk = sock.recv(65536)
            check(chunk, "stream closed early: %r" % got)
            got += chunk
        st, body, _ = k.req("POST", "/tx-messages")
        check(st == 200, "tx-messages: %s %s" % (st, body))
        while b"committed" not in got and len(got) < (1 << 20):
            chunk = sock.recv(65536)
            check(chunk, "stream closed before the committed message: %r" % got)
            got += chunk
        check(b"rolled back" not in got, "a rolled-back message was delivered: %r" % got)
    finally:
        if sock is not None:
            sock.close()
        k.stop()


TESTS = [test_stream_messages_after_commit_only, test_owner_count_race_sync, test_owner_count_race_async, test_concurrent_writers,
         test_kill_during_transactions]


def main():
    # The store tests' runner (argument parsing, one fresh folder per test, the summary line).
    store_e2e.TESTS[:] = TESTS
    return store_e2e.main()


if __name__ == "__main__":
    sys.exit(main())
