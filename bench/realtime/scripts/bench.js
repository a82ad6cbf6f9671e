// Kiln's side of bench/realtime: the same three endpoints as node_server.js.
routeRegistry.registerStreamRoute("/fan", { maxConnections: 10000, heartbeatMs: 0, criteriaFrom: "none" });
routeRegistry.registerRoute("/publish", (ctx) => {
  routeRegistry.sendStreamMessage("/fan", ctx.request.text);
  return "";
}, "POST");
routeRegistry.registerWebSocketRoute("/echo", {
  origins: ["*"],
  maxConnections: 10000,
  maxMessagesPerSec: 1000000,
  onMessage: (ctx) => ctx.socket.send(ctx.message),
});
