// SPDX-License-Identifier: MIT
// Node.js's side of bench/realtime (http + ws): GET /fan is an SSE stream, POST /publish sends
// its body to every /fan connection, /echo is a WebSocket echo. The same endpoints as
// scripts/bench.js on Kiln.
//   node bench/realtime/node_server.js PORT [PORT_FILE]   (PORT 0: any; PORT_FILE gets it)
"use strict";
const http = require("http");
const path = require("path");
const WebSocket = require(path.resolve(__dirname, "../../build/npm/node_modules/ws"));

const subscribers = new Set();
const server = http.createServer((req, res) => {
  if (req.method === "GET" && req.url.startsWith("/fan")) {
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" });
    res.write("retry: 3000\n: connected\n\n");
    subscribers.add(res);
    req.on("close", () => subscribers.delete(res));
    return;
  }
  if (req.method === "POST" && req.url === "/publish") {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (c) => { body += c; });
    req.on("end", () => {
      const event = `data: ${body}\n\n`;
      for (const s of subscribers) s.write(event);
      res.writeHead(204);
      res.end();
    });
    return;
  }
  res.writeHead(404);
  res.end();
});
const wss = new WebSocket.Server({ server, path: "/echo", perMessageDeflate: false });
wss.on("connection", (ws) => ws.on("message", (m, binary) => ws.send(m, { binary })));
server.listen(Number(process.argv[2]), "127.0.0.1", () => {
  if (process.argv[3]) require("fs").writeFileSync(process.argv[3], String(server.address().port));
});
