// SPDX-License-Identifier: MIT
// URL and URLSearchParams (WHATWG URL Standard) over the C parser (src/api/api_url.c,
// src/base/url.c). A URL keeps its href and the component offsets C computed: getters are
// slices, setters go back to C. URLSearchParams keeps a flat [name, value, ...] list; C parses
// and serialises the application/x-www-form-urlencoded text. url.searchParams is bound both
// ways: a params change rewrites the URL's query, a search/href change reparses the list.
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  // Write the ASCII string s into the byte array dst from index at; false when s is not ASCII
  // or does not fit. A JIT-compiled loop costs less than any of JSC's C API ways to read a
  // string (JSValueToStringCopy copies and takes the API lock, JSStringGetCharactersPtr widens
  // an 8-bit string one byte at a time). URL parsing and TextEncoder (51_encoding.js) use it.
  const asciiInto = (K.asciiInto = (dst, at, s) => {
    const n = s.length;
    if (at + n > dst.length) return false;
    let i = 0;
    for (; i + 4 <= n; i += 4) { // four at a time: one test, fewer loop steps
      const a = s.charCodeAt(i);
      const b = s.charCodeAt(i + 1);
      const c = s.charCodeAt(i + 2);
      const d = s.charCodeAt(i + 3);
      if ((a | b | c | d) > 0x7f) return false;
      dst[at + i] = a;
      dst[at + i + 1] = b;
      dst[at + i + 2] = c;
      dst[at + i + 3] = d;
    }
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c > 0x7f) return false;
      dst[at + i] = c;
    }
    return true;
  });
  if (typeof N.urlParse !== "function") return; // js/ unit tests have no host modules
  const { urlParse, urlParseIn, urlSet, urlOrigin, urlCanParse, formSerialize, formGetIn } = N;
  const S = (K.webSlots = N.webSlots()); // results C returns beside a value
  // The input of urlParseIn and formGetIn: ASCII strings as bytes from byte 64 of the slots,
  // their lengths in S[15] and S[14] (api_url.c). Copying them here costs less than C reading
  // JS strings through JSC's API.
  const IN = new Uint8Array(S.buffer, 64);
  const toIn = (s, at) => asciiInto(IN, at, s);
  const parse = (url) => {
    if (typeof url === "string" && toIn(url, 0)) {
      S[15] = url.length;
      return urlParseIn(url);
    }
    return urlParse(url);
  };
  // The decoded list of form text: C returns the names and values as one string and their ends
  // in S (or an array when there are too many for S); this only slices.
  const formParse = (text) => {
    const r = N.formParse(text);
    if (typeof r !== "string") return r;
    const n = S[0] * 2;
    const l = new Array(n);
    let from = 0;
    for (let i = 0; i < n; i++) {
      const to = S[1 + i];
      l[i] = r.slice(from, to);
      from = to;
    }
    return l;
  };
  const FROM_SLOTS = {}; // constructor token: the href is already parsed, offsets are in S
  const usv = (v) => {
    const s = `${v}`;
    return s.isWellFormed() ? s : s.toWellFormed();
  };
  const missing = (what) => new TypeError(`The ${what} argument${what.includes(" and ") ? "s" : ""} must be specified`);

  let paramsList; // (params) -> its list
  let paramsSetQuery; // (params, form text) -> void: the list becomes that text's, parsed when used
  let paramsForUrl; // (url, form text) -> params bound to url
  let urlSetQuery; // (url, serialised params) -> void

  class URL {
    #h;
    #se; #us; #ue; #ps; #pe; #hs; #he; #pt; #pa; #q; #f;
    #sp = null;

    constructor(url, base = undefined) {
      if (url === FROM_SLOTS) {
        this.#take(base);
        return;
      }
      if (url === undefined && arguments.length === 0) throw missing('"url"');
      const h = base === undefined ? parse(url) : urlParse(url, base);
      if (h === null) throw new TypeError("Invalid URL");
      this.#take(h);
    }

    #take(h) {
      this.#h = h;
      this.#se = S[0]; this.#us = S[1]; this.#ue = S[2]; this.#ps = S[3]; this.#pe = S[4];
      this.#hs = S[5]; this.#he = S[6]; this.#pt = S[7]; this.#pa = S[8]; this.#q = S[9];
      this.#f = S[10];
    }

    #query() { return this.#f > this.#q ? this.#h.slice(this.#q + 1, this.#f) : ""; }

    // A setter: C reparses href, runs the standard's setter and serialises.
    #set(part, v) {
      const h = urlSet(this.#h, part, v);
      if (h === null) throw new TypeError("Invalid URL");
      this.#take(h);
      if (this.#sp !== null && (part === "href" || part === "search")) {
        paramsSetQuery(this.#sp, this.#query());
      }
    }

    static {
      urlSetQuery = (u, serialised) => {
        u.#take(urlSet(u.#h, "search", serialised));
      };
    }

    get href() { return this.#h; }
    set href(v) { this.#set("href", v); }
    get origin() { return urlOrigin(this.#h); }
    get protocol() { return this.#h.slice(0, this.#se + 1); }
    set protocol(v) { this.#set("protocol", v); }
    get username() { return this.#h.slice(this.#us, this.#ue); }
    set username(v) { this.#set("username", v); }
    get password() { return this.#h.slice(this.#ps, this.#pe); }
    set password(v) { this.#set("password", v); }
    get host() { return this.#h.slice(this.#hs, this.#pt); }
    set host(v) { this.#set("host", v); }
    get hostname() { return this.#h.slice(this.#hs, this.#he); }
    set hostname(v) { this.#set("hostname", v); }
    get port() { return this.#pt > this.#he ? this.#h.slice(this.#he + 1, this.#pt) : ""; }
    set port(v) { this.#set("port", v); }
    get pathname() { return this.#h.slice(this.#pa, this.#q); }
    set pathname(v) { this.#set("pathname", v); }
    get search() { return this.#f - this.#q > 1 ? this.#h.slice(this.#q, this.#f) : ""; }
    set search(v) { this.#set("search", v); }
    get searchParams() {
      if (this.#sp === null) this.#sp = paramsForUrl(this, this.#query());
      return this.#sp;
    }
    get hash() { return this.#h.length - this.#f > 1 ? this.#h.slice(this.#f) : ""; }
    set hash(v) { this.#set("hash", v); }
    toString() { return this.#h; }
    toJSON() { return this.#h; }

    // console.log / kiln.inspect show the parts, as Node does.
    [Symbol.for("nodejs.util.inspect.custom")](depth, options, inspect) {
      if (depth < 0) return "[URL]";
      const o = {};
      for (const k of ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
        "pathname", "search", "searchParams", "hash"]) o[k] = this[k];
      return `URL ${inspect(o, options)}`;
    }

    static canParse(url, base) {
      if (arguments.length === 0) throw missing('"url"');
      return base === undefined ? urlCanParse(url) : urlCanParse(url, base);
    }

    static parse(url, base) {
      if (arguments.length === 0) throw missing('"url"');
      const h = base === undefined ? parse(url) : urlParse(url, base);
      return h === null ? null : new URL(FROM_SLOTS, h);
    }
  }

  const sortKey = (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const checkPair = (p) => {
    if (p.length !== 2) throw new TypeError("Each query pair must be an iterable [name, value] tuple");
    return p;
  };

  // get(n) on form text that needs no decoding (no '%' or '+': every name and value is its own
  // text): the value of the first pair named n, found by scanning, or null.
  const plainGet = (q, n) => {
    const len = q.length;
    let eq = q.indexOf("="); // the first '=' at or after from (-1: none left): moves forward only
    for (let from = 0; from < len;) {
      let amp = q.indexOf("&", from);
      if (amp < 0) amp = len;
      if (eq !== -1 && eq < from) eq = q.indexOf("=", from);
      const end = eq !== -1 && eq < amp ? eq : amp;
      if (amp > from && end - from === n.length && q.startsWith(n, from)) {
        return end < amp ? q.slice(end + 1, amp) : "";
      }
      from = amp + 1;
    }
    return null;
  };

  const FORM_LAZY_MAX = 256 * 1024; // under a third of formParse's 1 MiB (api_url.c)

  class URLSearchParams {
    #l = null; // [name0, value0, ...]; null until needed, then parsed from #q
    #q = ""; // form text whose list is not built yet
    #u = null;

    constructor(init = "") {
      if (init === FROM_SLOTS) return; // paramsForUrl fills it
      if (init === null) return; // WebIDL: null converts to the empty record ("" parses to [])
      if ((typeof init === "object" && init !== null) || typeof init === "function") {
        this.#l = [];
        const iter = init[Symbol.iterator];
        if (iter !== undefined && iter !== null) {
          if (typeof iter !== "function") throw new TypeError("Query pairs must be iterable");
          for (const pair of init) {
            if ((typeof pair !== "object" && typeof pair !== "function") || pair === null ||
              typeof pair[Symbol.iterator] !== "function") {
              throw new TypeError("Each query pair must be an iterable [name, value] tuple");
            }
            const p = checkPair([...pair]);
            this.#l.push(usv(p[0]), usv(p[1]));
          }
        } else {
          const seen = new Map();
          for (const key of Reflect.ownKeys(init)) {
            const d = Reflect.getOwnPropertyDescriptor(init, key);
            if (d === undefined || !d.enumerable) continue;
            const k = usv(key);
            const v = usv(init[key]);
            if (seen.has(k)) this.#l[seen.get(k) + 1] = v;
            else seen.set(k, this.#l.push(k, v) - 2);
          }
        }
        return;
      }
      const s = usv(init);
      const q = s.charCodeAt(0) === 63 /* ? */ ? s.slice(1) : s;
      // Parsed when used; text that could be over formParse's byte limit (3 bytes a code unit
      // at most) is parsed now, so that the limit error comes from the constructor as before.
      if (q.length > FORM_LAZY_MAX) this.#l = formParse(q);
      else this.#q = q;
    }

    // The list, parsed from the pending form text on first use.
    #list() {
      let l = this.#l;
      if (l === null) {
        l = this.#l = formParse(this.#q);
        this.#q = "";
      }
      return l;
    }

    static {
      paramsList = (p) => p.#list();
      paramsSetQuery = (p, q) => {
        p.#l = null;
        p.#q = q;
      };
      paramsForUrl = (u, q) => {
        const p = new URLSearchParams(FROM_SLOTS);
        p.#q = q;
        p.#u = u;
        return p;
      };
    }

    #update() {
      if (this.#u !== null) urlSetQuery(this.#u, formSerialize(this.#list()));
    }

    get size() { return this.#list().length >> 1; }

    append(name, value) {
      if (arguments.length < 2) throw missing('"name" and "value"');
      const n = usv(name);
      const v = usv(value);
      this.#list().push(n, v);
      this.#update();
    }

    delete(name, value) {
      if (arguments.length < 1) throw missing('"name"');
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      const l = this.#list();
      let w = 0;
      for (let i = 0; i < l.length; i += 2) {
        if (l[i] === n && (v === undefined || l[i + 1] === v)) continue;
        l[w++] = l[i];
        l[w++] = l[i + 1];
      }
      l.length = w;
      this.#update();
    }

    get(name) {
      if (name === undefined && arguments.length < 1) throw missing('"name"');
      const n = typeof name === "string" && name.isWellFormed() ? name : usv(name);
      if (this.#l === null) {
        // Without the list: scanned here when nothing needs decoding, else found by C.
        const q = this.#q;
        if (q.indexOf("%") < 0 && q.indexOf("+") < 0) return plainGet(q, n);
        if (toIn(q, 0) && toIn(n, q.length)) {
          S[15] = q.length;
          S[14] = n.length;
          return formGetIn();
        }
      }
      const l = this.#list();
      for (let i = 0; i < l.length; i += 2) if (l[i] === n) return l[i + 1];
      return null;
    }

    getAll(name) {
      if (arguments.length < 1) throw missing('"name"');
      const n = usv(name);
      const l = this.#list();
      const r = [];
      for (let i = 0; i < l.length; i += 2) if (l[i] === n) r.push(l[i + 1]);
      return r;
    }

    has(name, value) {
      if (arguments.length < 1) throw missing('"name"');
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      const l = this.#list();
      for (let i = 0; i < l.length; i += 2) {
        if (l[i] === n && (v === undefined || l[i + 1] === v)) return true;
      }
      return false;
    }

    set(name, value) {
      if (arguments.length < 2) throw missing('"name" and "value"');
      const n = usv(name);
      const v = usv(value);
      const l = this.#list();
      let found = false;
      let w = 0;
      for (let i = 0; i < l.length; i += 2) {
        if (l[i] === n) {
          if (found) continue;
          found = true;
          l[i + 1] = v;
        }
        l[w++] = l[i];
        l[w++] = l[i + 1];
      }
      l.length = w;
      if (!found) l.push(n, v);
      this.#update();
    }

    sort() {
      const l = this.#list();
      const pairs = [];
      for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
      pairs.sort(sortKey);
      for (let i = 0; i < pairs.length; i++) {
        l[2 * i] = pairs[i][0];
        l[2 * i + 1] = pairs[i][1];
      }
      this.#update();
    }

    forEach(callback, thisArg) {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      for (let i = 0; i < this.#list().length; i += 2) {
        const l = this.#list();
        callback.call(thisArg, l[i + 1], l[i], this);
      }
    }

    entries() { return new ParamsIterator(this, 2); }
    keys() { return new ParamsIterator(this, 0); }
    values() { return new ParamsIterator(this, 1); }
    toString() { return formSerialize(this.#list()); }

    [Symbol.for("nodejs.util.inspect.custom")](depth, options, inspect) {
      if (depth < 0) return "[URLSearchParams]";
      const l = this.#list();
      if (l.length === 0) return "URLSearchParams {}";
      const parts = [];
      for (let i = 0; i < l.length; i += 2) parts.push(`${inspect(l[i])} => ${inspect(l[i + 1])}`);
      const one = `URLSearchParams { ${parts.join(", ")} }`;
      return one.length <= 80 ? one : `URLSearchParams {\n  ${parts.join(",\n  ")} }`;
    }
  }

  // The iterator over a live list (kind 0: names, 1: values, 2: pairs).
  class ParamsIterator {
    #p; #k; #i = 0;
    constructor(params, kind) {
      this.#p = params;
      this.#k = kind;
    }
    next() {
      const l = paramsList(this.#p);
      const i = this.#i;
      if (i >= l.length) return { value: undefined, done: true };
      this.#i = i + 2;
      return { value: this.#k === 2 ? [l[i], l[i + 1]] : l[i + this.#k], done: false };
    }
  }
  Object.setPrototypeOf(ParamsIterator.prototype,
    Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())));
  Object.defineProperty(ParamsIterator.prototype, "next", { enumerable: true });
  Object.defineProperty(ParamsIterator.prototype, Symbol.toStringTag,
    { value: "URLSearchParams Iterator", configurable: true });

  // WebIDL: attributes and operations are enumerable; the classes have a toStringTag.
  const webidl = (C, tag, iterable) => {
    for (const k of Object.getOwnPropertyNames(C.prototype)) {
      if (k === "constructor") continue;
      Object.defineProperty(C.prototype, k, { enumerable: true });
    }
    for (const k of Object.getOwnPropertyNames(C)) {
      if (typeof C[k] === "function") Object.defineProperty(C, k, { enumerable: true });
    }
    if (iterable) {
      Object.defineProperty(C.prototype, Symbol.iterator, {
        value: C.prototype.entries, writable: true, configurable: true,
      });
    }
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  };
  webidl(URL, "URL", false);
  webidl(URLSearchParams, "URLSearchParams", true);

  for (const [name, C] of [["URL", URL], ["URLSearchParams", URLSearchParams]]) {
    Object.defineProperty(g, name, { value: C, writable: true, configurable: true });
  }
})(globalThis);
