// The benchmark routes: the same two endpoints as the peers' servers in ../shared/bench/peers
// (GET /hello -> "hello world"; GET /json -> a JSON document built from the query string).
function hello() {
  return new Response("hello world", { headers: { "Content-Type": "text/plain" } });
}

function json(context) {
  const q = context.request.query;
  const name = q.name || "anon";
  const n = Number.parseInt(q.n || "0", 10) || 0;
  return Response.json({
    ok: true,
    greeting: "hello " + name,
    query: { ...q },
    item: { id: n, name, tags: ["alpha", "beta", "gamma"], price: 19.99, inStock: true, dims: { w: 10, h: 20, d: 30 } },
    ts: Date.now(),
  });
}

routeRegistry.registerRoute("/hello", hello, "GET");
routeRegistry.registerRoute("/json", json, "GET");
