// SPDX-License-Identifier: MIT
// The C-level corpus (tests/web/cases.js, 2,009 cases) through the JS API: URL parses with and
// without a base, setters, URLSearchParams, atob/btoa, TextEncoder and TextDecoder (utf-8 and
// utf-16le, fatal on/off, ignoreBOM on/off, decoded in two halves with { stream: true }).
"use strict";
(function () {
  const PARTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
    "pathname", "search", "hash"];
  const urlObj = (u) => {
    const o = {};
    for (const p of PARTS) o[p] = u[p];
    return o;
  };
  const hexToBytes = (h) => {
    const b = new Uint8Array(h.length / 2);
    for (let i = 0; i < b.length; i++) b[i] = parseInt(h.substr(i * 2, 2), 16);
    return b;
  };
  const toHex = (u8) => Array.from(u8, (x) => x.toString(16).padStart(2, "0")).join("");
  const run = {
    url: (input, base) => urlObj(base === null ? new URL(input) : new URL(input, base)),
    set: (u0, part, v) => {
      const u = new URL(u0);
      try { u[part] = v; } catch (e) { return { threw: e.name, message: e.message, url: urlObj(u) }; }
      return urlObj(u);
    },
    params: (q) => {
      const p = new URLSearchParams(q);
      const pairs = [...p].map(([n, v]) => [n, v]);
      const string = p.toString();
      p.sort();
      return { pairs, string, sorted: p.toString(), size: p.size };
    },
    btoa: (s) => btoa(s),
    atob: (s) => atob(s),
    encode: (s) => toHex(new TextEncoder().encode(s)),
    decode: (label, fatal, ignoreBOM, hex) => {
      const d = new TextDecoder(label, { fatal, ignoreBOM });
      const bytes = hexToBytes(hex);
      const half = bytes.length >> 1;
      const r = { encoding: d.encoding, fatal: d.fatal, ignoreBOM: d.ignoreBOM };
      r.value = d.decode(bytes.subarray(0, half), { stream: true }) + d.decode(bytes.subarray(half));
      r.whole = d.decode(bytes);
      return r;
    },
  };
  // Where Node 20 (ada) and the URL Standard disagree, Kiln follows the standard; and libidn2
  // checks IDNA2008 where UTS #46 accepts (docs/internals/web.md, "Deviations").
  const invalid = { $throws: "TypeError", message: "Invalid URL" };
  const pinned = {
    '["url","../..","sc://h/a/b"]': { href: "sc://h/", origin: "null", protocol: "sc:", username: "",
      password: "", host: "h", hostname: "h", port: "", pathname: "/", search: "", hash: "" },
    '["url","g?y#s","sc:opaque"]': invalid,
    '["url","g;x?y#s","sc:opaque"]': invalid,
    '["url","g?y#s","data:text/plain,x"]': invalid,
    '["url","g;x?y#s","data:text/plain,x"]': invalid,
    '["url","https://xn--abc-.com/",null]': invalid,
    '["url","https://xn--ab-.com/",null]': invalid,
    '["url","https://xn--ls8h.la/",null]': invalid,
  };
  for (const c of WEB_CASES) {
    const key = JSON.stringify(c);
    const name = `${c[0] === "url" || c[0] === "set" ? "url" : c[0] === "params" ? "params" : "encoding"}/corpus ${key}`;
    const fn = () => run[c[0]](...c.slice(1));
    if (pinned[key]) T.kiln(name, fn, pinned[key]);
    else T(name, fn);
  }
})();
