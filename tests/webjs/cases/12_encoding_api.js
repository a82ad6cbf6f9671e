// SPDX-License-Identifier: MIT
// TextEncoder/TextDecoder/atob/btoa API behaviour beyond the corpus: encodeInto bounds,
// streaming across many chunks, BOM handling per call, inputs of every buffer kind, labels,
// argument errors; atob/btoa conversions.
"use strict";
(function () {
  const te = new TextEncoder();
  T("encoding/encoder shape", () => [te.encoding, Object.prototype.toString.call(te), Object.keys(TextEncoder.prototype).sort(),
    te.encode() instanceof Uint8Array, te.encode().length, te.encode(undefined).length, Array.from(te.encode(null)), Array.from(te.encode(12))]);
  T("encoding/encodeInto", () => ["", "abc", "€uro", "😀x", "a\ud800b", "ééé"].map((s) => [3, 4, 10].map((n) => {
    const u = new Uint8Array(n);
    const r = te.encodeInto(s, u);
    return [r.read, r.written, Array.from(u)];
  })));
  T("encoding/encodeInto subarray", () => { const u = new Uint8Array(8); const r = te.encodeInto("hey", u.subarray(2, 4)); return [r, Array.from(u)]; });
  T.noMsg("encoding/encodeInto not u8", () => te.encodeInto("x", new Uint16Array(2)));
  T("encoding/decoder shape", () => { const d = new TextDecoder(); return [d.encoding, d.fatal, d.ignoreBOM, Object.prototype.toString.call(d), Object.keys(TextDecoder.prototype).sort()]; });
  T("encoding/decoder labels", () => ["utf8", "UTF-8", " unicode-1-1-utf-8\n", "utf-16", "UTF-16LE", "ucs-2", "unicodefffe", "csunicode"].map((l) => new TextDecoder(l).encoding));
  T("encoding/decoder bad label", () => new TextDecoder("windows-1252x"));
  T("encoding/decode inputs", () => {
    const d = new TextDecoder();
    const bytes = new Uint8Array([0x68, 0x69, 0xc3, 0xa9]);
    return [d.decode(), d.decode(undefined), d.decode(bytes), d.decode(bytes.buffer), d.decode(new DataView(bytes.buffer, 1)),
      d.decode(new Uint16Array(bytes.buffer)), d.decode(bytes.subarray(2))];
  });
  T.noMsg("encoding/decode bad input", () => new TextDecoder().decode("abc"));
  T("encoding/stream byte by byte", () => {
    const d = new TextDecoder();
    const bytes = te.encode("a€😀é\u0000z");
    let s = "";
    for (const b of bytes) s += d.decode(new Uint8Array([b]), { stream: true });
    return [s + d.decode(), d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), d.decode()];
  });
  T("encoding/stream fatal tail", () => { const d = new TextDecoder("utf-8", { fatal: true }); d.decode(new Uint8Array([0xf0, 0x9f]), { stream: true }); return d.decode(); });
  T("encoding/bom per stream", () => {
    const d = new TextDecoder();
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x61]);
    return [d.decode(bom), d.decode(bom), d.decode(new Uint8Array([0xef]), { stream: true }) + d.decode(new Uint8Array([0xbb, 0xbf, 0x62]))];
  });
  T("encoding/utf16 stream odd bytes", () => {
    const d = new TextDecoder("utf-16le");
    return [d.decode(new Uint8Array([0x61]), { stream: true }), d.decode(new Uint8Array([0x00, 0x3d, 0xd8]), { stream: true }), d.decode(new Uint8Array([0x00, 0xde]))];
  });
  T("encoding/round trip all planes", () => {
    let s = "";
    for (let cp = 0; cp < 0x110000; cp += 0x101) if (cp < 0xd800 || cp > 0xdfff) s += String.fromCodePoint(cp);
    return new TextDecoder().decode(te.encode(s)) === s;
  });
  T("encoding/options coercion", () => [new TextDecoder("utf-8", { fatal: 1 }).fatal, new TextDecoder("utf-8", null).fatal, new TextDecoder(undefined).encoding]);
  T("b64/btoa conversions", () => [btoa(""), btoa(null), btoa(undefined), btoa(12), btoa("\u00ff\u0000")]);
  T("b64/btoa bad", () => btoa("€"));
  T("b64/atob conversions", () => [atob(null === null ? "" : ""), atob(undefined === undefined ? "dW5k" : ""), atob(" YQ== "), atob("YWJj\nZGVm")]);
  T("b64/atob length 1 mod 4", () => atob("YWJjZ"));
  T("b64/atob bad char", () => atob("YW*j"));
  T("b64/atob padding in middle", () => atob("YQ==YQ=="));
  T("b64/atob too much padding", () => atob("YQ==="));
  T("b64/atob non-latin1", () => atob("YWJj€"));
  T("b64/no args", () => btoa());
  T("b64/bytes round trip", () => { let s = ""; for (let i = 0; i < 256; i++) s += String.fromCharCode(i); return atob(btoa(s)) === s; });
})();
T("encoding/large strings", () => {
  const s = "€a😀".repeat(7000);
  const b = new TextEncoder().encode(s);
  return [b.length, b.buffer.byteLength, new TextDecoder().decode(b) === s, new TextEncoder().encode("x").buffer.byteLength];
});
T("encoding/encode results are independent", () => { const e = new TextEncoder(); const a = e.encode("abc"); const b = e.encode("xyz"); return [Array.from(a), Array.from(b)]; });
T("encoding/decode view offsets", () => { const u = new TextEncoder().encode("hello world"); return [new TextDecoder().decode(u.subarray(6)), new TextDecoder().decode(new DataView(u.buffer, 2, 3))]; });
// The fast paths (issue 7): TextEncoder.encode converts sixteen code units per block and
// TextDecoder.decode without stream copies a Uint8Array of up to 16 KiB into a scratch
// buffer and decodes sixteen bytes per block; every boundary against Node.
T("encoding/fast encode block boundaries", () => {
  const out = [];
  for (const sp of ["\u0080", "\u00ff", "\u07ff", "\u0800", "\ud800", "\udc00", "\ud83d\ude00", "\uffff", "\u0000", "\u007f"]) {
    for (let len = 0; len <= 40; len += 1) {
      for (let at = 0; at < len; at += 1) {
        const s = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH".slice(0, at) + sp + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH".slice(at, len);
        out.push(Array.from(new TextEncoder().encode(s)).join(","));
      }
    }
  }
  return out.join(";");
});
T("encoding/fast encode lone surrogates at the ends", () => ["\ud800", "\udc00", "\ud800abcdefghijklmnopq", "abcdefghijklmnopq\ud83d", "\ude00abcdefghijklmnop\ud83d",
  "\ud83d\ud83d\ude00", "x".repeat(15) + "\ud83d\ude00", "x".repeat(16) + "\ud83d"].map((s) => Array.from(new TextEncoder().encode(s))));
T("encoding/fast decode block boundaries", () => {
  const out = [];
  const seqs = [[0x80], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xed, 0xa0, 0x80],
    [0xef, 0xbb, 0xbf], [0xff], [0xc0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe0, 0x80, 0x80]];
  const decoders = [new TextDecoder(), new TextDecoder("utf-8", { ignoreBOM: true }), new TextDecoder("utf-8", { fatal: true })];
  for (const seq of seqs) {
    for (let len = 0; len <= 40; len += 1) {
      for (let at = 0; at + seq.length <= len; at += 1) {
        const b = new Uint8Array(len);
        for (let i = 0; i < len; i++) b[i] = 0x61 + (i % 26);
        b.set(seq, at);
        for (const d of decoders) {
          let r;
          try { r = d.decode(b); } catch (e) { r = `${e.name}:${e.code}`; }
          out.push(r);
        }
      }
    }
  }
  return out.join("|");
});
T("encoding/fast decode sizes around the scratch", () => {
  const d = new TextDecoder();
  return [16383, 16384, 16385, 40000].map((n) => {
    const u = new Uint8Array(n + 5);
    for (let i = 0; i < u.length; i++) u[i] = i % 1000 === 999 ? 0xc3 : 0x20 + (i % 90);
    const views = [u.subarray(0, n), u.subarray(5), new DataView(u.buffer, 3, n), u.buffer];
    return views.map((v) => { const s = d.decode(v); return [s.length, s.charCodeAt(s.length - 1), s.slice(990, 1010)]; });
  });
});
T("encoding/fast decode between stream calls", () => {
  const d = new TextDecoder();
  const e = new TextEncoder().encode("a€😀b");
  const r = [d.decode(e.subarray(0, 2), { stream: true }), d.decode(e.subarray(2, 5)), d.decode(e), d.decode(e.subarray(0, 3), { stream: true }),
    d.decode(e.subarray(3), { stream: true }), d.decode(), d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), d.decode(new Uint8Array([0xef, 0xbb]), { stream: true }),
    d.decode(new Uint8Array([0xbf, 0x42])), d.decode(new Uint8Array([0xe2]), { stream: true }), d.decode(new Uint8Array(0))];
  const f = new TextDecoder("utf-8", { fatal: true });
  let err;
  try { f.decode(new Uint8Array([0xe2]), { stream: true }); f.decode(new Uint8Array([0x41])); } catch (x) { err = x.code; }
  r.push(err, f.decode(new Uint8Array([0x41, 0x42])));
  return r;
});
T("encoding/fast decode inputs", () => {
  const d = new TextDecoder();
  const ab = new ArrayBuffer(8);
  new Uint8Array(ab).set([0x68, 0x69, 0xc3, 0xa9, 0x21, 0x80, 0x7a, 0x7a]);
  const u16 = new TextDecoder("utf-16le");
  return [d.decode(new Uint8Array(ab, 2, 4)), d.decode(new Uint8ClampedArray(ab)), d.decode(new Int8Array(ab, 1)), d.decode(new Uint8Array(0)),
    d.decode(new Uint8Array(ab).subarray(8)), u16.decode(new Uint8Array(ab)), u16.decode(new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x00])),
    new TextDecoder("utf-16be").decode(new Uint8Array([0x00, 0x41, 0xd8, 0x3d]))];
});
T("encoding/fast round trips long", () => {
  const te = new TextEncoder();
  const td = new TextDecoder();
  return ["Kiln is a JavaScript engine. ".repeat(36).slice(0, 1024), "Kiln \u00e9\u65e5\u672c\ud83d\ude00abc 12".repeat(64), "\u00e9".repeat(6000), "x".repeat(70000)]
    .map((s) => { const b = te.encode(s); return [b.length, td.decode(b) === s, td.decode(b.subarray(1)).length]; });
});
