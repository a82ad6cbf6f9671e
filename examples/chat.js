// A chat application in one script: rooms, a browser page, history that survives restarts,
// live delivery over Server-Sent Events and over WebSocket.
//
//   open http://localhost:8080/chat                        the page (two tabs: chat with yourself)
//   curl -N localhost:8080/chat/events/lobby               watch a room (SSE)
//   curl -X POST localhost:8080/chat/rooms/lobby/messages \
//        -H 'content-type: application/json' -d '{"user":"ada","text":"hello"}'
//   curl localhost:8080/chat/rooms/lobby/messages          the last 50 messages (JSON)
//   websocat ws://localhost:8080/chat/ws/lobby             send {"user":"ada","text":"hi"}
//
// The GraphQL version (subscriptions over SSE and WebSocket) comes with Kiln's GraphQL API.

const HISTORY = 50;
const ROOM = /^[A-Za-z0-9_-]{1,32}$/;

function roomOf(context) {
  const room = context.params.room;
  if (!ROOM.test(room)) throw new BadRequestError("room names are 1-32 letters, digits, _ or -");
  return room;
}

// Check and normalise a message from a client; throws a 400 with what is wrong.
function checkMessage(input) {
  if (input === null || typeof input !== "object") throw new BadRequestError("send {user, text}");
  const user = String(input.user ?? "").trim();
  const text = String(input.text ?? "").trim();
  if (user.length < 1 || user.length > 32) throw new BadRequestError("user must be 1-32 characters");
  if (text.length < 1 || text.length > 500) throw new BadRequestError("text must be 1-500 characters");
  return { user, text };
}

// Store the message in the room's history (sharedStorage: durable when the call returns), then
// deliver it to the room's SSE listeners and WebSocket clients.
function post(room, input) {
  const m = checkMessage(input);
  const seq = sharedStorage.increment(`chat:seq:${room}`);
  const message = { id: seq, room, user: m.user, text: m.text, ts: new Date().toISOString() };
  const history = sharedStorage.getJSON(`chat:history:${room}`, []);
  history.push(message);
  sharedStorage.setJSON(`chat:history:${room}`, history.slice(-HISTORY));
  const sse = routeRegistry.sendStreamMessageFiltered("/chat/events/:room", message, { room },
    { event: "message", id: String(seq) });
  routeRegistry.sendWebSocketMessage("/chat/ws/:room", message, { group: `room:${room}` });
  return { message, listeners: sse.local };
}

function listMessages(context) {
  return Response.json(sharedStorage.getJSON(`chat:history:${roomOf(context)}`, []));
}

function postMessage(context) {
  const r = post(roomOf(context), context.request.json);
  return Response.json(r, { status: 201 });
}

function page() {
  return Response.html(PAGE);
}

function init() {
  routeRegistry.registerRoute("/chat", page, "GET");
  routeRegistry.registerRoute("/chat/rooms/:room/messages", listMessages, "GET");
  routeRegistry.registerRoute("/chat/rooms/:room/messages", postMessage, "POST", { bodyLimit: 4096 });
  // Each connection's criteria are {room} (from the path), so a message filtered on its room
  // reaches that room only. Reconnecting clients get what they missed from the replay buffer.
  routeRegistry.registerStreamRoute("/chat/events/:room", { replay: HISTORY, criteriaFrom: "none" });
  routeRegistry.registerWebSocketRoute("/chat/ws/:room", {
    onOpen(context) {
      const room = roomOf(context);
      context.socket.data = { room };
      context.socket.join(`room:${room}`);
    },
    onMessage(context) {
      let input;
      try {
        input = JSON.parse(String(context.message));
      } catch {
        context.socket.send({ error: "send JSON: {\"user\": ..., \"text\": ...}" });
        return;
      }
      try {
        post(context.socket.data.room, input);
      } catch (e) {
        context.socket.send({ error: e.message });
      }
    },
  });
}

const PAGE = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kiln chat</title>
<style>
  body { font: 16px system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  #log { border: 1px solid #ccc; height: 24rem; overflow-y: auto; padding: .5rem; }
  #log p { margin: .2rem 0; } #log b { margin-right: .4rem; }
  form { display: flex; gap: .5rem; margin-top: .5rem; } #text { flex: 1; }
</style>
<h1>Kiln chat</h1>
<p>Room <input id="room" value="lobby" size="12"> as <input id="user" value="guest" size="12"></p>
<div id="log" aria-live="polite"></div>
<form id="say"><input id="text" autocomplete="off" placeholder="Say something"><button>Send</button></form>
<script>
const $ = (id) => document.getElementById(id);
let source;
function show(m) {
  const p = document.createElement("p");
  const b = document.createElement("b");
  b.textContent = m.user;
  p.append(b, m.text);
  $("log").append(p);
  $("log").scrollTop = $("log").scrollHeight;
}
async function join() {
  const room = encodeURIComponent($("room").value);
  $("log").textContent = "";
  if (source) source.close();
  const history = await (await fetch("/chat/rooms/" + room + "/messages")).json();
  history.forEach(show);
  source = new EventSource("/chat/events/" + room);
  source.addEventListener("message", (e) => show(JSON.parse(e.data)));
}
$("room").addEventListener("change", join);
$("say").addEventListener("submit", async (e) => {
  e.preventDefault();
  const room = encodeURIComponent($("room").value);
  const r = await fetch("/chat/rooms/" + room + "/messages", {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ user: $("user").value, text: $("text").value }),
  });
  if (r.ok) $("text").value = ""; else alert((await r.json()).error.message);
});
join();
</script>
</html>
`;
