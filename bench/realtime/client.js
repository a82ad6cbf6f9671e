// SPDX-License-Identifier: MIT
// The load side of bench/realtime; one JSON line per measurement on stdout.
//   node client.js fanout PORT CONNS SECONDS   1 publish per ms (PUBLISH_PER_S=n: n per second)
//                                             to CONNS SSE connections: delivered messages/s,
//                                             p99 delivery latency
//   node client.js idle PORT CONNS SERVER_PID  RSS growth per idle SSE connection
//   node client.js echo PORT CONNS SECONDS     WebSocket echo: round trips/s, p99 RTT
"use strict";
const fs = require("fs");
const http = require("http");
const net = require("net");
const path = require("path");
const WebSocket = require(path.resolve(__dirname, "../../build/npm/node_modules/ws"));

const [mode, portArg, connsArg, arg4] = process.argv.slice(2);
const PORT = Number(portArg);
const CONNS = Number(connsArg);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

function p99(samples) {
  if (samples.length === 0) return null;
  const s = Float64Array.from(samples).sort();
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))];
}

// Open n SSE connections (raw sockets); onData(sock, chunk) gets what they read.
async function openStreams(n, onData) {
  const socks = [];
  let attached = 0;
  for (let i = 0; i < n; i++) {
    const s = net.connect(PORT, "127.0.0.1");
    s.setNoDelay(true);
    let head = true;
    s.on("connect", () => s.write("GET /fan HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    s.on("data", (d) => {
      if (head && d.includes(": connected")) {
        head = false;
        attached++;
      }
      if (onData) onData(s, d);
    });
    s.on("error", () => {});
    socks.push(s);
    if (i % 200 === 199) await sleep(5); // keep the listen backlog happy
  }
  const end = Date.now() + 30000;
  while (attached < n && Date.now() < end) await sleep(20);
  return { socks, attached };
}

function rssKb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

async function idle() {
  const pid = Number(arg4);
  const before = rssKb(pid);
  const { socks, attached } = await openStreams(CONNS, null);
  await sleep(500);
  const after = rssKb(pid);
  console.log(JSON.stringify({ mode, conns: attached, rss_before_kb: before, rss_after_kb: after,
    bytes_per_conn: Math.round(((after - before) * 1024) / Math.max(1, attached)) }));
  socks.forEach((s) => s.destroy());
}

async function fanout() {
  const seconds = Number(arg4);
  let delivered = 0;
  const lat = [];
  const { socks, attached } = await openStreams(CONNS, (s, d) => {
    // Count events ("\n\n" ends one) and sample the latency of the last one in the read.
    let at = -1;
    let n = 0;
    while ((at = d.indexOf("\n\n", at + 1)) >= 0) n++;
    delivered += n;
    const i = d.lastIndexOf("data: t");
    if (i >= 0) {
      const t = Number(d.toString("latin1", i + 7, d.indexOf("\n", i)));
      if (t > 0) lat.push((nowUs() - t) / 1000);
    }
  });
  delivered = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  let published = 0;
  let failed = 0;
  const start = Date.now();
  const stopAt = start + seconds * 1000;
  // PUBLISH_PER_S publishes per second (default 1000): a timer every 10 ms sends those due.
  const rate = Number(process.env.PUBLISH_PER_S || 1000);
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.floor(((Math.min(Date.now(), stopAt) - start) * rate) / 1000);
      while (published < due) {
        published++;
        const body = `t${nowUs()}`;
        const req = http.request({ host: "127.0.0.1", port: PORT, path: "/publish", method: "POST", agent,
          headers: { "content-length": body.length } }, (res) => res.resume());
        req.on("error", () => { failed++; });
        req.end(body);
      }
      if (Date.now() >= stopAt) resolve();
      else setTimeout(tick, 10);
    };
    tick();
  });
  await sleep(1000); // let the last deliveries arrive
  const elapsed = (Date.now() - start) / 1000;
  const open = socks.filter((s) => !s.destroyed).length;
  console.log(JSON.stringify({ mode, conns: attached, still_open: open, published, failed,
    delivered, expected: published * attached, delivered_per_s: Math.round(delivered / elapsed),
    p99_ms: p99(lat) }));
  socks.forEach((s) => s.destroy());
  agent.destroy();
}

async function echo() {
  const seconds = Number(arg4);
  const rtt = [];
  let trips = 0;
  const stopAt = Date.now() + seconds * 1000;
  const one = () => new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${PORT}/echo`, { perMessageDeflate: false });
    let sent = 0;
    const next = () => {
      if (Date.now() >= stopAt) { ws.close(); resolve(); return; }
      sent = nowUs();
      ws.send("ping 0123456789abcdef");
    };
    ws.on("open", next);
    ws.on("message", () => { rtt.push((nowUs() - sent) / 1000); trips++; next(); });
    ws.on("error", () => resolve());
    ws.on("close", () => resolve());
  });
  const t0 = Date.now();
  await Promise.all(Array.from({ length: CONNS }, one));
  const elapsed = (Date.now() - t0) / 1000;
  console.log(JSON.stringify({ mode, conns: CONNS, round_trips: trips, round_trips_per_s: Math.round(trips / elapsed),
    p99_ms: p99(rtt) }));
}

({ fanout, idle, echo })[mode]().then(() => process.exit(0));
