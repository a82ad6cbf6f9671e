// The key-value endpoints of the peers' servers (../shared/bench/peers: POST /kv with
// {"key","value"} -> {"ok":true}; GET /kv?key= -> {"key","value"} or 404 {"ok":false}), on
// sharedStorage: each write is one durable SQLite transaction (WAL, synchronous=FULL).
routeRegistry.registerRoute("/kv", (context) => {
  const key = context.request.query.key;
  const value = key ? sharedStorage.getItem(key) : null;
  if (value === null) return Response.json({ ok: false }, 404);
  return Response.json({ key, value });
}, "GET");

routeRegistry.registerRoute("/kv", (context) => {
  let o;
  try { o = context.request.json; } catch { return Response.json({ ok: false }, 400); }
  if (!o || typeof o.key !== "string" || o.key.length === 0 || o.value === undefined) {
    return Response.json({ ok: false }, 400);
  }
  sharedStorage.setItem(o.key, typeof o.value === "string" ? o.value : JSON.stringify(o.value));
  return Response.json({ ok: true });
}, "POST");
