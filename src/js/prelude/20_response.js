// SPDX-License-Identifier: MIT
// Response (WHATWG shape with Kiln's helpers, spec/10-http.md §5) and the conversion of every
// handler return shape into one. C reads a Response through three fields: _status, _headers._l
// (flat name/value list) and _body (string | Uint8Array | null).
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

  // The common case of the helpers (no init, or a status number): no header parsing.
  function quick(body, init, ct) {
    const status = init === undefined ? 200 : init;
    if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`invalid response status: ${init}`);
    const r = Object.create(Response.prototype);
    r._status = status; r._statusText = ""; r._used = false; r._body = body;
    const h = Object.create(Headers.prototype);
    h._l = ["Content-Type", ct];
    r._headers = h;
    return r;
  }
  const simple = (init) => init === undefined || typeof init === "number";

  class Response {
    constructor(body, init) {
      const i = normInit(init);
      const status = i.status === undefined ? 200 : Number(i.status);
      if (!Number.isInteger(status) || status < 200 || status > 599) {
        throw new RangeError(`invalid response status: ${i.status}`);
      }
      this._status = status;
      this._statusText = i.statusText === undefined ? "" : String(i.statusText);
      this._headers = new Headers(i.headers);
      this._used = false;
      if (body === undefined || body === null) {
        this._body = null;
      } else if (isBytes(body)) {
        this._body = toU8(body);
      } else if (isHtml(body)) {
        this._body = String(body);
        if (!this._headers.has("content-type")) this._headers.set("Content-Type", HTML);
      } else if (typeof g.URLSearchParams === "function" && body instanceof g.URLSearchParams) {
        this._body = String(body);
        if (!this._headers.has("content-type")) this._headers.set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8");
      } else {
        this._body = String(body);
        if (!this._headers.has("content-type")) this._headers.set("Content-Type", "text/plain;charset=UTF-8");
      }
    }
    get status() { return this._status; }
    get statusText() { return this._statusText; }
    get ok() { return this._status >= 200 && this._status < 300; }
    get headers() { return this._headers; }
    get bodyUsed() { return this._used; }
    get redirected() { return false; }
    get type() { return "default"; }
    get url() { return ""; }
    _take() {
      if (this._used) throw new TypeError("body already used");
      this._used = true;
      return this._body;
    }
    async text() {
      const b = this._take();
      if (b === null) return "";
      return typeof b === "string" ? b : K.native.utf8Decode ? K.native.utf8Decode(b) : String.fromCharCode(...b);
    }
    async json() { return JSON.parse(await this.text()); }
    async bytes() {
      const b = this._take();
      if (b === null) return new Uint8Array(0);
      if (typeof b !== "string") return new Uint8Array(b);
      return K.native.utf8Encode ? K.native.utf8Encode(b) : new Uint8Array(Array.from(unescape(encodeURIComponent(b)), (c) => c.charCodeAt(0)));
    }
    async arrayBuffer() { return (await this.bytes()).buffer; }
    clone() {
      if (this._used) throw new TypeError("body already used");
      const r = Object.create(Response.prototype);
      r._status = this._status; r._statusText = this._statusText;
      r._headers = new Headers(this._headers); r._used = false;
      r._body = this._body instanceof Uint8Array ? new Uint8Array(this._body) : this._body;
      return r;
    }
    setHeader(name, value) { this._headers.set(name, value); return this; }
    appendHeader(name, value) { this._headers.append(name, value); return this; }
    setCookie(name, value, options) { this._headers.append("Set-Cookie", cookieString(name, value, options)); return this; }
    deleteCookie(name, options) {
      const o = options || {};
      this._headers.append("Set-Cookie", cookieString(name, "", { path: o.path, domain: o.domain, maxAge: 0, expires: 0 }));
      return this;
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
    static redirect(url, status) {
      const s = status === undefined ? 302 : Number(status);
      if (![301, 302, 303, 307, 308].includes(s)) throw new RangeError(`invalid redirect status: ${status}`);
      const r = new Response(null, { status: s });
      r._headers.set("Location", String(url));
      return r;
    }
    static noContent() { return new Response(null, { status: 204 }); }
    static error(status, message, options) {
      if (status === undefined) {
        const r = new Response(null, { status: 200 });
        r._status = 0;
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
          try { headers = new Headers(e.headers)._l; } catch (x) { headers = []; }
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
  Object.defineProperty(g, "Response", { value: Response, writable: true, configurable: true });
  Object.defineProperty(g, "ResponseBuilder", { value: ResponseBuilder, writable: true, configurable: true });
})(globalThis);
