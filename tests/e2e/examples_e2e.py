#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests of the scripts in examples/ (what `make run` serves), against the real kiln
binary on 127.0.0.1 with a fresh data folder: the hello routes, the chat application
(its page, history, SSE delivery, a WebSocket client, bad input, history across a restart),
and the files example (a multipart upload, a streamed countdown).
Standard library only; every wait is bounded; prints "N passed, N failed" last.
"""
import argparse
import base64
import http.client
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(ROOT, "examples")
START_TIMEOUT = 20.0
IO_TIMEOUT = 15.0


class Kiln:
    def __init__(self, binary, data):
        self.port_file = os.path.join(data, "port")
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self.stderr = open(os.path.join(data, "stderr.log"), "ab")
        cmd = [binary, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
               "--data", data, "--scripts", EXAMPLES]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.monotonic() + START_TIMEOUT
        while not os.path.exists(self.port_file) or os.path.getsize(self.port_file) == 0:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("kiln did not start")
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read().strip())

    def req(self, method, path, body=None, headers=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=IO_TIMEOUT)
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            headers = dict(headers or {}, **{"Content-Type": "application/json"})
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def stop(self):
        self.proc.terminate()
        rc = self.proc.wait(timeout=30)
        self.stderr.close()
        assert rc == 0, "kiln exited %d" % rc


class SSE:
    """A raw text/event-stream client: connect, then read events one by one."""

    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n" % path).encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), head
        self.chunked = b"transfer-encoding: chunked" in head.lower()

    def _until(self, mark):
        while mark not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise AssertionError("stream closed")
            self.buf += d
        i = self.buf.index(mark) + len(mark)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def event(self, name):
        """Read until an event with this name arrives; return its data (joined lines)."""
        deadline = time.monotonic() + IO_TIMEOUT
        acc = b""
        while time.monotonic() < deadline:
            d = self.s.recv(65536)
            if not d:
                break
            acc += d
            plain = dechunk(acc) if self.chunked else acc
            for block in plain.replace(b"\r\n", b"\n").split(b"\n\n"):
                lines = block.split(b"\n")
                if b"event: " + name.encode() in lines:
                    return b"\n".join(l[6:] for l in lines if l.startswith(b"data: ")).decode()
        raise AssertionError("no %s event in %r" % (name, acc[:500]))

    def close(self):
        self.s.close()


def dechunk(b):
    out = b""
    while True:
        i = b.find(b"\r\n")
        if i < 0:
            return out
        try:
            n = int(b[:i].split(b";")[0], 16)
        except ValueError:
            return out
        if len(b) < i + 2 + n:
            return out + b[i + 2:]
        out += b[i + 2:i + 2 + n]
        b = b[i + 4 + n:]


class WS:
    """A minimal RFC 6455 client: handshake, masked text frames out, unmasked frames in."""

    def __init__(self, port, path):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(4096)
            assert d, "closed during the handshake"
            self.buf += d
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        n = len(payload)
        hdr = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n))
        self.s.sendall(hdr + mask + bytes(c ^ mask[i % 4] for i, c in enumerate(payload)))

    def _need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            assert d, "socket closed"
            self.buf += d

    def recv(self):
        """The next text message (control frames are skipped)."""
        while True:
            self._need(2)
            op, n = self.buf[0] & 0x0F, self.buf[1] & 0x7F
            off = 2
            if n == 126:
                self._need(4)
                n, off = struct.unpack("!H", self.buf[2:4])[0], 4
            elif n == 127:
                self._need(10)
                n, off = struct.unpack("!Q", self.buf[2:10])[0], 10
            self._need(off + n)
            payload, self.buf = self.buf[off:off + n], self.buf[off + n:]
            if op == 1:
                return payload.decode()

    def close(self):
        self.s.close()


def test_hello(k, _):
    st, h, body = k.req("GET", "/hello?name=e2e")
    assert st == 200 and json.loads(body) == {"hello": "e2e"}, (st, body)


def test_chat_page(k, _):
    st, h, body = k.req("GET", "/chat")
    assert st == 200 and h["content-type"].startswith("text/html"), (st, h)
    assert b"<title>Kiln chat</title>" in body and b"new EventSource" in body


def test_chat_sse_delivery_and_history(k, _):
    sse = SSE(k.port, "/chat/events/lobby")
    other = SSE(k.port, "/chat/events/other")
    st, _, body = k.req("POST", "/chat/rooms/lobby/messages", {"user": "ada", "text": "hello, lobby"})
    assert st == 201, (st, body)
    r = json.loads(body)
    assert r["listeners"] == 1 and r["message"]["user"] == "ada", r
    got = json.loads(sse.event("message"))
    assert got["text"] == "hello, lobby" and got["room"] == "lobby", got
    st, _, body = k.req("GET", "/chat/rooms/lobby/messages")
    hist = json.loads(body)
    assert st == 200 and hist[-1]["text"] == "hello, lobby", hist
    # the other room's listener got nothing of it: its next event is its own room's message
    k.req("POST", "/chat/rooms/other/messages", {"user": "bob", "text": "elsewhere"})
    assert json.loads(other.event("message"))["text"] == "elsewhere"
    sse.close()
    other.close()


def test_chat_websocket(k, _):
    a = WS(k.port, "/chat/ws/ws-room")
    b = WS(k.port, "/chat/ws/ws-room")
    sse = SSE(k.port, "/chat/events/ws-room")
    a.send(json.dumps({"user": "ada", "text": "over websocket"}))
    for m in (json.loads(a.recv()), json.loads(b.recv()), json.loads(sse.event("message"))):
        assert m["text"] == "over websocket" and m["user"] == "ada", m
    a.send("not json")
    assert "error" in json.loads(a.recv())
    a.send(json.dumps({"user": "", "text": "x"}))
    assert "user must be" in json.loads(a.recv())["error"]
    for c in (a, b, sse):
        c.close()


def test_chat_bad_input(k, _):
    for path, body, want in [
        ("/chat/rooms/lobby/messages", {"user": "", "text": "x"}, "user must be"),
        ("/chat/rooms/lobby/messages", {"user": "a", "text": "x" * 501}, "text must be"),
        ("/chat/rooms/lobby/messages", [1, 2], "user must be"),
        ("/chat/rooms/bad%20room/messages", {"user": "a", "text": "x"}, "room names"),
    ]:
        st, _, b = k.req("POST", path, body)
        assert st == 400 and want in json.loads(b)["error"]["message"], (path, st, b)
    st, _, b = k.req("POST", "/chat/rooms/lobby/messages", '{"user": ', {"Content-Type": "application/json"})
    assert st == 400 and json.loads(b)["error"]["code"] == "INVALID_JSON", b
    st, _, b = k.req("POST", "/chat/rooms/lobby/messages", "x" * 5000, {"Content-Type": "application/json"})
    assert st == 413, (st, b)


def test_chat_history_survives_restart(k, args):
    k.req("POST", "/chat/rooms/keep/messages", {"user": "ada", "text": "still here"})
    k.stop()
    k2 = Kiln(args.kiln, args.data)
    try:
        st, _, body = k2.req("GET", "/chat/rooms/keep/messages")
        assert st == 200 and json.loads(body)[-1]["text"] == "still here", body
    finally:
        k2.stop()


def test_files_upload(k, _):
    b = "----example7MA4YWxkTrZu0gW"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nNotes\r\n"
            "--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"notes.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\nfirst line\nsecond\r\n--%s--\r\n" % (b, b, b))
    st, _, data = k.req("POST", "/files/upload", body=body.encode(),
                        headers={"Content-Type": "multipart/form-data; boundary=" + b})
    assert st == 200, (st, data)
    assert json.loads(data) == {"title": "Notes", "files": [{"field": "file", "filename": "notes.txt",
        "contentType": "text/plain", "size": 17, "firstLine": "first line"}]}, data
    st, _, data = k.req("POST", "/files/upload", body=b"", headers={"Content-Type": "text/plain"})
    assert st == 400, (st, data)


def test_files_countdown(k, _):
    st, h, data = k.req("GET", "/files/countdown?from=3")
    assert st == 200 and h.get("transfer-encoding") == "chunked", (st, h)
    assert data == b"3...\n2...\n1...\nliftoff\n", data


TESTS = [test_hello, test_chat_page, test_chat_sse_delivery_and_history, test_chat_websocket,
         test_chat_bad_input, test_chat_history_survives_restart, test_files_upload,
         test_files_countdown]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("only", nargs="*")
    args = ap.parse_args()
    passed = failed = 0
    for t in TESTS:
        if args.only and not any(o in t.__name__ for o in args.only):
            continue
        tmp = tempfile.mkdtemp(prefix="kiln-examples-")
        args.data = tmp
        k = None
        try:
            k = Kiln(args.kiln, tmp)
            t(k, args)
            print("ok   " + t.__name__)
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            print("FAIL " + t.__name__ + ": " + repr(e))
            try:
                with open(os.path.join(tmp, "stderr.log"), "rb") as f:
                    print("  " + f.read().decode("utf-8", "replace")[-3000:].replace("\n", "\n  "))
            except OSError:
                pass
            failed += 1
        finally:
            if k is not None and k.proc.poll() is None:
                k.proc.kill()
                k.proc.wait()
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
