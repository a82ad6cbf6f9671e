// SPDX-License-Identifier: MIT
// bench/data: the same routes as scripts/data.js on node:http + better-sqlite3 (Node 20 has no
// node:sqlite). Durability matched to Kiln's: WAL with synchronous=FULL.
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require(process.env.BETTER_SQLITE3 || 'better-sqlite3');
const PORT = Number(process.env.PORT || 19091);
const db = new Database(process.env.DB_PATH || 'bench-node.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)');
db.exec('CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, note TEXT NOT NULL)');
if (db.prepare('SELECT count(*) AS n FROM items').get().n === 0) {
  const ins = db.prepare('INSERT INTO items (id, name, price) VALUES (?, ?, ?)');
  db.transaction(() => { for (let i = 1; i <= 1000; i++) ins.run(i, 'item ' + i, i / 4); })();
}
const get = db.prepare('SELECT id, name, price FROM items WHERE id = ?');
const put = db.prepare('INSERT INTO log (at, note) VALUES (?, ?)');
const insertTx = db.transaction(() => put.run(Date.now(), 'hit').lastInsertRowid);
const JSONH = { 'Content-Type': 'application/json' };

function send(res, status, obj) {
  const body = JSON.stringify(obj);
  res.writeHead(status, { ...JSONH, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'GET' && url.pathname === '/db/get') {
    const row = get.get(Number(url.searchParams.get('id')) || 1);
    return row ? send(res, 200, row) : send(res, 404, { ok: false });
  }
  if (req.method === 'POST' && url.pathname === '/db/insert') {
    req.resume();
    req.on('end', () => send(res, 200, { id: Number(insertTx()) }));
    return;
  }
  send(res, 404, { ok: false });
}).listen(PORT, '127.0.0.1', () => console.error(`node-sqlite listening on ${PORT}`));
