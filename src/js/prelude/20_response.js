// SPDX-License-Identifier: MIT
// Request and Response (Fetch Standard, with Kiln's helpers, spec/10-http.md §5), their bodies,
// and the conversion of every handler return shape into a Response. C reads a Response through
// three fields: _status, _headers._l (flat name/value list) and _body (string | Uint8Array |
// null | ReadableStream, which is streamed through K.pumpBody).
"use strict";
(function (g) {
  const K = g.__kiln;
  const { Headers, KilnError } = K;
  const TEXT = "text/plain; charset=utf-8";
  const HTML = "text/html; charset=utf-8";
  const JSONT = "application/json";

  function invalid(msg) { return new KilnError("INVALID_RESPONSE", msg); }
  function isBytes(v) { return v instanceof Uint8Array || v instanceof ArrayBuffer || ArrayBuffer.isView(v); }
  function toU8(v) {
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  function isHtml(v) { return v !== null && typeof v === "object" && v.__kilnHtml === true; }
  function isPlain(v) {
    if (v === null || typeof v !== "object") return false;
    const p = Object.getPrototypeOf(v);
    return p === Object.prototype || p === null;
  }

  function normInit(init) {
    if (init === undefined || init === null) return {};
    if (typeof init === "number") return { status: init };
    return init;
  }

  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  function b64decode(s) {
    s = String(s).replace(/[\t\n\f\r ]/g, "").replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw invalid("bodyBase64 is not valid base64");
    const out = new Uint8Array(Math.floor(s.length * 3 / 4));
    let bits = 0, acc = 0, o = 0;
    for (let i = 0; i < s.length; i++) {
      acc = (acc << 6) | B64.indexOf(s[i]); bits += 6;
      if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
    }
    return out;
  }

  const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  function cookieString(name, value, o) {
    name = String(name);
    if (!COOKIE_NAME.test(name)) throw new KilnError("INVALID_ARGUMENT", `invalid cookie name: ${JSON.stringify(name)}`);
    o = o || {};
    let v = String(value === undefined || value === null ? "" : value);
    v = v.replace(/[^\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]/g, (c) => encodeURIComponent(c));
    let s = `${name}=${v}`;
    s += `; Path=${o.path === undefined ? "/" : o.path}`;
    if (o.domain) s += `; Domain=${o.domain}`;
    if (o.maxAge !== undefined) s += `; Max-Age=${Math.trunc(Number(o.maxAge))}`;
    if (o.expires !== undefined) s += `; Expires=${new Date(o.expires).toUTCString()}`;
    const sameSite = o.sameSite === undefined ? "Lax" : String(o.sameSite);
    const secure = o.secure === true || /^none$/i.test(sameSite);
    if (o.httpOnly !== false) s += "; HttpOnly";
    if (secure) s += "; Secure";
    s += `; SameSite=${sameSite[0].toUpperCase()}${sameSite.slice(1).toLowerCase()}`;
    if (o.partitioned) s += "; Partitioned";
    return s;
  }

  // ---------------------------------------------------------------- bodies (Fetch "body mixin")
  // _body is null | string | Uint8Array | ReadableStream; _used is set once it was consumed.
  const { Blob, FormData, ReadableStream } = K;
  const NULL_BODY = new Set([101, 103, 204, 205, 304]);
  const FORM = "application/x-www-form-urlencoded;charset=UTF-8";

  // The standard's "extract a body": [body, content type or null].
  function extract(body) {
    if (typeof body === "string") return [body, "text/plain;charset=UTF-8"];
    if (isBytes(body)) return [K.copyBytes(body), null];
    if (isHtml(body)) return [String(body), HTML];
    if (body instanceof Blob) return [body._b, body._type || null];
    if (body instanceof FormData) { const [ct, b] = K.encodeFormData(body); return [b, ct]; }
    if (typeof g.URLSearchParams === "function" && body instanceof g.URLSearchParams) return [String(body), FORM];
    if (body instanceof ReadableStream) {
      if (body._disturbed || body.locked) throw new TypeError("Response body object should not be disturbed or locked");
      return [body, null];
    }
    return [K.usv(body), "text/plain;charset=UTF-8"];
  }
  function setBody(r, body) {
    r._used = false;
    if (body === undefined || body === null) { r._body = null; return; }
    const [b, type] = extract(body);
    r._body = b;
    if (type !== null && !r._headers.has("content-type")) r._headers.append("Content-Type", type);
  }
  function chunkBytes(c) {
    if (c instanceof Uint8Array) return c;
    if (isBytes(c)) return K.viewBytes(c);
    if (typeof c === "string") return K.utf8(c);
    throw new TypeError("Received non-Uint8Array chunk");
  }
  const bytesStream = (b) => new ReadableStream({ start(c) { if (b.length) c.enqueue(b); c.close(); } });

  function used(r) { return r._used || (r._body instanceof ReadableStream && r._body._disturbed); }
  // Take the body for a consuming method: a string, a Uint8Array (own copy not needed: callers
  // copy before exposing) or a Promise of a Uint8Array.
  function take(r, what) {
    if (used(r)) return Promise.reject(new TypeError(`${what}: Body is unusable: Body has already been read`));
    const b = r._body;
    if (b instanceof ReadableStream && b.locked) return Promise.reject(new TypeError(`${what}: the body stream is locked`));
    if (b === null) return Promise.resolve(new Uint8Array(0)); // no stream: nothing is used
    r._used = true;
    if (b instanceof ReadableStream) return K.readAll(b, chunkBytes);
    return Promise.resolve(b);
  }
  const asBytes = (b) => (typeof b === "string" ? K.utf8(b) : b);

  class Body {
    get body() {
      const b = this._body;
      if (b === null || b === undefined) return null;
      if (!(b instanceof ReadableStream)) this._body = bytesStream(asBytes(b).slice());
      return this._body;
    }
    get bodyUsed() { return used(this); }
    text() { return then.call(take(this, "text"), (b) => (typeof b === "string" ? b : K.decodeUtf8(b))); }
    json() { return then.call(this.text(), (t) => JSON.parse(t)); }
    arrayBuffer() {
      return then.call(take(this, "arrayBuffer"), (b) => (typeof b === "string" ? K.utf8(b) : b.slice()).buffer);
    }
    bytes() { return then.call(take(this, "bytes"), (b) => (typeof b === "string" ? K.utf8(b) : b.slice())); }
    blob() {
      const type = this._headers.get("content-type");
      return then.call(take(this, "blob"), (b) => new Blob([asBytes(b)], { type: type === null ? "" : type }));
    }
    formData() {
      const ct = this._headers.get("content-type") || "";
      return then.call(take(this, "formData"), (b) => {
        const mt = ct.split(";")[0].trim().toLowerCase();
        if (mt === "multipart/form-data") return K.formDataOf(K.native.multipartParse(asBytes(b), ct));
        if (mt === "application/x-www-form-urlencoded") {
          const fd = new FormData();
          const text = typeof b === "string" ? b : K.decodeUtf8(b);
          for (const [k, v] of new g.URLSearchParams(text)) fd.append(k, v);
          return fd;
        }
        throw new TypeError(`formData: content type ${JSON.stringify(ct)} is not multipart/form-data or application/x-www-form-urlencoded`);
      });
    }
  }
  // Clone a body: a stream is teed (this keeps one branch), bytes are shared (never mutated).
  function cloneBody(from, to) {
    if (used(from)) throw new TypeError("clone: Body has already been consumed.");
    const b = from._body;
    if (b instanceof ReadableStream) {
      const [x, y] = b.tee();
      from._body = x;
      to._body = y;
    } else {
      to._body = b;
    }
    to._used = false;
  }
  function mixin(cls) {
    for (const n of Object.getOwnPropertyNames(Body.prototype)) {
      if (n !== "constructor") Object.defineProperty(cls.prototype, n, Object.getOwnPropertyDescriptor(Body.prototype, n));
    }
  }
  const then = Promise.prototype.then;

  // The common case of the helpers (no init, or a status number): no header parsing.
  function quick(body, init, ct) {
    const status = init === undefined ? 200 : init;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`invalid response status: ${init}`);
    const r = Object.create(Response.prototype);
    r._status = status; r._statusText = ""; r._used = false; r._body = body;
    const h = Object.create(Headers.prototype);
    h._l = ["Content-Type", ct];
    h._g = "response";
    r._headers = h;
    return r;
  }
  const simple = (init) => init === undefined || typeof init === "number";
  // Kiln's chainable helpers change any response, even one whose headers are immutable.
  function unguarded(r, fn) {
    const h = r._headers;
    const guard = h._g;
    h._g = "none";
    try { fn(h); } finally { h._g = guard; }
    return r;
  }
  const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

  class Response {
    constructor(body, init) {
      const i = normInit(init);
      if (typeof i !== "object") throw new TypeError("Response constructor: init must be an object");
      // WebIDL unsigned short: truncated, modulo 2^16.
      let status = i.status === undefined ? 200 : Number(i.status);
      status = Number.isFinite(status) ? ((Math.trunc(status) % 65536) + 65536) % 65536 : 0;
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`Response constructor: invalid response status code ${i.status}`);
      }
      const st = i.statusText === undefined ? "" : String(i.statusText);
      if (!REASON.test(st)) throw new TypeError("Response constructor: invalid statusText");
      this._status = status;
      this._statusText = st;
      this._headers = K.guardHeaders(new Headers(i.headers), "response");
      if (body !== undefined && body !== null && NULL_BODY.has(status)) {
        throw new TypeError(`Response constructor: a response with status ${status} cannot have a body`);
      }
      setBody(this, body);
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status < 300; }
    get headers() { return this._headers; }
    get redirected() { return false; }
    get type() { return this._type || "default"; }
    get url() { return ""; }
    clone() {
      const r = Object.create(Response.prototype);
      cloneBody(this, r);
      r._status = this._status; r._statusText = this._statusText; r._type = this._type;
      r._headers = K.guardHeaders(new Headers(this._headers), this._headers._g || "response");
      return r;
    }
    setHeader(name, value) { return unguarded(this, (h) => h.set(name, value)); }
    appendHeader(name, value) { return unguarded(this, (h) => h.append(name, value)); }
    setCookie(name, value, options) {
      const c = cookieString(name, value, options);
      return unguarded(this, (h) => h.append("Set-Cookie", c));
    }
    deleteCookie(name, options) {
      const o = options || {};
      const c = cookieString(name, "", { path: o.path, domain: o.domain, maxAge: 0, expires: 0 });
      return unguarded(this, (h) => h.append("Set-Cookie", c));
    }

    static json(data, init) {
      const s = JSON.stringify(data);
      if (s === undefined) throw new TypeError("Response.json: value is not JSON-serialisable");
      if (simple(init)) return quick(s, init, JSONT);
      const r = new Response(s, init);
      if (!(normInit(init).headers && new Headers(normInit(init).headers).has("content-type"))) r._headers.set("Content-Type", JSONT);
      return r;
    }
    static text(text, init) {
      if (simple(init)) return quick(String(text), init, TEXT);
      const r = new Response(String(text), init);
      if (!(normInit(init).headers && new Headers(normInit(init).headers).has("content-type"))) r._headers.set("Content-Type", TEXT);
      return r;
    }
    static html(html, init) {
      if (simple(init)) return quick(String(html), init, HTML);
      const r = new Response(String(html), init);
      if (!(normInit(init).headers && new Headers(normInit(init).headers).has("content-type"))) r._headers.set("Content-Type", HTML);
      return r;
    }
    // Standard, except that a relative url is kept as it is (resolved by the client against
    // the request), where Node throws (no base URL on a server).
    static redirect(url, status) {
      const s = status === undefined ? 302 : Number(status);
      if (![301, 302, 303, 307, 308].includes(s)) throw new RangeError(`Response.redirect: invalid redirect status ${status}`);
      let loc = K.usv(url);
      if (typeof g.URL === "function" && /^[A-Za-z][A-Za-z0-9+.-]*:/.test(loc)) {
        try { loc = new g.URL(loc).href; } catch (e) { throw new TypeError(`Response.redirect: invalid URL ${JSON.stringify(loc)}`); }
      }
      const r = new Response(null, { status: s });
      r._headers.set("Location", loc);
      K.guardHeaders(r._headers, "immutable");
      return r;
    }
    static noContent() { return new Response(null, { status: 204 }); }
    static error(status, message, options) {
      if (status === undefined) {
        const r = new Response(null, { status: 200 });
        r._status = 0;
        r._type = "error";
        K.guardHeaders(r._headers, "immutable");
        return r;
      }
      const o = options || {};
      const s = Number(status);
      if (!Number.isInteger(s) || s < 400 || s > 599) throw new RangeError(`invalid error status: ${status}`);
      const ctx = g.context;
      const body = { error: { code: o.code || K.HttpError.codeFor(s), message: message === undefined ? "HTTP " + s : String(message),
        details: o.details === undefined ? null : o.details, requestId: ctx && ctx.requestId ? ctx.requestId : null } };
      return Response.json(body, { status: s });
    }
    static badRequest(message, details) { return Response.error(400, message === undefined ? "Bad request" : message, { details }); }
    static unauthorized(message) { return Response.error(401, message === undefined ? "Unauthorized" : message); }
    static forbidden(message) { return Response.error(403, message === undefined ? "Forbidden" : message); }
    static notFound(message) { return Response.error(404, message === undefined ? "Not found" : message); }
    get [Symbol.toStringTag]() { return "Response"; }
  }
  mixin(Response);
  K.webIDL(Response);

  // ---------------------------------------------------------------- Request
  const METHODS = new Map(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"].map((m) => [m, m]));
  const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
  const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  const ENUMS = {
    mode: ["same-origin", "no-cors", "cors", "navigate", "websocket"],
    credentials: ["omit", "same-origin", "include"],
    cache: ["default", "no-store", "reload", "no-cache", "force-cache", "only-if-cached"],
    redirect: ["follow", "error", "manual"],
    referrerPolicy: ["", "no-referrer", "no-referrer-when-downgrade", "same-origin", "origin", "strict-origin",
      "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url"],
    priority: ["high", "low", "auto"],
  };
  function parseUrl(s) {
    if (typeof g.URL === "function") {
      let u;
      try { u = new g.URL(s); } catch (e) { throw new TypeError(`Request constructor: failed to parse URL from ${s}`); }
      if (u.username || u.password) throw new TypeError(`Request constructor: the URL ${s} includes credentials`);
      return u.href;
    }
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(s)) throw new TypeError(`Request constructor: failed to parse URL from ${s}`);
    return s;
  }
  function enumOpt(i, src, name, dflt) {
    const v = i[name] !== undefined ? String(i[name]) : src ? src["_" + name] : dflt;
    if (!ENUMS[name].includes(v)) throw new TypeError(`Request constructor: '${v}' is not a valid value for '${name}'`);
    return v;
  }

  class Request {
    constructor(input, init) {
      if (arguments.length < 1) throw new TypeError("Request constructor: 1 argument required, but only 0 present.");
      const i = init === undefined || init === null ? {} : init;
      if (typeof i !== "object" && typeof i !== "function") throw new TypeError("Request constructor: init must be an object");
      const src = input instanceof Request ? input : null;
      this._url = src ? src._url : parseUrl(K.usv(input));
      let method = src ? src._method : "GET";
      if (i.method !== undefined) {
        method = String(i.method);
        if (!TOKEN.test(method)) throw new TypeError(`Request constructor: '${method}' is not a valid HTTP method`);
        const up = method.toUpperCase();
        if (FORBIDDEN_METHODS.has(up)) throw new TypeError(`Request constructor: '${method}' HTTP method is unsupported`);
        if (METHODS.has(up) && up !== "PATCH") method = up;
      }
      this._method = method;
      this._mode = enumOpt(i, src, "mode", "cors");
      if (this._mode === "navigate") throw new TypeError("Request constructor: invalid request mode navigate");
      this._credentials = enumOpt(i, src, "credentials", "same-origin");
      this._cache = enumOpt(i, src, "cache", "default");
      if (this._cache === "only-if-cached" && this._mode !== "same-origin") {
        throw new TypeError("Request constructor: 'only-if-cached' can be set only with 'same-origin' mode");
      }
      this._redirect = enumOpt(i, src, "redirect", "follow");
      this._referrerPolicy = enumOpt(i, src, "referrerPolicy", "");
      this._referrer = i.referrer !== undefined ? (String(i.referrer) === "" ? "" : "about:client") : src ? src._referrer : "about:client";
      this._integrity = i.integrity !== undefined ? String(i.integrity) : src ? src._integrity : "";
      this._keepalive = i.keepalive !== undefined ? !!i.keepalive : src ? src._keepalive : false;
      if (i.signal !== undefined && i.signal !== null && !(i.signal instanceof K.AbortSignal)) {
        throw new TypeError("Request constructor: 'signal' is not an AbortSignal");
      }
      const parent = i.signal !== undefined && i.signal !== null ? i.signal : src ? src._signal : null;
      this._signal = parent ? K.AbortSignal.any([parent]) : new K.AbortController().signal;
      this._headers = K.guardHeaders(new Headers(i.headers !== undefined ? i.headers : src ? src._headers : undefined), "request");
      const hasInitBody = i.body !== undefined && i.body !== null;
      if ((hasInitBody || (src && src._body !== null && i.body === undefined)) && (this._method === "GET" || this._method === "HEAD")) {
        throw new TypeError("Request constructor: a request with GET/HEAD method cannot have a body.");
      }
      if (hasInitBody) {
        setBody(this, i.body);
        if (this._body instanceof ReadableStream && String(i.duplex) !== "half") {
          throw new TypeError("Request constructor: the duplex option is required when sending a stream body");
        }
      } else if (src && src._body !== null && i.body === undefined) {
        if (used(src)) throw new TypeError("Request constructor: the body of the input request has already been read");
        this._body = src._body;
        this._used = false;
        src._used = true;
      } else {
        this._body = null;
        this._used = false;
      }
    }
    get method() { return this._method; }
    get url() { return this._url; }
    get headers() { return this._headers; }
    get signal() { return this._signal; }
    get mode() { return this._mode; }
    get credentials() { return this._credentials; }
    get cache() { return this._cache; }
    get redirect() { return this._redirect; }
    get referrer() { return this._referrer; }
    get referrerPolicy() { return this._referrerPolicy; }
    get integrity() { return this._integrity; }
    get keepalive() { return this._keepalive; }
    get destination() { return ""; }
    get duplex() { return "half"; }
    get isReloadNavigation() { return false; }
    get isHistoryNavigation() { return false; }
    clone() {
      const r = Object.create(Request.prototype);
      for (const k of Object.keys(this)) r[k] = this[k];
      cloneBody(this, r);
      r._headers = K.guardHeaders(new Headers(this._headers), "request");
      r._signal = K.AbortSignal.any([this._signal]);
      return r;
    }
    get [Symbol.toStringTag]() { return "Request"; }
  }
  mixin(Request);
  K.webIDL(Request);

  // Stream a ReadableStream body to C's sink (api_response.c): what is queued goes out in one
  // write of at most PIECE bytes (a large chunk is split); while more than HIGH bytes wait for
  // the client, the pump waits (sink.whenDrained: C polls every 5 ms) until LOW are left, so a
  // fast producer is paced by its client. A sink that refuses (client gone) cancels the stream;
  // an error aborts the connection (the client sees a truncated chunked body) and is logged.
  const PIECE = 256 * 1024, HIGH = 1024 * 1024, LOW = 256 * 1024;
  function pieces(chunks) {
    const out = [];
    let cur = [], size = 0;
    for (const c of chunks) {
      for (let off = 0; off < c.length; off += PIECE) {
        const p = off === 0 && c.length <= PIECE ? c : c.subarray(off, off + PIECE);
        if (size + p.length > PIECE && cur.length) { out.push(cur); cur = []; size = 0; }
        cur.push(p); size += p.length;
      }
    }
    if (cur.length) out.push(cur);
    return out;
  }
  // True once at most LOW bytes wait for the client; false when the body is over. The wait is
  // C's (a timer of the sink on the invocation's loop), so it needs no current invocation.
  function drained(sink) {
    return new Promise((resolve) => { if (!sink.whenDrained(resolve, LOW)) resolve(sink.pending() >= 0); });
  }
  K.pumpBody = async function (stream, sink) {
    const fail = (e) => { K.reportError(e, "streamed response body failed:"); sink.abort(); };
    let reader;
    try { reader = stream.getReader(); } catch (e) { fail(e); return; }
    const gone = () => { then.call(reader.cancel(K.abortError()), undefined, () => {}); };
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) { sink.end(); return; }
        const chunks = [chunkBytes(r.value)];
        for (const c of K.drainQueued(stream)) chunks.push(chunkBytes(c));
        for (const piece of pieces(chunks)) {
          if (!sink.write(piece)) { gone(); return; }
          if (sink.pending() > HIGH && !(await drained(sink))) { gone(); return; }
        }
      }
    } catch (e) {
      then.call(reader.cancel(e), undefined, () => {});
      fail(e);
    }
  };

  // aiwebengine's ResponseBuilder: the same helpers, returning Response objects.
  const ResponseBuilder = {
    json: (data, status) => Response.json(data, status),
    text: (text, status) => Response.text(text, status),
    html: (html, status) => Response.html(html, status),
    redirect: (url, status) => Response.redirect(url, status),
    noContent: () => Response.noContent(),
    error: (status, message, options) => Response.error(status, message, options),
  };

  // A plain response object (spec/10-http.md §5.1) -> Response.
  function fromPlain(v) {
    let status = 200;
    if (v.status !== undefined) {
      status = v.status;
      if (!Number.isInteger(status) || status < 100 || status > 599) throw invalid(`invalid status ${JSON.stringify(v.status)}`);
    }
    const r = Object.create(Response.prototype);
    r._status = status; r._statusText = ""; r._used = false; r._headers = new Headers();
    let body = null, ct = null;
    if (v.bodyBase64 !== undefined && v.bodyBase64 !== null) {
      body = b64decode(v.bodyBase64); ct = "application/octet-stream";
    } else if (v.body === undefined || v.body === null) {
      body = null;
    } else if (typeof v.body === "string") {
      body = v.body; ct = TEXT;
    } else if (isBytes(v.body)) {
      body = toU8(v.body); ct = "application/octet-stream";
    } else if (isHtml(v.body)) {
      body = String(v.body); ct = HTML;
    } else if (typeof v.body === "object") {
      body = JSON.stringify(v.body); ct = JSONT;
    } else {
      body = String(v.body); ct = TEXT;
    }
    if (v.contentType !== undefined && v.contentType !== null) ct = String(v.contentType);
    if (v.headers !== undefined && v.headers !== null) {
      if (typeof v.headers !== "object") throw invalid("headers must be an object");
      for (const k of Object.keys(v.headers)) {
        const vals = Array.isArray(v.headers[k]) ? v.headers[k] : [v.headers[k]];
        for (const x of vals) {
          try { r._headers.append(k, x); } catch (e) { throw invalid(`invalid header ${JSON.stringify(k)}`); }
        }
      }
    }
    if (ct !== null && !r._headers.has("content-type")) r._headers.set("Content-Type", ct);
    if (v.cookies !== undefined && v.cookies !== null) {
      if (Array.isArray(v.cookies)) {
        for (const c of v.cookies) r.setCookie(c.name, c.value, c);
      } else if (typeof v.cookies === "object") {
        for (const k of Object.keys(v.cookies)) {
          const c = v.cookies[k];
          if (c !== null && typeof c === "object") r.setCookie(k, c.value, c); else r.setCookie(k, c);
        }
      } else {
        throw invalid("cookies must be an array or an object");
      }
    }
    r._body = body;
    return r;
  }

  const RESPONSE_KEYS = ["status", "body", "bodyBase64", "contentType", "headers", "cookies"];
  // Any handler return value that C did not handle itself -> Response, or throw INVALID_RESPONSE.
  K.toResponse = function (v) {
    if (v instanceof Response) return v;
    if (isHtml(v)) return Response.html(String(v));
    if (Array.isArray(v)) return Response.json(v);
    if (isPlain(v)) {
      for (const k of RESPONSE_KEYS) if (Object.prototype.hasOwnProperty.call(v, k)) return fromPlain(v);
      return Response.json(v);
    }
    let what = typeof v;
    if (what === "object") what = Object.prototype.toString.call(v);
    throw invalid(`handler returned ${what}, which is not a response`);
  };

  // A value thrown out of a handler -> [status, code, message, detailsJSON, headers flat list].
  K.errorInfo = function (e, dev) {
    let status = 500, code = "SCRIPT_ERROR", message = "Internal server error", details = null, headers = [];
    if (e instanceof KilnError) {
      const s = Number(e.status);
      status = Number.isInteger(s) && s >= 400 && s <= 599 ? s : 500;
      code = String(e.code);
      if (status < 500 || e instanceof K.HttpError) {
        message = String(e.message);
        details = e.details === undefined ? null : e.details;
        if (e.headers && typeof e.headers === "object") {
          try {
            const h = new Headers();
            for (const k of Object.keys(e.headers)) {
              const v = e.headers[k];
              for (const x of Array.isArray(v) ? v : [v]) h.append(k, x);
            }
            headers = h._l;
          } catch (x) { headers = []; }
        }
      }
    }
    if (dev && status >= 500 && !(e instanceof K.HttpError)) {
      const isErr = e instanceof Error;
      message = isErr ? String(e.message) : String(e);
      details = { name: isErr ? e.name : typeof e, message, stack: isErr ? String(e.stack || "") : "",
        script: isErr && e.sourceURL ? e.sourceURL : null, line: isErr && e.line ? e.line : null,
        column: isErr && e.column ? e.column : null };
    }
    let dj;
    try { dj = details === null ? "" : JSON.stringify(details); } catch (x) { dj = ""; }
    return [status, code, message, dj === undefined ? "" : dj, headers];
  };

  K.Response = Response;
  K.cookieString = cookieString;
  K.Request = Request;
  Object.defineProperty(g, "Response", { value: Response, writable: true, configurable: true });
  Object.defineProperty(g, "Request", { value: Request, writable: true, configurable: true });
  Object.defineProperty(g, "ResponseBuilder", { value: ResponseBuilder, writable: true, configurable: true });
})(globalThis);
