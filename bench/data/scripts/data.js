// SPDX-License-Identifier: MIT
// bench/data: the routes bench/data/run.sh measures, the same as node-sqlite.mjs serves.
function init() {
  database.migrate(1, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL)");
  database.migrate(2, "CREATE TABLE log (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, note TEXT NOT NULL)");
  if (database.queryOne("SELECT count(*) AS n FROM items").n === 0) {
    database.transaction((tx) => {
      for (let i = 1; i <= 1000; i++) tx.execute("INSERT INTO items (id, name, price) VALUES (?, ?, ?)", [i, "item " + i, i / 4]);
    }, { timeoutMs: 30000 }); // bench/data/icount.py runs this under valgrind
  }
  sharedStorage.setItem("greeting", "hello world");
  cache.set("greeting", "hello world");
  cache.set("row", { id: 1, name: "item 1", price: 0.25 });
}
// A primary-key SELECT.
routeRegistry.registerRoute("/db/get", (c) => {
  const row = database.queryOne("SELECT id, name, price FROM items WHERE id = ?", [Number(c.request.query.id) || 1]);
  return row ? Response.json(row) : Response.json({ ok: false }, 404);
});
// An INSERT inside a transaction (durable when it answers: WAL, synchronous=FULL).
routeRegistry.registerRoute("/db/insert", (c) => {
  const id = database.transaction((tx) => tx.execute("INSERT INTO log (at, note) VALUES (?, ?)", [Date.now(), "hit"]).lastInsertId);
  return Response.json({ id });
}, "POST");
routeRegistry.registerRoute("/cache/get", () => Response.json({ value: cache.get("greeting") }));
routeRegistry.registerRoute("/storage/get", () => Response.json({ value: sharedStorage.getItem("greeting") }));
// The operations themselves, without HTTP: n cache.get and n sharedStorage.getItem in a loop.
routeRegistry.registerRoute("/ops", (c) => {
  const n = Number(c.request.query.n) || 100000;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) cache.get("greeting");
  const cacheMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) sharedStorage.getItem("greeting");
  const storageMs = performance.now() - t0;
  return { n, cacheOpsPerSec: Math.round(n / cacheMs * 1000), storageOpsPerSec: Math.round(n / storageMs * 1000) };
});
// One operation n times, for instruction counts (bench/data/icount.py): op = cache (cache.get),
// cacheobj (cache.get of a small object),
// storage (sharedStorage.getItem), select (the /db/get query), none (the loop alone).
routeRegistry.registerRoute("/loop", (c) => {
  const n = Number(c.request.query.n) || 0;
  const op = c.request.query.op;
  let x = 0;
  if (op === "cache") for (let i = 0; i < n; i++) x += cache.get("greeting").length;
  else if (op === "cacheobj") for (let i = 0; i < n; i++) x += cache.get("row").id;
  else if (op === "storage") for (let i = 0; i < n; i++) x += sharedStorage.getItem("greeting").length;
  else if (op === "select") for (let i = 0; i < n; i++) x += database.queryOne("SELECT id, name, price FROM items WHERE id = ?", [i % 1000 + 1]).id;
  else for (let i = 0; i < n; i++) x += "hello world".length;
  return { n, x };
});
