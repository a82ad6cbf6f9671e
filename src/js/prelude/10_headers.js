// SPDX-License-Identifier: MIT
// Headers (Fetch Standard): names are validated as tokens and matched case-insensitively,
// values are normalised (leading/trailing HTTP whitespace removed) and may not contain NUL, CR
// or LF; iteration is the standard's "sort and combine" (lower-case names in order, values of
// one name joined with ", ", set-cookie values kept apart); guards: "immutable" throws on every
// change, "request" and "response" accept every name (as Node, Deno and Workers do on servers:
// docs/script-api.md), "none" is the default.
// The entries live in _l as a flat [name, value, name, value, ...] array in insertion order:
// C reads it with one property lookup per response (api_response.c). Keep _l.
"use strict";
(function (g) {
  const K = g.__kiln;
  const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  const TRIM = /^[\t\n\r ]+|[\t\n\r ]+$/g;
  const EDGE = /^[\t\n\r ]|[\t\n\r ]$/;
  const BAD_VALUE = /[\0\r\n\u0100-\uffff]/; // NUL, CR, LF; over U+00FF is not a ByteString

  function checkName(n, what) {
    n = String(n);
    if (!TOKEN.test(n)) throw new TypeError(`Headers.${what || "append"}: ${JSON.stringify(n)} is an invalid header name.`);
    return n;
  }
  function checkValue(v, what) {
    v = String(v);
    if (EDGE.test(v)) v = v.replace(TRIM, "");
    if (BAD_VALUE.test(v)) throw new TypeError(`Headers.${what || "append"}: ${JSON.stringify(v)} is an invalid header value.`);
    return v;
  }
  function mutable(h, what) {
    if (h._g === "immutable") throw new TypeError(`Headers.${what}: headers are immutable`);
  }

  class Headers {
    constructor(init) {
      this._l = [];
      this._g = "none";
      if (init === undefined || init === null) {
        if (init === null) throw new TypeError("Headers constructor: null is not a valid HeadersInit");
        return;
      }
      if (init instanceof Headers) { this._l = init._l.slice(); return; }
      if (typeof init !== "object" && typeof init !== "function") {
        throw new TypeError("Headers constructor: Argument 1 could not be converted to any of: sequence<sequence<ByteString>>, record<ByteString, ByteString>.");
      }
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          if (pair === null || typeof pair !== "object" || typeof pair[Symbol.iterator] !== "function") {
            throw new TypeError("Headers constructor: expected name/value pair to be length 2, found 0.");
          }
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${p.length}.`);
          this.append(p[0], p[1]);
        }
        return;
      }
      for (const k of Reflect.ownKeys(init)) {
        const d = Reflect.getOwnPropertyDescriptor(init, k);
        if (d === undefined || !d.enumerable) continue;
        if (typeof k === "symbol") throw new TypeError("Headers constructor: a symbol is not a valid header name");
        this.append(k, init[k]);
      }
    }
    _find(n) {
      const l = this._l;
      for (let i = 0; i < l.length; i += 2) if (l[i].toLowerCase() === n) return i;
      return -1;
    }
    append(name, value) {
      name = checkName(name, "append"); value = checkValue(value, "append");
      mutable(this, "append");
      this._l.push(name, value);
    }
    set(name, value) {
      name = checkName(name, "set"); value = checkValue(value, "set");
      mutable(this, "set");
      const n = name.toLowerCase();
      const l = this._l;
      const i = this._find(n);
      if (i < 0) { l.push(name, value); return; }
      l[i + 1] = value;
      for (let j = l.length - 2; j > i; j -= 2) if (l[j].toLowerCase() === n) l.splice(j, 2);
    }
    delete(name) {
      const n = checkName(name, "delete").toLowerCase();
      mutable(this, "delete");
      const l = this._l;
      for (let j = l.length - 2; j >= 0; j -= 2) if (l[j].toLowerCase() === n) l.splice(j, 2);
    }
    get(name) {
      const n = checkName(name, "get").toLowerCase();
      const l = this._l;
      let r = null;
      for (let i = 0; i < l.length; i += 2) {
        if (l[i].toLowerCase() === n) r = r === null ? l[i + 1] : r + ", " + l[i + 1];
      }
      return r;
    }
    getSetCookie() {
      const vals = [];
      const l = this._l;
      for (let i = 0; i < l.length; i += 2) if (l[i].toLowerCase() === "set-cookie") vals.push(l[i + 1]);
      return vals;
    }
    has(name) { return this._find(checkName(name, "has").toLowerCase()) >= 0; }
    // The standard's "sort and combine": [[lower-case name, value], ...] sorted by name.
    _sorted() {
      const l = this._l;
      const byName = new Map();
      const cookies = [];
      for (let i = 0; i < l.length; i += 2) {
        const n = l[i].toLowerCase();
        if (n === "set-cookie") { cookies.push(l[i + 1]); continue; }
        const v = byName.get(n);
        byName.set(n, v === undefined ? l[i + 1] : v + ", " + l[i + 1]);
      }
      const names = Array.from(byName.keys());
      if (cookies.length) names.push("set-cookie");
      names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const out = [];
      for (const n of names) {
        if (n === "set-cookie") for (const c of cookies) out.push([n, c]);
        else out.push([n, byName.get(n)]);
      }
      return out;
    }
    entries() { return iterator(this, 2); }
    keys() { return iterator(this, 0); }
    values() { return iterator(this, 1); }
    forEach(callback, thisArg) {
      if (typeof callback !== "function") throw new TypeError("Headers.forEach: Argument 1 is not callable");
      for (const [k, v] of this._sorted()) callback.call(thisArg, v, k, this);
    }
    [Symbol.iterator]() { return iterator(this, 2); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }
  K.webIDL(Headers);

  // The iterator re-reads the sorted list at every step, as the standard's iterator does
  // (a header added meanwhile is seen when it sorts after the current position).
  const IteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
  const HeadersIterator = Object.create(IteratorProto, {
    next: {
      value: function next() {
        const s = this._s;
        const list = s.h._sorted();
        if (s.i >= list.length) return { value: undefined, done: true };
        const e = list[s.i++];
        return { value: s.kind === 2 ? e : e[s.kind], done: false };
      },
      writable: true, configurable: true,
    },
    [Symbol.toStringTag]: { value: "Headers Iterator", configurable: true },
  });
  function iterator(h, kind) {
    const it = Object.create(HeadersIterator);
    Object.defineProperty(it, "_s", { value: { h, kind, i: 0 } });
    return it;
  }

  // Headers with a guard (Response.error/redirect, fetch results: "immutable").
  K.guardHeaders = (h, guard) => { h._g = guard; return h; };

  Object.defineProperty(g, "Headers", { value: Headers, writable: true, configurable: true });
  K.Headers = Headers;
  K.checkHeaderName = checkName;
  K.checkHeaderValue = checkValue;
})(globalThis);
