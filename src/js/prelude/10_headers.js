// SPDX-License-Identifier: MIT
// Headers (WHATWG shape): case-insensitive names, insertion order kept. The entries live in
// _l as a flat [name, value, name, value, ...] array: C reads it with one property lookup.
// The "Web platform APIs" issue completes this class (guard, iteration details); keep _l.
"use strict";
(function (g) {
  const K = g.__kiln;
  const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
  function checkName(n) {
    n = String(n);
    if (!TOKEN.test(n)) throw new TypeError(`invalid header name: ${JSON.stringify(n)}`);
    return n;
  }
  function checkValue(v) {
    v = String(v).replace(/^[\t ]+|[\t ]+$/g, "");
    if (/[\r\n\0]/.test(v)) throw new TypeError("invalid header value");
    return v;
  }
  class Headers {
    constructor(init) {
      this._l = [];
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { this._l = init._l.slice(); return; }
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = Array.from(pair);
          if (p.length !== 2) throw new TypeError("header pair must have two items");
          this.append(p[0], p[1]);
        }
        return;
      }
      if (typeof init === "object") {
        for (const k of Object.keys(init)) {
          const v = init[k];
          if (Array.isArray(v)) for (const x of v) this.append(k, x);
          else this.append(k, v);
        }
        return;
      }
      throw new TypeError("invalid HeadersInit");
    }
    _find(name) {
      const n = name.toLowerCase();
      for (let i = 0; i < this._l.length; i += 2) if (this._l[i].toLowerCase() === n) return i;
      return -1;
    }
    append(name, value) { this._l.push(checkName(name), checkValue(value)); }
    set(name, value) {
      name = checkName(name); value = checkValue(value);
      const i = this._find(name);
      if (i < 0) { this._l.push(name, value); return; }
      this._l[i + 1] = value;
      const n = name.toLowerCase();
      for (let j = this._l.length - 2; j > i; j -= 2) if (this._l[j].toLowerCase() === n) this._l.splice(j, 2);
    }
    delete(name) {
      const n = checkName(name).toLowerCase();
      for (let j = this._l.length - 2; j >= 0; j -= 2) if (this._l[j].toLowerCase() === n) this._l.splice(j, 2);
    }
    get(name) {
      const n = checkName(name).toLowerCase();
      const vals = [];
      for (let i = 0; i < this._l.length; i += 2) if (this._l[i].toLowerCase() === n) vals.push(this._l[i + 1]);
      if (vals.length === 0) return null;
      return n === "set-cookie" ? vals[0] : vals.join(", ");
    }
    getSetCookie() {
      const vals = [];
      for (let i = 0; i < this._l.length; i += 2) if (this._l[i].toLowerCase() === "set-cookie") vals.push(this._l[i + 1]);
      return vals;
    }
    has(name) { return this._find(checkName(name)) >= 0; }
    *entries() {
      const seen = new Map();
      for (let i = 0; i < this._l.length; i += 2) {
        const n = this._l[i].toLowerCase();
        if (n === "set-cookie") { seen.set(Symbol(), [n, this._l[i + 1]]); continue; }
        const e = seen.get(n);
        if (e) e[1] += ", " + this._l[i + 1]; else seen.set(n, [n, this._l[i + 1]]);
      }
      yield* seen.values();
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }
  Object.defineProperty(g, "Headers", { value: Headers, writable: true, configurable: true });
  K.Headers = Headers;
  K.checkHeaderName = checkName;
  K.checkHeaderValue = checkValue;
})(globalThis);
