// SPDX-License-Identifier: MIT
// End-to-end tests of event streams and WebSocket routes (spec/20-realtime.md) with real
// clients: the `eventsource` and `ws` npm packages (installed into build/npm by run.sh), curl,
// and raw sockets where a client library would refuse to send the bytes. Each test starts the
// real kiln binary on 127.0.0.1 (port 0) with its own scripts folder. Every wait is bounded;
// nothing depends on timing beyond those bounds. Prints "N passed, N failed" last.
//   node tests/realtime/run.js build/debug/kiln [test-name-substring]
"use strict";
const cp = require("child_process");
const fs = require("fs");
const http = require("http");
const net = require("net");
const os = require("os");
const path = require("path");

const NPM = path.resolve(__dirname, "../../build/npm/node_modules");
const EventSource = require(path.join(NPM, "eventsource"));
const WebSocket = require(path.join(NPM, "ws"));
const { matches } = require("./filter_oracle.js");

const KILN = path.resolve(process.argv[2] || "build/debug/kiln");
const ONLY = process.argv[3] || "";
const WAIT_MS = 20000;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function until(what, fn, ms = WAIT_MS) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function eq(a, b, msg) {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x !== y) throw new Error(`${msg}: got ${x}, want ${y}`);
}

// ------------------------------------------------------------------ kiln

// Every kiln this runner started and has not stopped: killed if the runner itself dies.
const live = new Set();
process.on("exit", () => { for (const p of live) p.kill("SIGKILL"); });

class Kiln {
  constructor(scripts, args = []) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-rt-"));
    this.scripts = path.join(this.dir, "scripts");
    fs.mkdirSync(this.scripts);
    for (const [name, src] of Object.entries(scripts)) fs.writeFileSync(path.join(this.scripts, name), src);
    this.portFile = path.join(this.dir, "port");
    this.log = "";
    this.proc = cp.spawn(KILN, ["serve", "--listen", "127.0.0.1:0", "--port-file", this.portFile,
      "--scripts", this.scripts, "--data", path.join(this.dir, "data"), "--io-threads", "2",
      "--js-threads", "2", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    this.proc.stderr.on("data", (d) => { this.log += d; });
    live.add(this.proc);
    this.exited = new Promise((r) => this.proc.on("exit", (code, sig) => { live.delete(this.proc); r({ code, sig }); }));
  }

  async start() {
    await until("kiln to start", () => fs.existsSync(this.portFile) && fs.readFileSync(this.portFile, "utf8").trim())
      .catch((e) => { this.proc.kill("SIGKILL"); throw new Error(`${e.message}:\n${this.log.slice(-2000)}`); });
    this.port = Number(fs.readFileSync(this.portFile, "utf8").trim());
    this.base = `http://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    this.proc.kill("SIGTERM");
    const r = await Promise.race([this.exited, sleep(15000).then(() => null)]);
    if (r === null) {
      this.proc.kill("SIGKILL");
      throw new Error("kiln did not stop on SIGTERM");
    }
    if (r.code !== 0) throw new Error(`kiln exited ${r.code} ${r.sig}:\n${this.log.slice(-2000)}`);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  write(name, src) {
    fs.writeFileSync(path.join(this.scripts, name), src);
  }

  remove(name) {
    fs.unlinkSync(path.join(this.scripts, name));
  }

  // A JSON request to a script route: {status, body}.
  request(method, p, body) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
      const req = http.request(`${this.base}${p}`, { method, agent: false,
        headers: data ? { "content-type": "application/json", "content-length": data.length } : {} }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c) => { text += c; });
        res.on("end", () => {
          let json = null;
          try { json = JSON.parse(text); } catch (e) { json = null; }
          resolve({ status: res.statusCode, headers: res.headers, text, json });
        });
      });
      req.on("error", reject);
      if (data) req.write(data);
      req.end();
    });
  }
}

// The control script every test installs: send, info and WebSocket sends through routes.
const CONTROL = `
routeRegistry.registerRoute("/ctl/send", (ctx) => {
  const b = ctx.request.json;
  const opts = Object.assign({}, b.options || {});
  const d = b.filter === undefined
    ? routeRegistry.sendStreamMessage(b.path, b.data, opts)
    : routeRegistry.sendStreamMessageFiltered(b.path, b.data, b.filter, opts);
  return { path: d.path, local: d.local, text: String(d) };
}, "POST");
routeRegistry.registerRoute("/ctl/info", (ctx) => routeRegistry.streamInfo(ctx.request.query.path));
routeRegistry.registerRoute("/ctl/big", (ctx) => {
  const n = Number(ctx.request.query.n), size = Number(ctx.request.query.size);
  const chunk = "x".repeat(size);
  let sent = 0;
  for (let i = 0; i < n; i++) sent += routeRegistry.sendStreamMessage(ctx.request.query.path, chunk).local;
  return { sent };
});
routeRegistry.registerRoute("/ctl/ws", (ctx) => {
  const b = ctx.request.json;
  routeRegistry.sendWebSocketMessage(b.path, b.data, b.options || {});
  return { ok: true };
}, "POST");
`;

async function send(k, body) {
  const r = await k.request("POST", "/ctl/send", body);
  assert(r.status === 200, `send answered ${r.status}: ${r.text}`);
  return r.json;
}

async function info(k, p) {
  const r = await k.request("GET", `/ctl/info?path=${encodeURIComponent(p)}`);
  assert(r.status === 200, `info answered ${r.status}: ${r.text}`);
  return r.json;
}

// ------------------------------------------------------------------ SSE clients

// An EventSource collecting the data of every message until a message "end".
function collector(url) {
  const c = { got: [], ended: false, opened: false, es: new EventSource(url) };
  c.es.onopen = () => { c.opened = true; };
  c.es.onmessage = (m) => {
    if (m.data === "end") c.ended = true;
    else if (!c.ended && m.data !== "ready") c.got.push(m.data);
  };
  c.es.onerror = () => {};
  return c;
}

// A raw GET that reads the whole response until the server closes it: {status, text, closed}.
function rawGet(port, p, headers = {}, pause = false) {
  const sock = net.connect(port, "127.0.0.1");
  const r = { status: 0, text: "", closed: false, sock };
  r.done = new Promise((resolve) => {
    sock.on("connect", () => {
      const hs = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
      sock.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n${hs}\r\n`);
      if (pause) sock.pause();
    });
    sock.on("data", (d) => {
      r.text += d.toString("latin1");
      const m = /^HTTP\/1\.1 (\d+)/.exec(r.text);
      if (m) r.status = Number(m[1]);
    });
    sock.on("error", () => {});
    sock.on("close", () => { r.closed = true; resolve(r); });
  });
  return r;
}

function curl(url, args = []) {
  return new Promise((resolve) => {
    cp.execFile("curl", ["-sN", "--max-time", "15", ...args, url], { maxBuffer: 1 << 24 }, (err, stdout) =>
      resolve({ err, out: stdout }));
  });
}

// ------------------------------------------------------------------ tests

const tests = [];
const test = (name, fn) => tests.push({ name, fn });

// 1,000 concurrent connections with their own criteria; each receives exactly the messages
// the filter rule (spec §3, checked against an independent oracle) selects for it.
test("filtered_broadcast_1000_connections", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "feed.js": `routeRegistry.registerStreamRoute("/feed", { maxConnections: 2000 });`,
  }).start();
  const N = 1000;
  const conns = [];
  const crit = [];
  for (let i = 0; i < N; i++) {
    const c = {};
    if (i % 7 !== 0) c.ch = `c${i % 5}`;
    if (i % 3 === 0) c.user = `u${i % 11}`;
    if (i % 4 === 1) c.role = i % 8 === 1 ? "admin" : "user";
    crit.push(c);
    conns.push(collector(`${k.base}/feed?${new URLSearchParams(c)}`));
  }
  try {
    await until("1,000 attached connections", async () => (await send(k, { path: "/feed", data: "ready" })).local === N);
    const messages = [
      { filter: { ch: "c1" }, mode: "subset" },
      { filter: { ch: "c1" }, mode: "overlap" },
      { filter: { ch: "c1" }, mode: "select" },
      { filter: { ch: ["c2", "c3"], user: "u*" }, mode: "subset" },
      { filter: { ch: "!c4" }, mode: "overlap" },
      { filter: { role: "admin" }, mode: "select" },
      { filter: { ch: "c*", user: "!u1", role: ["admin", "user"] }, mode: "subset" },
      { filter: {}, mode: "subset" },
      { filter: {}, mode: "select" },
      { filter: { ch: [] }, mode: "overlap" },
      { filter: '{"ch":"c*"}', mode: "overlap" },
      { filter: '{"ch":"c0","user":"u0"}', mode: "subset" },
      { filter: { user: "u1*" }, mode: "select" },
      { filter: { ch: "c3", role: "!admin" }, mode: "overlap" },
    ];
    const want = conns.map(() => []);
    for (let j = 0; j < messages.length; j++) {
      const m = messages[j];
      const data = `m${j}`;
      const d = await send(k, { path: "/feed", data, filter: m.filter, options: { mode: m.mode } });
      let expected = 0;
      for (let i = 0; i < N; i++) {
        if (matches(crit[i], m.filter, m.mode)) {
          want[i].push(data);
          expected++;
        }
      }
      eq(d.local, expected, `Delivery.local of ${JSON.stringify(m)}`);
    }
    await send(k, { path: "/feed", data: "end" });
    await until("every connection to get the end message", () => conns.every((c) => c.ended));
    for (let i = 0; i < N; i++) eq(conns[i].got, want[i], `messages of connection ${i} ${JSON.stringify(crit[i])}`);
    const inf = await info(k, "/feed");
    eq([inf.localConnections, inf.registeredBy, inf.slowConsumers], [N, "feed.js", 0], "streamInfo");
  } finally {
    for (const c of conns) c.es.close();
    await k.stop();
  }
});

// Connections that vanish at once are counted down, and kiln keeps serving the others.
test("disconnect_storm", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `routeRegistry.registerStreamRoute("/storm", { maxConnections: 5000 });`,
  }).start();
  try {
    for (let round = 0; round < 3; round++) {
      const socks = [];
      for (let i = 0; i < 500; i++) socks.push(rawGet(k.port, `/storm?i=${i}`));
      await until("500 connections", async () => (await info(k, "/storm")).localConnections === 500);
      for (const s of socks) s.sock.destroy();
      await until("the storm to be counted down", async () => (await info(k, "/storm")).localConnections === 0);
    }
    const c = collector(`${k.base}/storm`);
    await until("a new connection", async () => (await send(k, { path: "/storm", data: "x" })).local === 1);
    await send(k, { path: "/storm", data: "end" });
    await until("the new connection's messages", () => c.ended);
    c.es.close();
  } finally {
    await k.stop();
  }
});

// Last-Event-ID: the kept messages after that id which match the connection's criteria.
test("last_event_id_replay", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `routeRegistry.registerStreamRoute("/replayed", { replay: 5 });`,
  }).start();
  try {
    for (let i = 1; i <= 8; i++) {
      const filter = i === 7 ? { ch: "other" } : { ch: "c1" };
      await send(k, { path: "/replayed", data: `m${i}`, filter, options: { id: `id${i}`, event: "note" } });
    }
    // curl: resumes after id5 with criteria ch=c1: m6 and m8 (m7 is for another channel).
    const p = curl(`${k.base}/replayed?ch=c1`, ["-H", "Last-Event-ID: id5", "--max-time", "3"]);
    const out = (await p).out;
    assert(out.includes("retry: 3000\n: connected\n\n"), `no stream head in ${JSON.stringify(out)}`);
    eq(out.match(/^data: .*$/gm), ["data: m6", "data: m8"], "replayed data");
    eq(out.match(/^id: .*$/gm), ["id: id6", "id: id8"], "replayed ids");
    eq(out.match(/^event: .*$/gm), ["event: note", "event: note"], "replayed events");
    // An id that fell out of the ring (only 5 are kept) replays nothing.
    const old = (await curl(`${k.base}/replayed?ch=c1`, ["-H", "Last-Event-ID: id2", "--max-time", "2"])).out;
    eq(old.match(/^data: .*$/gm), null, "replay of a forgotten id");
    // eventsource resends the last id it saw when it reconnects.
    const es = new EventSource(`${k.base}/replayed?ch=c1`, { headers: { "Last-Event-ID": "id6" } });
    const got = [];
    es.addEventListener("note", (m) => got.push([m.lastEventId, m.data]));
    await until("eventsource replay", () => got.length === 1);
    eq(got, [["id8", "m8"]], "eventsource replay");
    es.close();
  } finally {
    await k.stop();
  }
});

// A full stream answers 503 TOO_MANY_CONNECTIONS; the connections in it are unaffected.
test("stream_full_503", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `routeRegistry.registerStreamRoute("/small", { maxConnections: 3 });`,
  }).start();
  try {
    const cs = [0, 1, 2].map(() => collector(`${k.base}/small`));
    await until("3 connections", async () => (await info(k, "/small")).localConnections === 3);
    const r = await curl(`${k.base}/small`, ["-i", "--max-time", "3"]);
    assert(/^HTTP\/1\.1 503/.test(r.out), `4th connection: ${r.out.slice(0, 200)}`);
    const body = JSON.parse(r.out.slice(r.out.indexOf("\r\n\r\n") + 4));
    eq(body.error.code, "TOO_MANY_CONNECTIONS", "error code");
    await until("the 3 attached", async () => (await send(k, { path: "/small", data: "x" })).local === 3);
    await send(k, { path: "/small", data: "end" });
    await until("the 3 to be served", () => cs.every((c) => c.ended));
    cs.forEach((c) => c.es.close());
  } finally {
    await k.stop();
  }
});

// A client that does not read is disconnected and counted; a reading client gets everything.
test("slow_consumer_disconnected", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `routeRegistry.registerStreamRoute("/firehose");`,
  }).start();
  try {
    const stuck = rawGet(k.port, "/firehose", {}, true);
    const ok = collector(`${k.base}/firehose`);
    await until("2 attached", async () => (await send(k, { path: "/firehose", data: "ready" })).local === 2);
    // Rounds of 20 x 200 KiB (4 MiB, half a connection's queue), each read by the reading
    // client before the next: the stuck one overflows its socket buffers (tcp_rmem may grow to
    // 32 MiB) plus its 8 MiB queue within 20 rounds.
    let rounds = 0;
    while ((await info(k, "/firehose")).slowConsumers === 0) {
      assert(++rounds <= 20, "no slow consumer after 80 MiB");
      const r = await k.request("GET", "/ctl/big?path=/firehose&n=20&size=204800");
      eq(r.status, 200, "big sends");
      await until("the reading client to keep up", () => ok.got.length === 20 * rounds);
    }
    eq((await info(k, "/firehose")).slowConsumers, 1, "slow consumers");
    await until("the slow consumer's connection to close", async () => {
      stuck.sock.resume();
      return stuck.closed;
    });
    await send(k, { path: "/firehose", data: "end" });
    await until("the reading client to get everything", () => ok.ended);
    eq(ok.got.length, 20 * rounds, "messages to the reading client");
    ok.es.close();
    await until("the log line", () => /level=warn .*code=SLOW_CONSUMER stream=\/firehose/.test(k.log));
  } finally {
    await k.stop();
  }
});

// onConnect sets the criteria (the query cannot override them), refuses with false, throws an
// HttpError; path parameters join the criteria.
test("on_connect_criteria", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `
routeRegistry.registerStreamRoute("/rooms/:room", {
  onConnect: (ctx) => {
    if (ctx.args.deny === "1") return false;
    if (ctx.args.deny === "2") throw new HttpError(401, "who are you", { code: "NO_TICKET" });
    if (ctx.args.deny === "3") return { bad: {} };
    return { user: "fixed-" + ctx.args.user, path: ctx.stream.path };
  },
});`,
  }).start();
  try {
    const a = collector(`${k.base}/rooms/7?user=a&ch=ignored`);
    const b = collector(`${k.base}/rooms/8?user=b`);
    await until("2 attached", async () => (await send(k, { path: "/rooms/:room", data: "ready" })).local === 2);
    eq((await send(k, { path: "/rooms/:room", data: "to a", filter: { user: "fixed-a", room: "7", path: "/rooms/:room" } })).local, 1, "local");
    eq((await send(k, { path: "/rooms/:room", data: "none", filter: { ch: "ignored" }, options: { mode: "select" } })).local, 0, "query ignored");
    await send(k, { path: "/rooms/:room", data: "end" });
    await until("both ended", () => a.ended && b.ended);
    eq([a.got, b.got], [["to a"], []], "messages");
    const r1 = await k.request("GET", "/rooms/1?deny=1");
    eq([r1.status, r1.json && r1.json.error.code], [403, "FORBIDDEN"], "false");
    const r2 = await k.request("GET", "/rooms/1?deny=2");
    eq([r2.status, r2.json && r2.json.error.code], [401, "NO_TICKET"], "HttpError");
    const r3 = await k.request("GET", "/rooms/1?deny=3");
    eq([r3.status, r3.json && r3.json.error.code], [500, "INVALID_CRITERIA"], "bad criteria");
    a.es.close();
    b.es.close();
  } finally {
    await k.stop();
  }
});

// Inside database.transaction() a message is held: sent after the commit, dropped on rollback.
test("transaction_holds_stream_messages", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "tx.js": `
routeRegistry.registerStreamRoute("/txs");
routeRegistry.registerRoute("/tx", (ctx) => {
  const q = ctx.request.query;
  let d;
  try {
    database.transaction(() => {
      d = routeRegistry.sendStreamMessage("/txs", q.text);
      if (q.fail) throw new Error("roll back");
    });
  } catch (e) { /* rolled back */ }
  return { local: d.local, queued: d.queued, text: String(d) };
});`,
  }).start();
  try {
    const c = collector(`${k.base}/txs`);
    await until("attached", async () => (await send(k, { path: "/txs", data: "ready" })).local === 1);
    const a = await k.request("GET", "/tx?text=committed");
    eq(a.json, { local: null, queued: true, text: "Message for /txs queued until the transaction commits" }, "held delivery");
    await k.request("GET", "/tx?text=rolled-back&fail=1");
    await send(k, { path: "/txs", data: "end" });
    await until("end", () => c.ended);
    eq(c.got, ["committed"], "only the committed message");
    c.es.close();
  } finally {
    await k.stop();
  }
});

// onClose runs once per connection that ended, with the id onConnect saw.
test("stream_on_close", async () => {
  const k = await new Kiln({
    "ctl.js": CONTROL,
    "s.js": `
routeRegistry.registerStreamRoute("/watched", {
  onConnect: (ctx) => { console.log("open " + ctx.stream.connectionId); return { who: ctx.args.who }; },
  onClose: (ctx) => console.log("closed " + ctx.stream.path + " " + ctx.stream.connectionId + " " + ctx.kind),
});
routeRegistry.registerStreamRoute("/plain-watched", { onClose: "plainClosed" });
function plainClosed(ctx) { console.log("plain closed " + ctx.stream.connectionId); }`,
  }).start();
  try {
    const a = rawGet(k.port, "/watched?who=a");
    const b = rawGet(k.port, "/plain-watched");
    await until("2 attached", async () => (await send(k, { path: "/watched", data: "x" })).local === 1 &&
      (await send(k, { path: "/plain-watched", data: "x" })).local === 1);
    const id = /msg="open (req_[0-9a-z]{26})"/.exec(k.log)[1];
    a.sock.destroy();
    b.sock.destroy();
    await until("onClose", () => k.log.includes(`msg="closed /watched ${id} streamClose"`));
    await until("onClose by name", () => /msg="plain closed req_[0-9a-z]{26}"/.test(k.log));
    eq(k.log.split("msg=\"closed ").length - 1, 1, "onClose runs once");
  } finally {
    await k.stop();
  }
});

// A redeploy that keeps the stream keeps its connections; deleting the script ends them.
test("redeploy_keeps_remove_closes", async () => {
  const src = (n) => `// v${n}\nrouteRegistry.registerStreamRoute("/live", { replay: 2 });\nrouteRegistry.registerRoute("/v", () => "v${n}");`;
  const k = await new Kiln({ "ctl.js": CONTROL, "live.js": src(1) }).start();
  try {
    const c = rawGet(k.port, "/live?x=1");
    await until("attached", async () => (await send(k, { path: "/live", data: "a" })).local === 1);
    k.write("live.js", src(2));
    await until("the new version", async () => (await k.request("GET", "/v")).text === "v2");
    eq((await send(k, { path: "/live", data: "b" })).local, 1, "the connection survived the redeploy");
    k.remove("live.js");
    await until("the stream to end (last chunk)", () => c.text.endsWith("\r\n0\r\n\r\n"));
    const e = await k.request("POST", "/ctl/send", { path: "/live", data: "c" });
    eq([e.status, e.json.error.code], [500, "STREAM_NOT_FOUND"], "removed stream");
    assert(/data: a\n\n[\s\S]*data: b\n\n/.test(c.text), `stream text ${JSON.stringify(c.text)}`);
  } finally {
    await k.stop();
  }
});

// ------------------------------------------------------------------ WebSocket

const WS_SCRIPT = `
routeRegistry.registerWebSocketRoute("/ws/chat/:room", {
  origins: ["*"],
  maxMessageBytes: 1024,
  onOpen: (ctx) => {
    if (ctx.request.query.deny) return false;
    try { ctx.socket.join("bad name"); } catch (e) { if (e.code !== "INVALID_ARGUMENT") throw e; }
    ctx.socket.data = { room: ctx.params.room, n: 0 };
    ctx.socket.join("room:" + ctx.params.room);
    ctx.socket.send("welcome " + ctx.socket.id.length);
  },
  onMessage: (ctx) => {
    const s = ctx.socket;
    s.data.n++;
    if (typeof ctx.message !== "string") { s.send(new Uint8Array([...ctx.message].reverse())); return; }
    if (ctx.message === "who") { s.send(JSON.stringify({ groups: s.groups, data: s.data, protocol: s.protocol })); return; }
    if (ctx.message.startsWith("all:")) { s.broadcast("room:" + s.data.room, ctx.message.slice(4)); return; }
    if (ctx.message === "bye") { s.close(4000, "asked"); return; }
    if (ctx.message === "later") { setTimeout(() => s.send("timer " + s.isOpen), 20); return; }
    if (ctx.message.startsWith("tx")) {
      try {
        database.transaction(() => {
          s.send("in transaction");
          s.broadcast("room:" + s.data.room, "broadcast in transaction", { exceptSelf: false });
          if (ctx.message === "txfail") throw new Error("roll back");
        });
      } catch (e) { /* rolled back */ }
      s.send("after " + ctx.message);
      return;
    }
    s.send("echo " + s.data.n + " " + ctx.message);
  },
  onClose: (ctx) => console.log("socket closed code=" + ctx.code + " reason=" + ctx.reason + " n=" + ctx.socket.data.n),
});
routeRegistry.registerWebSocketRoute("/ws/same-origin", { onMessage: (ctx) => ctx.socket.send(ctx.message) });
routeRegistry.registerWebSocketRoute("/ws/async", {
  origins: ["*"],
  onOpen: (ctx) => { ctx.socket.data = { seen: [] }; },
  // The first message waits longest: callbacks of one socket still run one at a time, in order.
  onMessage: async (ctx) => {
    const d = ctx.socket.data;
    await new Promise((r) => setTimeout(r, ctx.message === "1" ? 60 : 0));
    d.seen.push(ctx.message);
    ctx.socket.data = d;
    ctx.socket.send(d.seen.join(","));
  },
});
`;

function wsOpen(url, opts = {}) {
  const ws = new WebSocket(url, opts);
  const c = { ws, msgs: [], closed: null, status: null };
  c.opened = new Promise((resolve) => {
    ws.on("open", () => resolve(true));
    ws.on("unexpected-response", (req, res) => { c.status = res.statusCode; resolve(false); });
    ws.on("error", () => resolve(false));
  });
  ws.on("message", (m, binary) => c.msgs.push(binary ? [...m] : m.toString()));
  ws.on("close", (code, reason) => { c.closed = [code, reason.toString()]; });
  return c;
}

test("websocket_routes", async () => {
  const k = await new Kiln({ "ctl.js": CONTROL, "ws.js": WS_SCRIPT }).start();
  const url = `ws://127.0.0.1:PORT/ws/chat/`.replace("PORT", k.port);
  try {
    const a = wsOpen(url + "1");
    const b = wsOpen(url + "1");
    const c = wsOpen(url + "2");
    assert(await a.opened && await b.opened && await c.opened, "sockets open");
    await until("welcomes", () => [a, b, c].every((x) => x.msgs.length === 1));
    eq(a.msgs[0], "welcome 29", "socket id length");
    a.ws.send("hi");
    a.ws.send("there");
    a.ws.send(Buffer.from([1, 2, 3]));
    await until("echoes", () => a.msgs.length === 4);
    eq(a.msgs.slice(1), ["echo 1 hi", "echo 2 there", [3, 2, 1]], "echo with socket.data kept across callbacks");
    a.ws.send("who");
    await until("who", () => a.msgs.length === 5);
    eq(JSON.parse(a.msgs[4]), { groups: ["room:1"], data: { room: "1", n: 4 }, protocol: "" }, "socket state");
    a.ws.send("all:news");
    await until("group broadcast", () => b.msgs.length === 2);
    eq(b.msgs[1], "news", "group member");
    await sleep(100);
    eq([a.msgs.length, c.msgs.length], [5, 1], "not to self, not to another group");
    // sendWebSocketMessage from an HTTP handler, to one group
    await k.request("POST", "/ctl/ws", { path: "/ws/chat/:room", data: { n: 1 }, options: { group: "room:2" } });
    await until("route send", () => c.msgs.length === 2);
    eq(c.msgs[1], '{"n":1}', "route send to a group");
    // ... and picked by socket.data (spec §3 rule on its top-level values): room 1 only.
    await k.request("POST", "/ctl/ws", { path: "/ws/chat/:room", data: "room one", options: { filter: { room: "1" }, mode: "select" } });
    await until("filtered route send", () => a.msgs.length === 6 && b.msgs.length === 3);
    eq([a.msgs[5], b.msgs[2], c.msgs.length], ["room one", "room one", 2], "filtered by socket.data");
    a.ws.send("later");
    await until("timer in a handler", () => a.msgs.length === 7);
    eq(a.msgs[6], "timer true", "timer");
    // Sends inside database.transaction(): after the commit, never after a rollback.
    a.ws.send("txfail");
    a.ws.send("tx");
    await until("transaction sends", () => a.msgs.length === 11);
    eq(a.msgs.slice(7), ["after txfail", "in transaction", "broadcast in transaction", "after tx"], "held sends");
    b.ws.send("bye");
    await until("server close", () => b.closed);
    eq(b.closed, [4000, "asked"], "close code and reason");
    a.ws.close(1000, "done");
    await until("onClose", () => /socket closed code=1000 reason=done n=8/.test(k.log));
    const refused = wsOpen(url + "3?deny=1");
    assert(!(await refused.opened), "refused socket opened");
    eq(refused.status, 403, "onOpen returning false");
    // same-origin default: a browser from another site is refused, no Origin is accepted
    const evil = wsOpen(`ws://127.0.0.1:${k.port}/ws/same-origin`, { origin: "http://evil.example" });
    assert(!(await evil.opened), "cross-origin socket opened");
    eq(evil.status, 403, "origin check");
    const mine = wsOpen(`ws://127.0.0.1:${k.port}/ws/same-origin`, { origin: `http://127.0.0.1:${k.port}` });
    assert(await mine.opened, "same-origin socket refused");
    c.ws.close();
    mine.ws.close();
  } finally {
    await k.stop();
  }
});

// An async onMessage: the next message of the socket waits until the previous one settled.
test("websocket_async_callbacks_in_order", async () => {
  const k = await new Kiln({ "ctl.js": CONTROL, "ws.js": WS_SCRIPT }).start();
  try {
    const a = wsOpen(`ws://127.0.0.1:${k.port}/ws/async`);
    assert(await a.opened, "open");
    for (const m of ["1", "2", "3", "4", "5"]) a.ws.send(m);
    await until("5 replies", () => a.msgs.length === 5);
    eq(a.msgs, ["1", "1,2", "1,2,3", "1,2,3,4", "1,2,3,4,5"], "replies");
    for (const m of ["6", "7", "8"]) a.ws.send(m); // still open (and busy) when kiln stops
  } finally {
    await k.stop();
  }
});

// Bad frames close that socket with the right code; the others keep working.
test("websocket_bad_frames", async () => {
  const k = await new Kiln({ "ctl.js": CONTROL, "ws.js": WS_SCRIPT }).start();
  const url = `ws://127.0.0.1:${k.port}/ws/chat/9`;
  try {
    const witness = wsOpen(url);
    assert(await witness.opened, "witness open");
    const cases = [
      ["oversize (1009)", (ws) => ws.send("x".repeat(2000)), 1009],
      ["invalid UTF-8 text (1007)", (ws) => ws.send(Buffer.from([0x68, 0xc3, 0x28]), { binary: false }), 1007],
      // An unmasked client frame, written under the library: a protocol error.
      ["unmasked frame (1002)", (ws) => ws._socket.write(Buffer.from([0x81, 0x02, 0x68, 0x69])), 1002],
      // A frame with a reserved bit set.
      ["reserved bit (1002)", (ws) => ws._socket.write(Buffer.from([0xc1, 0x80, 0, 0, 0, 0])), 1002],
    ];
    for (const [what, act, code] of cases) {
      const s = wsOpen(url);
      assert(await s.opened, `${what}: open`);
      await until(`${what}: welcome`, () => s.msgs.length === 1);
      act(s.ws);
      await until(`${what}: close`, () => s.closed);
      eq(s.closed[0], code, what);
      const before = witness.msgs.length;
      witness.ws.send("still here");
      await until(`${what}: witness`, () => witness.msgs.length === before + 1);
    }
    eq(witness.msgs[witness.msgs.length - 1], "echo 4 still here", "witness unaffected");
    witness.ws.close();
  } finally {
    await k.stop();
  }
});

// ------------------------------------------------------------------ runner

(async () => {
  let passed = 0;
  let failed = 0;
  for (const t of tests) {
    if (ONLY && !t.name.includes(ONLY)) continue;
    const t0 = Date.now();
    try {
      await t.fn();
      passed++;
      console.log(`ok   ${t.name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${t.name}: ${e.stack || e}`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
