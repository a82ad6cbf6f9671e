// SPDX-License-Identifier: MIT
// Event streams and WebSocket routes (spec/20-realtime.md §1-§2): the routeRegistry methods,
// the socket object and the call of their callbacks (K.invokeRealtime, from api_realtime.c).
// Types are checked here; ranges, filters, limits and delivery are C's.
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  const { KilnError } = K;
  const then = Promise.prototype.then;
  const R = g.routeRegistry;
  const MODES = { subset: 0, overlap: 1, select: 2 };

  function invalid(message) { return new KilnError("INVALID_ARGUMENT", message); }
  function pathArg(path) {
    if (typeof path !== "string") throw invalid("path must be a string");
    return path;
  }
  function callback(v, what) {
    if (v === undefined || v === null) return undefined;
    if (typeof v === "function" || typeof v === "string") return v;
    throw invalid(`${what} must be a function or a global function name`);
  }
  function num(v, what, def, min, max) {
    if (v === undefined || v === null) return def;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
      throw invalid(`${what} must be a number from ${min} to ${max}`);
    }
    return Math.floor(v);
  }
  function strings(v, what) {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) throw invalid(`${what} must be an array of strings`);
    return v;
  }
  // A message: strings as they are, bytes as bytes, anything else as its JSON.
  function payload(data) {
    if (typeof data === "string" || data instanceof Uint8Array || data instanceof ArrayBuffer) return data;
    if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const j = JSON.stringify(data);
    if (j === undefined) throw invalid("data is not JSON-serialisable");
    return j;
  }
  // local: a count, or null (held for a commit: queued; or counted on the loops).
  function delivery(path, local, what, queued) {
    const d = { path, local, queued: queued === true };
    Object.defineProperty(d, "toString", {
      value() {
        if (d.queued) return `${what} for ${path} queued until the transaction commits`;
        return local === null ? `${what} sent to ${path}` : `${what} sent to ${local} connection(s) of ${path}`;
      },
      enumerable: false,
    });
    return d;
  }

  R.registerStreamRoute = function (path, options, meta) {
    pathArg(path);
    let o = options;
    if (typeof o === "string" || typeof o === "function") o = Object.assign({}, meta || {}, { onConnect: o });
    if (o === undefined || o === null) o = {};
    if (typeof o !== "object") throw invalid("options must be an object");
    const spec = { onConnect: callback(o.onConnect, "onConnect"), onClose: callback(o.onClose, "onClose") };
    const from = o.criteriaFrom === undefined ? "query" : o.criteriaFrom;
    if (from !== "query" && from !== "none") throw invalid('criteriaFrom must be "query" or "none"');
    const hb = num(o.heartbeatMs, "heartbeatMs", 15000, 0, 86400000);
    const r = N.registerStreamRoute(path, spec, num(o.replay, "replay", 0, 0, 1000), hb === 0 ? -1 : hb,
      num(o.maxConnections, "maxConnections", 1000, 1, 1000000), from === "query", spec.onConnect !== undefined,
      spec.onClose !== undefined);
    return K.registration("stream", r[0], r[1], r[2]);
  };

  function sendStream(path, data, filter, options) {
    pathArg(path);
    let o = options;
    if (typeof o === "string") o = { mode: o }; // the aiwebengine form: a match mode
    if (o === undefined || o === null) o = {};
    if (typeof o !== "object") throw invalid("options must be an object");
    const mode = o.mode === undefined ? "subset" : o.mode;
    if (!Object.prototype.hasOwnProperty.call(MODES, mode)) throw invalid('mode must be "subset", "overlap" or "select"');
    let json = null;
    let literal = o.literal === true;
    if (filter !== undefined && filter !== null) {
      if (typeof filter === "string") {
        json = filter; // the JSON-string form: every value a literal
        literal = true;
      } else if (typeof filter === "object" && !Array.isArray(filter)) {
        json = JSON.stringify(filter);
      } else {
        throw new KilnError("INVALID_FILTER", "filter must be an object or a JSON string");
      }
    }
    const text = typeof data === "string" ? data : JSON.stringify(data);
    if (text === undefined) throw invalid("data is not JSON-serialisable");
    const event = o.event === undefined || o.event === null ? "" : String(o.event);
    const id = o.id === undefined || o.id === null ? "" : String(o.id);
    const local = N.sendStream(path, text, json, MODES[mode], literal, event, id);
    return delivery(path, local, "Message", local === null);
  }
  R.sendStreamMessage = function (path, data, options) { return sendStream(path, data, null, options); };
  R.sendStreamMessageFiltered = function (path, data, filter, options) { return sendStream(path, data, filter, options); };
  R.streamInfo = function (path) {
    const i = N.streamInfo(pathArg(path));
    return { path: i[0], localConnections: i[1], registeredBy: i[2], slowConsumers: i[3], delivered: i[4] };
  };

  R.registerWebSocketRoute = function (path, options) {
    pathArg(path);
    const o = options;
    if (o === undefined || o === null || typeof o !== "object") throw invalid("options must be an object");
    const spec = { onOpen: callback(o.onOpen, "onOpen"), onMessage: callback(o.onMessage, "onMessage"),
      onClose: callback(o.onClose, "onClose") };
    const r = N.registerWebSocketRoute(path, spec,
      num(o.maxMessageBytes, "maxMessageBytes", 65536, 1, 16 * 1024 * 1024),
      num(o.idleTimeoutMs, "idleTimeoutMs", 300000, 1000, 86400000),
      num(o.maxMessagesPerSec, "maxMessagesPerSec", 50, 1, 1000000),
      num(o.maxConnections, "maxConnections", 1000, 1, 1000000),
      strings(o.origins, "origins"), strings(o.protocols, "protocols"), spec.onOpen !== undefined);
    return K.registration("websocket", r[0], r[1], r[2]);
  };
  // (filter, mode, literal) as the natives take them: JSON text or null, a mode number.
  function filterArgs(filter, mode, literal) {
    const m = mode === undefined ? "subset" : mode;
    if (!Object.prototype.hasOwnProperty.call(MODES, m)) throw invalid('mode must be "subset", "overlap" or "select"');
    if (filter === undefined || filter === null) return [null, MODES[m], false];
    if (typeof filter === "string") return [filter, MODES[m], true]; // the JSON-string form: literals
    if (typeof filter === "object" && !Array.isArray(filter)) return [JSON.stringify(filter), MODES[m], literal === true];
    throw new KilnError("INVALID_FILTER", "filter must be an object or a JSON string");
  }
  const str = (v) => (v === undefined || v === null ? "" : String(v));
  R.sendWebSocketMessage = function (path, data, options) {
    const o = options || {};
    const [json, mode, literal] = filterArgs(o.filter, o.mode, o.literal);
    N.wsRoute(pathArg(path), 0, payload(data), str(o.group), str(o.socketId), str(o.except), 0, json, mode, literal);
    return delivery(path, null, "Message");
  };
  R.closeWebSockets = function (path, options) {
    const o = options || {};
    N.wsRoute(pathArg(path), 1, str(o.reason), str(o.group), str(o.socketId), "", o.code === undefined ? 1000 : o.code,
      null, 0, false);
    return delivery(path, null, "Close");
  };

  // The socket object of one callback. socket.data is kept by Kiln as JSON: assigning it
  // stores it, and changes made to the object read from it are stored when the callback
  // returns (or its Promise settles).
  const FLUSH = Symbol("flush");
  function makeSocket(h) {
    const info = N.wsInfo(h);
    let cache;
    let loaded = false;
    return {
      id: info[0], path: info[1], protocol: info[2], user: null,
      get isOpen() { return N.wsInfo(h)[3]; },
      get groups() { return N.wsInfo(h)[4]; },
      get data() {
        if (!loaded) {
          const j = N.wsData(h);
          cache = j === undefined ? undefined : JSON.parse(j);
          loaded = true;
        }
        return cache;
      },
      set data(v) {
        const j = v === undefined ? undefined : JSON.stringify(v);
        // The criteria of filtered sendWebSocketMessage: the top-level strings, numbers, booleans.
        const pairs = [];
        if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          for (const k of Object.keys(v)) {
            const x = v[k];
            if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") pairs.push(k, String(x));
          }
        }
        N.wsData(h, j, pairs);
        cache = j === undefined ? undefined : JSON.parse(j);
        loaded = true;
      },
      send(data) { N.wsSend(h, payload(data)); },
      close(code, reason) { N.wsClose(h, code === undefined ? 1000 : code, reason === undefined ? "" : String(reason)); },
      join(group) { N.wsGroup(h, String(group), true); },
      leave(group) { N.wsGroup(h, String(group), false); },
      broadcast(group, data, opts) {
        N.wsBroadcast(h, String(group), payload(data), !(opts && opts.exceptSelf === false));
      },
      [FLUSH]() { if (loaded && cache !== null && typeof cache === "object") this.data = cache; },
    };
  }

  function criteria(v) {
    if (v === false) return false;
    if (v === undefined || v === null) return [];
    const bad = () => new KilnError("INVALID_CRITERIA",
      "onConnect must return an object of strings, numbers and booleans, null or false");
    if (typeof v !== "object" || Array.isArray(v)) throw bad();
    const out = [];
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x === undefined || x === null) continue;
      if (typeof x !== "string" && typeof x !== "number" && typeof x !== "boolean") throw bad();
      out.push(k, String(x));
    }
    return out;
  }

  const NAMES = { streamCustomization: "onConnect", streamClose: "onClose", wsOpen: "onOpen", wsMessage: "onMessage",
    wsClose: "onClose" };
  // One callback: a: the stream path or the socket handle; b: the connection id, the message
  // or the close code; x: the close reason. Returns what C reads back (criteria, open or not).
  K.invokeRealtime = function (spec, kind, request, requestId, deadline, a, b, x) {
    const name = NAMES[kind];
    const finish = (v) => (kind === "streamCustomization" ? criteria(v) : kind === "wsOpen" ? v !== false : undefined);
    let fn = spec[name];
    if (fn === undefined) return finish(undefined);
    if (typeof fn !== "function") {
      fn = g[fn];
      if (typeof fn !== "function") {
        throw new KilnError("HANDLER_NOT_FOUND", `${name} handler ${JSON.stringify(String(spec[name]))} is not a global function`);
      }
    }
    const context = { kind, requestId, invocationId: requestId, script: K.script, scriptUri: K.script.uri,
      handlerName: name, auth: K.anonymousAuth, state: {}, deadline, meta: {} };
    let socket = null;
    if (kind === "streamCustomization") {
      Object.assign(context, { request, params: request.params, args: request.query, stream: { path: a, connectionId: b } });
    } else if (kind === "streamClose") {
      context.stream = { path: a, connectionId: b };
    } else {
      socket = makeSocket(a);
      context.socket = socket;
      if (kind === "wsOpen") Object.assign(context, { request, params: request.params });
      else if (kind === "wsMessage") context.message = b;
      else Object.assign(context, { code: b, reason: x });
    }
    g.context = context;
    const r = fn(context);
    const done = (v) => { if (socket) socket[FLUSH](); return finish(v); };
    if (r instanceof Promise) return then.call(r, done, (e) => { if (socket) socket[FLUSH](); throw e; });
    return done(r);
  };
})(globalThis);
