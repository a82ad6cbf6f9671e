// examples/hello.js: routes, parameters, JSON bodies and errors.
// Try:  curl localhost:8080/hello?name=you
//       curl localhost:8080/greet/Ada
//       curl -X POST localhost:8080/echo -H 'content-type: application/json' -d '{"a":1}'

function hello(context) {
  return Response.json({ hello: context.request.query.name ?? "world" });
}

function greet(context) {
  const name = context.params.name;
  if (name.length > 40) {
    throw new BadRequestError("name is too long", { details: { max: 40 } });
  }
  return Response.html(`<h1>Hello, ${escapeHtml(name)}!</h1>`);
}

function echo(context) {
  // context.request.json is parsed on first access; malformed JSON becomes a 400 that names
  // the line and column.
  return { status: 200, body: { youSent: context.request.json, at: new Date().toISOString() } };
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function init() {
  routeRegistry.registerRoute("/hello", hello, "GET");
  routeRegistry.registerRoute("/greet/:name", greet, "GET");
  routeRegistry.registerRoute("/echo", echo, "POST");
}
