// SPDX-License-Identifier: MIT
// The glue between C and a script: routeRegistry, the init run, the handler call and the
// hand-back of settled promises. C captures what it needs from __kiln once per context and then
// removes __kiln and __kiln_native from the global object, so scripts cannot reach them.
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  const { KilnError } = K;
  const then = Promise.prototype.then;
  const Response = K.Response;
  // respondFast: the same without the lock drop around the call into C (a fast function, when
  // the direct path is on); false instead of a throw, and C's ordinary path then reports it.
  const respond = N.respondFast !== undefined ? N.respondFast : N.respond;

  function registration(kind, key, registered, reason) {
    const r = { kind, key, registered };
    if (reason !== undefined && reason !== null) r.reason = reason;
    Object.defineProperty(r, "toString", {
      value() {
        return registered ? `${kind} ${key} registered` : `${kind} ${key} not registered: ${reason}`;
      },
      enumerable: false,
    });
    return r;
  }

  K.registration = registration;

  function objectArg(v, what) {
    if (v === undefined || v === null) return null;
    if (typeof v === "string") {
      try { return JSON.parse(v); } catch (e) {
        throw new KilnError("INVALID_JSON_ARGUMENT", `${what} is not valid JSON: ${e.message}`);
      }
    }
    if (typeof v !== "object") throw new KilnError("INVALID_ARGUMENT", `${what} must be an object`);
    return v;
  }

  // Route options (spec/10-http.md §1): checked here, applied in C. Returns the native
  // arguments [timeoutMs, bodyLimit, auth, notApplied]: 0 / -1 mean the engine's defaults; auth
  // 0 = optional, 1 = required, 2 = redirect; notApplied names the options this version accepts
  // but does not apply yet (C logs them once per deploy).
  const NOT_YET = ["rateLimit", "cors", "validate", "middleware", "csrf"];
  function routeOptions(o) {
    if (o === null) return [0, -1, 0, ""];
    const bad = (m) => { throw new KilnError("INVALID_ARGUMENT", `options.${m}`); };
    const str = (k, max) => {
      if (o[k] === undefined) return;
      if (typeof o[k] !== "string") bad(`${k} must be a string`);
      if (o[k].length > max) bad(`${k} is longer than ${max} characters`);
    };
    str("summary", 200);
    str("description", 10000);
    const strings = (k) => {
      if (o[k] === undefined) return false;
      if (!Array.isArray(o[k]) || o[k].some((x) => typeof x !== "string")) bad(`${k} must be an array of strings`);
      return o[k].length > 0;
    };
    strings("tags");
    for (const k of ["parameters", "requestBody", "responses"]) if (o[k] !== undefined) objectArg(o[k], `options.${k}`);
    let auth = 0;
    if (o.auth === true || o.auth === "required") auth = 1;
    else if (o.auth === "redirect") auth = 2;
    else if (o.auth !== undefined && o.auth !== false && o.auth !== "optional") bad('auth must be true, "optional" or "redirect"');
    if ((strings("roles") || strings("permissions")) && auth === 0) auth = 1;
    const num = (k) => {
      if (o[k] === undefined) return undefined;
      if (typeof o[k] !== "number" || !Number.isInteger(o[k]) || o[k] < 0) bad(`${k} must be a non-negative integer`);
      return o[k];
    };
    const timeoutMs = num("timeoutMs");
    if (timeoutMs === 0) bad("timeoutMs must be at least 1");
    const bodyLimit = num("bodyLimit");
    const later = NOT_YET.filter((k) => o[k] !== undefined);
    return [timeoutMs || 0, bodyLimit === undefined ? -1 : bodyLimit, auth, later.join(",")];
  }

  const routeRegistry = {
    registerRoute(path, handler, method, options) {
      if (typeof path !== "string") throw new KilnError("INVALID_ARGUMENT", "path must be a string");
      if (typeof handler !== "function" && typeof handler !== "string") {
        throw new KilnError("INVALID_ARGUMENT", "handler must be a function or a global function name");
      }
      if (method === undefined || method === null) method = "GET";
      if (typeof method !== "string") throw new KilnError("INVALID_ARGUMENT", "method must be a string");
      const o = routeOptions(objectArg(options, "options"));
      const r = N.registerRoute(path, handler, method, o[0], o[1], o[2], o[3]);
      return registration("route", r[0], r[1], r[2]);
    },
    registerAssetRoute(path, assetName, options) {
      if (typeof path !== "string") throw new KilnError("INVALID_ARGUMENT", "path must be a string");
      if (typeof assetName !== "string" || assetName === "") {
        throw new KilnError("INVALID_ARGUMENT", "assetName must be a non-empty string");
      }
      if (typeof N.registerAssetRoute !== "function") {
        throw new KilnError("NOT_SUPPORTED", "asset routes are not available here");
      }
      const opts = objectArg(options, "options");
      const cc = opts === null ? undefined : opts.cacheControl;
      if (cc !== undefined && (typeof cc !== "string" || cc === "" || cc.length > 200 || /[\r\n]/.test(cc))) {
        throw new KilnError("INVALID_ARGUMENT", "options.cacheControl must be a header value of 1-200 characters");
      }
      const r = N.registerAssetRoute(path, assetName, cc);
      return registration("asset", r[0], r[1], r[2]);
    },
  };
  Object.defineProperty(g, "routeRegistry", { value: routeRegistry, writable: true, configurable: true });

  // The caller when nobody is signed in (spec/10-http.md §4); the auth issue adds real users.
  function authRequired() {
    return new K.HttpError(401, "Authentication required", { code: "AUTH_REQUIRED" });
  }
  K.anonymousAuth = Object.freeze({
    isAuthenticated: false, userId: null, email: null, name: null, provider: null,
    roles: Object.freeze([]), permissions: Object.freeze([]), isAdmin: false, isEditor: false,
    userEmail: null, userName: null, user: null, sessionExpiresAt: null,
    hasRole() { return false; },
    hasAnyRole() { return false; },
    hasPermission() { return false; },
    requireAuth() { throw authRequired(); },
    requireRole() { throw authRequired(); },
    requirePermission() { throw authRequired(); },
    logout() {},
  });

  K.script = Object.freeze({ uri: "", name: "", namespace: "", version: 0 });
  // request.query of the request whose handler runs synchronously now is parsed here, from the
  // raw query string K.invoke got, without a call into C (each one drops and re-takes the JSC
  // lock). Form text: "&"-separated "name=value" pairs, last wins; text with "%" or "+" needs
  // decoding (percent-decoding, then UTF-8 with U+FFFD) and goes to C, as does every other
  // request (after an await, realtime callbacks), where C keeps the value per invocation.
  let curRequest = null;
  let curRaw = "";
  let curQuery;
  const plainQuery = (raw) => {
    const o = {};
    const n = raw.length;
    let from = 0;
    while (from < n) {
      let amp = raw.indexOf("&", from);
      if (amp === -1) amp = n;
      if (amp > from) {
        let eq = raw.indexOf("=", from);
        if (eq === -1 || eq > amp) eq = amp;
        const name = raw.slice(from, eq);
        const value = eq < amp ? raw.slice(eq + 1, amp) : "";
        if (name === "__proto__") {
          Object.defineProperty(o, name, { value, writable: true, enumerable: true, configurable: true });
        } else {
          o[name] = value;
        }
      }
      from = amp + 1;
    }
    return o;
  };
  function requestQuery() {
    if (this !== curRequest || curRequest === null) return N.requestQuery(this);
    if (curQuery === undefined) {
      curQuery = curRaw.indexOf("%") !== -1 || curRaw.indexOf("+") !== -1 ? N.requestQuery(this) : plainQuery(curRaw);
    }
    return curQuery;
  }

  let requestProtoHeld = null;
  K.setup = function (uri, version, dev, requestProto) {
    if (requestProto) {
      // JSC caches a class's prototype weakly: held here, every request object of this context
      // keeps getting this one, with its query accessor.
      requestProtoHeld = requestProto;
      Object.defineProperty(requestProto, "query", { get: requestQuery, enumerable: true, configurable: false });
    }
    const name = uri.split("/").pop();
    K.script = Object.freeze({ uri, name, namespace: uri, version });
    g.kiln = Object.freeze({ version: N.engineVersion || "0.1.0", mode: dev ? "dev" : "prod", instanceId: null, baseUrl: null,
      inspect: K.inspect, format: K.format });
  };

  const synthetic = () => ({ method: "POST", path: "/", rawPath: "/", url: "", query: {}, params: {}, headers: {},
    cookies: {}, body: null, form: {}, formEntries: [], files: [], contentType: "" });

  // The register or bind run: call init(context) when the script defines it.
  let initError;
  K.runInit = function (phase, isStartup, version, requestId) {
    initError = undefined;
    const f = g.init;
    if (typeof f !== "function") return;
    const request = synthetic();
    const context = { kind: "init", requestId, invocationId: requestId, script: K.script, scriptUri: K.script.uri,
      handlerName: "init", request, params: request.params, auth: K.anonymousAuth, state: {}, deadline: 0,
      init: { phase, isStartup, version }, meta: { init: { phase, isStartup, version } } };
    g.context = context;
    const r = f(context);
    if (r instanceof Promise) then.call(r, undefined, (e) => { initError = e; });
  };
  // After the init run returned (and its microtasks ran): the rejection of an async init.
  K.initOutcome = function () { const e = initError; initError = undefined; return e; };

  // One HTTP invocation: build the context and call the handler (a function, or a name that is
  // looked up at call time).
  K.invoke = function (handler, request, requestId, deadline, handlerName, rawQuery) {
    let fn = handler;
    if (typeof fn !== "function") {
      fn = g[handler];
      if (typeof fn !== "function") {
        throw new KilnError("HANDLER_NOT_FOUND", `handler ${JSON.stringify(String(handler))} is not a global function`);
      }
    }
    const context = { kind: "httpRoute", requestId, invocationId: requestId, script: K.script, scriptUri: K.script.uri,
      handlerName, request, get params() { return request.params; }, auth: K.anonymousAuth, state: {}, valid: {},
      deadline, meta: {} };
    g.context = context;
    curRequest = request;
    curRaw = rawQuery;
    curQuery = undefined;
    let r;
    try {
      r = fn(context);
    } finally {
      // Accesses after this (an async handler past its first await) go to C: hand it the value
      // this handler already has, so that request.query stays the same object.
      if (curQuery !== undefined && r !== null && typeof r === "object" && typeof r.then === "function") {
        N.requestQuerySet(request, curQuery);
      }
      curRequest = null;
      curQuery = undefined;
    }
    // The common case, a Response with a string, bytes or no body: hand it to C in one call
    // (status, "name\nvalue..." and the body) instead of C reading it back field by field.
    if (r instanceof Response) {
      const b = r._body;
      if ((b === null || typeof b === "string" || b instanceof Uint8Array) &&
          respond(r._status, r._headers._l.join("\n"), b)) return undefined;
    }
    return r;
  };

  // queueMicrotask (WHATWG): an exception in the callback is reported to the script log with
  // the current invocation's id instead of vanishing as an unhandled rejection.
  const report = typeof N.reportError === "function" ? N.reportError : () => {};
  const resolved = Promise.resolve();
  Object.defineProperty(g, "queueMicrotask", {
    value: function queueMicrotask(fn) {
      if (typeof fn !== "function") {
        const e = new TypeError("queueMicrotask: callback must be a function");
        e.code = "INVALID_ARGUMENT";
        throw e;
      }
      then.call(resolved, () => { try { fn(); } catch (e) { report(e); } });
    },
    writable: true, configurable: true,
  });

  // Hand a pending result back to C when it settles.
  K.awaitResult = function (p, token) {
    then.call(p, (v) => N.settle(token, true, v), (e) => N.settle(token, false, e));
  };
})(globalThis);
