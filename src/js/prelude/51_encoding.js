// SPDX-License-Identifier: MIT
// TextEncoder, TextDecoder (WHATWG Encoding: utf-8, utf-16le, utf-16be; fatal, ignoreBOM,
// stream), atob and btoa (HTML: forgiving-base64) over C (src/api/api_encoding.c,
// base/textcodec, base/b64). Errors are Node's: TypeError for undecodable input in fatal mode,
// RangeError for an unknown label, DOMException InvalidCharacterError from atob/btoa.
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  if (typeof N.textEncode !== "function") return; // js/ unit tests have no host modules
  const { textEncode, textEncodeInto, textDecoder, textDecode, textDecodeOnce, textDecodeScratch, b64Encode, b64Decode } = N;
  // C reads an 8-bit (Latin-1) string's bytes in place when JSC's string layout checked out
  // (js_wtf.c); otherwise a JIT-compiled loop copies ASCII faster than C can read it. With it,
  // the common cases go to fast functions JSC calls without the C API's callback wrapper
  // (undefined when they do not apply: then the ordinary function).
  const asciiInJs = !N.textDirect();
  const { textEncodeFast, textDecodeFast } = N; // undefined without the direct path
  const S = K.webSlots;
  const B = N.webBytes(); // textEncode's output and textDecodeScratch's input when they fit
  const slice = Uint8Array.prototype.slice;
  const NAMES = ["utf-8", "utf-16le", "utf-16be"];
  const EMPTY = new Uint8Array(0);
  const missing = (what) => new TypeError(`The "${what}" argument must be specified`);
  const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer);

  const asciiInto = K.asciiInto; // 50_url.js

  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") {
      if (typeof input === "string") {
        if (asciiInJs) {
          if (asciiInto(B, 0, input)) return slice.call(B, 0, input.length);
        } else if (textEncodeFast !== undefined) {
          const n = textEncodeFast(input);
          if (n !== undefined) return slice.call(B, 0, n);
        }
      }
      const r = textEncode(input);
      return typeof r === "number" ? slice.call(B, 0, r) : r;
    }
    encodeInto(source, destination) {
      if (arguments.length < 2) throw missing(arguments.length ? "dest" : "src");
      if (!(destination instanceof Uint8Array)) {
        throw new TypeError('The "dest" argument must be an instance of Uint8Array');
      }
      textEncodeInto(source, destination);
      return { read: S[0], written: S[1] };
    }
  }

  const invalid = (enc) => {
    const e = new TypeError(`The encoded data was not valid for encoding ${enc}`);
    e.code = "ERR_ENCODING_INVALID_ENCODED_DATA";
    return e;
  };
  // Slots over 2^32 - 1 would wrap: such views take the general path.
  const SLOT_MAX = 0xffffffff;

  class TextDecoder {
    // #d: the C decoder, used for stream calls and while one is pending (#streaming); a call
    // without stream from a fresh state goes to textDecodeOnce with #flags (C's slots[2]).
    #d; #enc; #fatal; #ignoreBOM; #flags; #streaming = false;
    constructor(label = "utf-8", options = {}) {
      const o = options === undefined || options === null ? {} : options;
      if (typeof o !== "object" && typeof o !== "function") {
        throw new TypeError('The "options" argument must be of type object');
      }
      this.#fatal = Boolean(o.fatal);
      this.#ignoreBOM = Boolean(o.ignoreBOM);
      const d = textDecoder(label, this.#fatal, this.#ignoreBOM);
      if (d === null) throw new RangeError(`The "${label}" encoding is not supported`);
      this.#d = d;
      this.#enc = NAMES[S[0]];
      this.#flags = S[0] | (this.#fatal ? 0x10 : 0) | (this.#ignoreBOM ? 0x20 : 0);
    }
    get encoding() { return this.#enc; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input = EMPTY, options = undefined) {
      if (!isBytes(input)) {
        throw new TypeError('The "input" argument must be an instance of ArrayBuffer or ArrayBufferView');
      }
      const stream = options !== undefined && options !== null && typeof options === "object"
        ? Boolean(options.stream) : false;
      let s;
      if (!stream && !this.#streaming && input instanceof Uint8Array) {
        // The common case: copied into the scratch by a memcpy (B.set), which spares the view
        // its ArrayBuffer object and C the calls that find the bytes. A detached view has no
        // bytes to copy (and set would throw).
        const n = input.byteLength;
        if (n <= B.length) {
          if (n > 0) B.set(input);
          S[1] = n; S[2] = this.#flags;
          s = textDecodeFast !== undefined ? textDecodeFast() : undefined;
          if (s === undefined) s = textDecodeScratch();
          if (s === null) throw invalid(this.#enc);
          return s;
        }
      }
      let buf, off, len;
      if (input instanceof ArrayBuffer) {
        buf = input; off = 0; len = input.byteLength;
      } else {
        buf = input.buffer; off = input.byteOffset; len = input.byteLength;
      }
      if (stream || this.#streaming || !(off <= SLOT_MAX && len <= SLOT_MAX)) {
        s = textDecode(this.#d, buf, off, len, stream);
        this.#streaming = stream && s !== null;
      } else {
        S[0] = off; S[1] = len; S[2] = this.#flags;
        s = textDecodeOnce(buf);
      }
      if (s === null) throw invalid(this.#enc);
      return s;
    }
  }

  for (const [C, tag] of [[TextEncoder, "TextEncoder"], [TextDecoder, "TextDecoder"]]) {
    for (const k of Object.getOwnPropertyNames(C.prototype)) {
      if (k !== "constructor") Object.defineProperty(C.prototype, k, { enumerable: true });
    }
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  }

  const invalidChar = (message) => K.domException(message, "InvalidCharacterError");

  function btoa(data) {
    if (arguments.length === 0) throw missing("input");
    const r = b64Encode(data);
    if (r === null) throw invalidChar("Invalid character");
    return r;
  }

  // Node's messages: a length that is 1 mod 4 (after whitespace and padding) "is not correctly
  // encoded"; anything else invalid is an "Invalid character".
  function atobError(s) {
    const core = s.replace(/[\t\n\f\r ]/g, "");
    const m = /^[A-Za-z0-9+/]*(={0,2})$/.exec(core);
    if (m === null || (m[1].length > 0 && core.length % 4 !== 0)) return invalidChar("Invalid character");
    const rem = core.length % 4 === 0 ? (core.length - m[1].length) % 4 : core.length % 4;
    return invalidChar(rem === 1 ? "The string to be decoded is not correctly encoded." : "Invalid character");
  }

  function atob(data) {
    if (arguments.length === 0) throw missing("input");
    const s = `${data}`;
    const r = b64Decode(s);
    if (r === null) throw atobError(s);
    return r;
  }

  const defs = { TextEncoder, TextDecoder, atob, btoa };
  for (const name of Object.keys(defs)) {
    Object.defineProperty(g, name, { value: defs[name], writable: true, configurable: true });
  }
})(globalThis);
