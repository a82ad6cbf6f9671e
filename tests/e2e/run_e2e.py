#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""End-to-end tests: each case file starts the real kiln binary on 127.0.0.1 (port 0, a fresh
data and scripts folder), sends requests over raw sockets and checks the answers.

A case is one data file (tests/e2e/cases/NNNN-name.case) made of sections:

  --- file <path>          a file written into the scripts folder before start (or, after the
                           server started, an edit: the runner then waits for `wait` below)
  --- delete <path>        remove a scripts-folder file (after start)
  --- args                 extra command-line arguments, one line
  --- env                  KEY=VALUE lines for kiln's environment (RLIMIT_NOFILE=N is not passed:
                           it sets kiln's soft open-file limit to N)
  --- request [conn=N]     a request: "METHOD /path" line, header lines, blank line, body.
                           Host and Content-Length are added when missing. conn=N reuses
                           connection N (keep-alive); otherwise a new connection.
  --- raw [conn=N]         bytes sent as they are: Python string escapes (\\r\\n, \\x00) are
                           decoded, lines are joined without adding anything
  --- expect               what the previous request/raw must get back (see below); several
                           responses (pipelining) are separated by a line "---- next"
  --- wait                 a request + expectations in one section: "GET /path", then "status:"
                           etc.; retried until it matches (at most 10 s) — for reloads
  --- stderr               regular expressions kiln's stderr must contain, one per line
                           (checked after kiln stopped)
  --- curl                 run curl with these arguments (one line, shell quoting) and check its
                           answer with the next expect section; {url} is http://127.0.0.1:PORT,
                           {scripts} the scripts folder (files to upload: write them with
                           `--- file`). The runner adds -sS -i --max-time 15.
  --- stop                 send SIGTERM and expect exit code 0 (the default at the end)

Expectations: `status: 200`, `header: name: regex` (full match, case-insensitive name),
`no-header: name`, `body: text` (exact; the rest of the section is the body when the line is
`body:` alone), `body-re: regex` (search), `json: {...}` (the JSON body contains this subset),
`closed` (the server closed the connection after this response), `bytes-re: regex` (the whole
raw response, for responses that are not HTTP).

The runner uses only the standard library, talks only to 127.0.0.1, bounds every wait, and
prints "N passed, N failed" last.
"""
import argparse
import codecs
import json
import os
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

CONNECT_TIMEOUT = 10.0
IO_TIMEOUT = 15.0
START_TIMEOUT = 20.0


class CaseError(Exception):
    pass


def parse_case(text):
    sections = []
    cur = None
    for line in text.split("\n"):
        if line.startswith("--- "):
            head = line[4:].strip().split(None, 1)
            cur = {"kind": head[0], "arg": head[1] if len(head) > 1 else "", "lines": []}
            sections.append(cur)
        elif line.startswith("#") and cur is None:
            continue
        elif cur is not None:
            cur["lines"].append(line)
    for s in sections:
        while s["lines"] and s["lines"][-1] == "" and s["kind"] not in ("file",):
            s["lines"].pop()
    return sections


def build_request(lines):
    """'METHOD /path' + headers + blank + body -> bytes, adding Host and Content-Length."""
    if not lines:
        raise CaseError("empty request section")
    start = lines[0]
    headers = []
    i = 1
    while i < len(lines) and lines[i] != "":
        headers.append(lines[i])
        i += 1
    body = "\n".join(lines[i + 1:]) if i < len(lines) else ""
    names = [h.split(":", 1)[0].strip().lower() for h in headers]
    if "host" not in names:
        headers.insert(0, "Host: 127.0.0.1")
    if "content-length" not in names and "transfer-encoding" not in names and body:
        headers.append("Content-Length: %d" % len(body.encode()))
    parts = start.split()
    if len(parts) == 2:
        start = start + " HTTP/1.1"
    return ("\r\n".join([start] + headers) + "\r\n\r\n").encode() + body.encode()


class Response:
    def __init__(self):
        self.status = None
        self.headers = []
        self.body = b""
        self.raw = b""
        self.closed = False

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None


class Conn:
    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT)
        self.sock.settimeout(IO_TIMEOUT)
        self.buf = b""
        self.eof = False

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        if self.eof:
            return False
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        except socket.timeout:
            raise CaseError("timed out waiting for the server")
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def read_response(self, head_request=False):
        r = Response()
        while b"\r\n\r\n" not in self.buf:
            if not self._fill():
                r.raw = self.buf
                self.buf = b""
                r.closed = True
                if r.raw:
                    return r
                raise CaseError("connection closed before a response")
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        r.raw = head + b"\r\n\r\n"
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise CaseError("bad status line %r" % lines[0])
        r.status = int(m.group(1))
        for l in lines[1:]:
            k, _, v = l.partition(":")
            r.headers.append((k.strip(), v.strip()))
        if r.status == 100:
            return r
        te = (r.header("transfer-encoding") or "").lower()
        cl = r.header("content-length")
        if head_request or r.status in (204, 304):
            pass
        elif "chunked" in te:
            body = b""
            while True:
                while b"\r\n" not in self.buf:
                    if not self._fill():
                        raise CaseError("eof in chunked body")
                size_line, self.buf = self.buf.split(b"\r\n", 1)
                size = int(size_line.split(b";")[0], 16)
                while len(self.buf) < size + 2:
                    if not self._fill():
                        raise CaseError("eof in chunk")
                body += self.buf[:size]
                self.buf = self.buf[size + 2:]
                if size == 0:
                    break
            r.body = body
        elif cl is not None:
            n = int(cl)
            while len(self.buf) < n:
                if not self._fill():
                    raise CaseError("eof in body (%d of %d bytes)" % (len(self.buf), n))
            r.body, self.buf = self.buf[:n], self.buf[n:]
        else:
            while self._fill():
                pass
            r.body, self.buf = self.buf, b""
        r.raw += r.body
        if (r.header("connection") or "").lower() == "close":
            # The server says it closes: confirm it does.
            try:
                self.sock.settimeout(5.0)
                while self._fill():
                    pass
            except CaseError:
                pass
            r.closed = self.eof
        return r

    def read_until_closed(self):
        try:
            while self._fill():
                pass
        except CaseError:
            pass
        data, self.buf = self.buf, b""
        return data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def json_subset(want, got, path="$"):
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: expected an object, got %r" % (path, got)
        for k, v in want.items():
            if k not in got:
                return "%s: missing key %r" % (path, k)
            e = json_subset(v, got[k], path + "." + k)
            if e:
                return e
        return None
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return "%s: expected %r, got %r" % (path, want, got)
        for i, (a, b) in enumerate(zip(want, got)):
            e = json_subset(a, b, "%s[%d]" % (path, i))
            if e:
                return e
        return None
    if want != got or type(want) != type(got):
        return "%s: expected %r, got %r" % (path, want, got)
    return None


def check(resp, lines):
    """Return None when resp satisfies the expectation lines, else a message."""
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip():
            continue
        key, _, val = line.partition(":")
        key = key.strip()
        val = val.strip()
        if line.strip() == "closed":
            if not resp.closed:
                return "expected the connection to be closed"
        elif key == "status":
            if resp.status != int(val):
                return "status %s, expected %s; body %r" % (resp.status, val, resp.body[:300])
        elif key == "header":
            name, _, rx = val.partition(":")
            got = resp.header(name.strip())
            if got is None:
                return "missing header %s (have %r)" % (name, resp.headers)
            if not re.fullmatch(rx.strip(), got, re.I | re.S):
                return "header %s: %r does not match %r" % (name, got, rx.strip())
        elif key == "no-header":
            if resp.header(val) is not None:
                return "unexpected header %s: %s" % (val, resp.header(val))
        elif key == "body":
            want = val if line.rstrip() != "body:" else "\n".join(lines[i:])
            if line.rstrip() == "body:":
                i = len(lines)
            if resp.body.decode("utf-8", "replace") != want:
                return "body %r, expected %r" % (resp.body[:500], want)
        elif key == "body-re":
            if not re.search(val, resp.body.decode("utf-8", "replace"), re.S):
                return "body %r does not match %r" % (resp.body[:500], val)
        elif key == "bytes-re":
            if not re.search(val.encode(), resp.raw, re.S):
                return "response %r does not match %r" % (resp.raw[:500], val)
        elif key == "json":
            try:
                got = json.loads(resp.body)
            except ValueError:
                return "body is not JSON: %r" % resp.body[:300]
            e = json_subset(json.loads(val), got)
            if e:
                return "json: " + e + "; body " + resp.body.decode("utf-8", "replace")[:300]
        else:
            return "unknown expectation %r" % line
    return None


def run_curl(args_line, port, scripts):
    """Run curl -sS -i with the section's arguments; return a Response."""
    line = args_line.replace("{url}", "http://127.0.0.1:%d" % port).replace("{scripts}", scripts)
    cmd = ["curl", "-sS", "-i", "--max-time", "15"] + shlex.split(line)
    try:
        out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    except subprocess.TimeoutExpired:
        raise CaseError("curl timed out")
    data = out.stdout
    r = Response()
    r.raw = data
    if out.returncode == 52 and not data:
        r.closed = True  # "empty reply from server": the connection closed before any byte
        return r
    if out.returncode != 0 and not data:
        raise CaseError("curl failed (%d): %s" % (out.returncode, out.stderr.decode("utf-8", "replace")))
    while True:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            raise CaseError("curl output has no HTTP head: %r" % data[:300])
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
        if not m:
            raise CaseError("bad status line from curl %r" % lines[0])
        if m.group(1) == "100":
            data = rest
            continue
        r.status = int(m.group(1))
        for l in lines[1:]:
            k, _, v = l.partition(":")
            r.headers.append((k.strip(), v.strip()))
        r.body = rest
        r.closed = out.returncode != 0
        return r


class Kiln:
    def __init__(self, binary, case_dir, args, env):
        self.dir = case_dir
        self.port_file = os.path.join(case_dir, "port")
        self.stderr_path = os.path.join(case_dir, "stderr.log")
        self.stderr = open(self.stderr_path, "wb")
        cmd = [binary, "serve", "--listen", "127.0.0.1:0", "--port-file", self.port_file,
               "--data", os.path.join(case_dir, "data"), "--scripts",
               os.path.join(case_dir, "scripts")] + args
        e = {k: v for k, v in os.environ.items() if not k.startswith("KILN_")}
        e.update(env)
        nofile = e.pop("RLIMIT_NOFILE", None)

        def limits():
            if nofile is not None:
                hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
                resource.setrlimit(resource.RLIMIT_NOFILE, (int(nofile), hard))

        self.proc = subprocess.Popen(cmd, stdout=self.stderr, stderr=self.stderr, env=e,
                                     stdin=subprocess.DEVNULL, preexec_fn=limits)
        deadline = time.monotonic() + START_TIMEOUT
        self.port = None
        while time.monotonic() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    txt = f.read().strip()
                if txt:
                    self.port = int(txt)
                    break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise CaseError("kiln did not start:\n" + self.log()[-2000:])

    def log(self):
        if not self.stderr.closed:
            self.stderr.flush()
        with open(self.stderr_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return -9
        self.stderr.close()
        return self.proc.returncode


def run_case(binary, path, keep):
    with open(path) as f:
        sections = parse_case(f.read())
    case_dir = tempfile.mkdtemp(prefix="kiln-e2e-")
    scripts = os.path.join(case_dir, "scripts")
    os.makedirs(scripts)
    args, env = [], {}
    started = None
    conns = {}
    last = None  # (conn, head_request)
    try:
        pre_start = True
        for s in sections:
            if s["kind"] not in ("file", "args", "env", "stderr"):
                pre_start = False
            if s["kind"] == "file" and pre_start:
                p = os.path.join(scripts, s["arg"])
                os.makedirs(os.path.dirname(p), exist_ok=True)
                with open(p, "w") as f:
                    f.write("\n".join(s["lines"]))
            elif s["kind"] == "args":
                args += " ".join(s["lines"]).split()
            elif s["kind"] == "env":
                for l in s["lines"]:
                    if "=" in l:
                        k, v = l.split("=", 1)
                        env[k] = v
        pre_start = True
        for s in sections:
            kind = s["kind"]
            if kind in ("args", "env", "stderr"):
                continue
            if kind == "file" and pre_start:
                continue
            pre_start = False
            if started is None:
                started = Kiln(binary, case_dir, args, env)
            if kind == "file":
                p = os.path.join(scripts, s["arg"])
                os.makedirs(os.path.dirname(p), exist_ok=True)
                tmp = p + ".tmp-e2e"
                with open(tmp, "w") as f:
                    f.write("\n".join(s["lines"]))
                os.rename(tmp, p)
            elif kind == "delete":
                os.unlink(os.path.join(scripts, s["arg"]))
            elif kind == "curl":
                last = ("curl", run_curl(" ".join(s["lines"]), started.port, scripts))
            elif kind in ("request", "raw"):
                m = re.search(r"conn=(\w+)", s["arg"])
                key = m.group(1) if m else None
                if key is None or key not in conns:
                    c = Conn(started.port)
                    if key is not None:
                        conns[key] = c
                else:
                    c = conns[key]
                if kind == "request":
                    data = build_request(s["lines"])
                    head = s["lines"][0].split()[0].upper() == "HEAD"
                else:
                    data = codecs.decode("".join(s["lines"]), "unicode_escape").encode("latin-1")
                    head = data.startswith(b"HEAD ")
                c.send(data)
                last = (c, head)
            elif kind == "expect":
                if last is None:
                    raise CaseError("expect without a request")
                if last[0] == "curl":
                    e = check(last[1], s["lines"])
                    if e:
                        raise CaseError("curl: " + e)
                    continue
                c, head = last
                groups, cur = [], []
                for l in s["lines"]:
                    if l.strip() == "---- next":
                        groups.append(cur)
                        cur = []
                    else:
                        cur.append(l)
                groups.append(cur)
                for g in groups:
                    if any(l.strip().startswith("bytes-re:") for l in g) and not any(
                            l.strip().startswith("status:") for l in g):
                        r = Response()
                        r.raw = c.read_until_closed()
                    else:
                        r = c.read_response(head)
                        while r.status == 100 and not any(l.strip() == "status: 100" for l in g):
                            r = c.read_response(head)
                    e = check(r, g)
                    if e:
                        raise CaseError(e)
            elif kind == "wait":
                req_lines, exp_lines = [], []
                for l in s["lines"]:
                    if re.match(r"^(status|header|no-header|body|body-re|json):", l.strip()):
                        exp_lines.append(l)
                    elif not exp_lines:
                        req_lines.append(l)
                    else:
                        exp_lines.append(l)
                while req_lines and req_lines[-1] == "":
                    req_lines.pop()
                deadline = time.monotonic() + 10
                err = None
                while time.monotonic() < deadline:
                    c = Conn(started.port)
                    try:
                        c.send(build_request(req_lines + [""]))
                        r = c.read_response(req_lines[0].startswith("HEAD"))
                        err = check(r, exp_lines)
                    except CaseError as ex:
                        err = str(ex)
                    finally:
                        c.close()
                    if err is None:
                        break
                    time.sleep(0.1)
                if err:
                    raise CaseError("wait: " + err)
            elif kind == "stop":
                for c in conns.values():
                    c.close()
                conns = {}
                rc = started.stop()
                if rc != 0:
                    raise CaseError("kiln exited %s on SIGTERM" % rc)
            else:
                raise CaseError("unknown section %r" % kind)
        if started is None:
            started = Kiln(binary, case_dir, args, env)
        for c in conns.values():
            c.close()
        rc = started.stop()
        if rc != 0:
            raise CaseError("kiln exited %s on SIGTERM:\n%s" % (rc, started.log()[-1500:]))
        log = started.log()
        for s in sections:
            if s["kind"] == "stderr":
                for rx in s["lines"]:
                    if rx.strip() and not re.search(rx.strip(), log, re.M):
                        raise CaseError("stderr does not match %r:\n%s" % (rx, log[-1500:]))
        return None
    except CaseError as e:
        msg = str(e)
        if started is not None:
            started.stop()
            if "kiln did not start" not in msg:
                msg += "\n  --- kiln stderr (tail):\n" + started.log()[-1200:]
        return msg
    except (OSError, ValueError) as e:
        if started is not None:
            started.stop()
        return "%s: %s" % (type(e).__name__, e)
    finally:
        if started is not None and started.proc.poll() is None:
            started.proc.kill()
            started.proc.wait()
        if not keep:
            shutil.rmtree(case_dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kiln", required=True)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("filter", nargs="*")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    cases = sorted(os.listdir(os.path.join(here, "cases")))
    passed = failed = 0
    for name in cases:
        if not name.endswith(".case"):
            continue
        if a.filter and not any(f in name for f in a.filter):
            continue
        t0 = time.monotonic()
        err = run_case(os.path.abspath(a.kiln), os.path.join(here, "cases", name), a.keep)
        dt = time.monotonic() - t0
        if err:
            failed += 1
            print("FAIL %s (%.1fs)\n  %s" % (name, dt, err.replace("\n", "\n  ")))
        else:
            passed += 1
            print("ok   %s (%.1fs)" % (name, dt))
        sys.stdout.flush()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
