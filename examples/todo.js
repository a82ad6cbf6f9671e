// SPDX-License-Identifier: MIT
// A to-do list on Kiln's database: a versioned schema, the query builder, a transaction that
// checks and writes atomically, and a cached count.
//   curl -X POST localhost:8080/todo -H 'content-type: application/json' -d '{"title":"write docs"}'
//   curl 'localhost:8080/todo?open=1'
//   curl -X POST localhost:8080/todo/1/done
function init() {
  database.migrate(1, `CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE, created_at TIMESTAMP NOT NULL)`);
  database.migrate(2, "CREATE INDEX todos_done ON todos (done)");
}

routeRegistry.registerRoute("/todo", (context) => {
  let q = database.table("todos").orderBy("id", "desc").limit(50);
  if (context.request.query.open) q = q.where("done", false);
  const open = cache.getOrSet("open", () => database.table("todos").where("done", false).count(), { ttl: 10 });
  return Response.json({ open, todos: q.all() });
});

routeRegistry.registerRoute("/todo", (context) => {
  const title = String(context.request.json.title || "").trim();
  if (!title) throw new BadRequestError("title is required");
  const row = database.transaction((tx) => {
    if (tx.table("todos").where({ title, done: false }).exists()) throw new ConflictError("already on the list");
    cache.delete("open"); // applied when the transaction commits
    return tx.table("todos").insert({ title, created_at: new Date() });
  });
  return Response.json(row, 201);
}, "POST");

routeRegistry.registerRoute("/todo/:id/done", (context) => {
  const changed = database.table("todos").where("id", Number(context.params.id)).update({ done: true });
  if (!changed) throw new NotFoundError("no such to-do");
  cache.delete("open");
  return Response.json({ ok: true });
}, "POST");
