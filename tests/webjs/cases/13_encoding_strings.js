// SPDX-License-Identifier: MIT
// TextEncoder/TextDecoder/btoa/atob over every kind of JS string (src/js/js_wtf.c reads
// JavaScriptCore's 8-bit strings in place and makes them directly): 8-bit (Latin-1) and 16-bit
// strings, ropes (concatenations not flattened yet), substrings, empty and one-character
// strings, the characters 0x80-0xFF, long strings and the sizes around the 16 KiB byte scratch
// (an 8-bit string of n characters needs up to 2n bytes, a 16-bit one 3n).
"use strict";
(function () {
  const te = new TextEncoder();
  const td = new TextDecoder();
  // A short digest of bytes (length and an FNV-1a hash), for long results.
  const digest = (b) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < b.length; i++) h = Math.imul(h ^ b[i], 16777619) >>> 0;
    return `${b.length}:${h.toString(16)}`;
  };
  const latin1All = (() => { let s = ""; for (let c = 0x80; c <= 0xff; c++) s += String.fromCharCode(c); return s; })();
  // A 16-bit string whose characters are all Latin-1: a slice of a string that had a wider one.
  const wideLatin1 = ("\u65e5" + "caf\u00e9 \u00ff\u0080 plain").slice(1);
  T("strings/encode kinds", () => ["plain ASCII text", "caf\u00e9 \u00ff\u0080\u00a0", "\u65e5\u672c caf\u00e9", wideLatin1,
    String.fromCharCode(0xe9, 0x41, 0xff), "\u0000\u007f\u0080", "a\ud800b\udc00", "\ud83d\ude00\u00e9"].map((s) => Array.from(te.encode(s))));
  T("strings/encode ropes and substrings", () => {
    const a = "Kiln is a JavaScript engine. ";
    const b = "caf\u00e9 cr\u00e8me ";
    const c = "\u65e5\u672c ";
    const n = (x) => x; // keeps the concatenations from being folded at parse time
    const kinds = [n(a) + n(a), n(a) + n(b), n(b) + n(c), `${n(a)}${n(b)}${n(c)}`, n(a).repeat(40), n(b).repeat(33),
      (n(a) + n(b)).slice(3, 30), n(a).repeat(36).slice(0, 1024), n(a).substring(5), (n(c) + n(a)).slice(3), n(a).substr(2, 7),
      [n(a), n(b), n(c)].join("|"), n(a).split(" ")[2], String(12345) + n(b)];
    return kinds.map((s) => { const e = te.encode(s); return [s.length, digest(e), td.decode(e) === s]; });
  });
  T("strings/rope stays usable after encode", () => {
    let s = "";
    for (let i = 0; i < 50; i++) s += `part ${i} \u00e9 `;
    const first = digest(te.encode(s));
    return [first, digest(te.encode(s)), s.length, s.charCodeAt(7), s.slice(-8)];
  });
  T("strings/empty and one character", () => ["", "a", "\u00e9", "\u0000", "\u00ff", "\u0100", "\ud800", "ab"].map((s) => {
    const e = te.encode(s);
    return [Array.from(e), td.decode(e), td.decode(e).length];
  }));
  T("strings/characters 0x80-0xff", () => {
    const e = te.encode(latin1All);
    const back = td.decode(e);
    return [digest(e), back === latin1All, back.length, td.decode(te.encode(latin1All + "\u0100")).length];
  });
  T("strings/decode latin1 edge bytes", () => {
    const cases = [[0xc3], [0xc3, 0x41], [0xc2, 0xc3, 0xa9], [0xc4, 0x80], [0xc1, 0xbf], [0xc0, 0x80], [0xc2, 0x80, 0xc3, 0xbf],
      [0xc3, 0xa9, 0x80], [0xef, 0xbb, 0xbf, 0xc3, 0xa9], [0xef, 0xbb, 0xbf], [0xc3, 0xa9, 0xef, 0xbb, 0xbf], [0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac]];
    const decoders = [new TextDecoder(), new TextDecoder("utf-8", { ignoreBOM: true }), new TextDecoder("utf-8", { fatal: true })];
    return cases.map((c) => decoders.map((d) => {
      try {
        const s = d.decode(new Uint8Array(c));
        return [s, s.length, Array.from(s, (ch) => ch.charCodeAt(0))];
      } catch (e) {
        return `${e.name}:${e.code}`;
      }
    }));
  });
  T("strings/scratch boundaries", () => {
    const out = [];
    for (const n of [5461, 5462, 8191, 8192, 8193, 16383, 16384, 16385]) {
      for (const unit of ["a", "\u00e9", "\u00e9a", "\u65e5"]) {
        const s = unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
        const e = te.encode(s);
        const back = td.decode(e);
        out.push([n, unit.length, digest(e), e.buffer.byteLength === e.length, back === s, back.length]);
      }
    }
    return out;
  });
  T("strings/long", () => {
    const ascii = "0123456789abcdef".repeat(1 << 16);
    const latin = "caf\u00e9 \u00ff ".repeat(1 << 15);
    const mixed = latin + "\u65e5";
    return [ascii, latin, mixed].map((s) => { const e = te.encode(s); return [s.length, digest(e), td.decode(e) === s]; });
  });
  T("strings/encodeInto kinds", () => ["abc", "caf\u00e9", wideLatin1, "\u65e5x"].map((s) => {
    const u = new Uint8Array(5);
    const r = te.encodeInto(s, u);
    return [r.read, r.written, Array.from(u)];
  }));
  T("strings/btoa atob latin1", () => [btoa(latin1All), btoa(wideLatin1), btoa("x".repeat(3000) + "\u00ff").length,
    atob(btoa(latin1All)) === latin1All, atob(btoa(wideLatin1)) === wideLatin1, atob("w6k=").charCodeAt(1), atob("/w==").charCodeAt(0),
    atob("").length, atob("YQ==")]);
  T("strings/decoded strings behave", () => {
    const s = td.decode(te.encode("caf\u00e9 " + "x".repeat(40)));
    const t = td.decode(te.encode("plain " + "y".repeat(40)));
    return [s === "caf\u00e9 " + "x".repeat(40), s.length, s.indexOf("\u00e9"), s.toUpperCase().slice(0, 5), t + s === "plain " + "y".repeat(40) + s,
      JSON.stringify({ s: s.slice(0, 6) }), s.localeCompare(t) !== 0, new Set([s, "caf\u00e9 " + "x".repeat(40)]).size, { [s]: 1 }[s]];
  });
})();
