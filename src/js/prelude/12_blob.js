// SPDX-License-Identifier: MIT
// Blob, File (File API) and FormData (XHR Standard). A Blob holds its bytes in one Uint8Array
// (_b, never exposed: every read copies); parts are joined by C (concatBytes), strings are
// encoded to UTF-8 by C. FormData keeps the standard's entry list of [name, string | File].
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  const EMPTY = new Uint8Array(0);

  function isBufferSource(v) { return v instanceof ArrayBuffer || ArrayBuffer.isView(v); }
  // A copy of the bytes of an ArrayBuffer or view as a Uint8Array.
  function copyBytes(v) {
    if (v instanceof ArrayBuffer) return new Uint8Array(v.slice(0));
    return new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  }
  // A Uint8Array view (no copy) of an ArrayBuffer or view.
  function viewBytes(v) {
    if (v instanceof Uint8Array) return v;
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  function utf8(s) { return N.utf8Encode(usv(s)); }
  // USVString conversion: lone surrogates become U+FFFD.
  function usv(s) {
    s = String(s);
    return typeof s.toWellFormed === "function" ? s.toWellFormed() : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  }
  // UTF-8 decode (the Encoding Standard's: a leading BOM is dropped, bad bytes become U+FFFD).
  function decode(b) {
    if (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) b = b.subarray(3);
    return b.length === 0 ? "" : N.utf8Decode(b);
  }
  function normType(t) {
    t = t === undefined ? "" : String(t);
    return /^[\x20-\x7e]*$/.test(t) ? t.toLowerCase() : "";
  }
  function relIndex(v, size) {
    let n = Number(v);
    if (Number.isNaN(n)) n = 0;
    n = Math.trunc(n);
    return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
  }

  class Blob {
    constructor(parts, options) {
      const o = options === undefined || options === null ? {} : options;
      if (typeof o !== "object" && typeof o !== "function") throw new TypeError("Blob constructor: options must be an object");
      const endings = o.endings === undefined ? "transparent" : String(o.endings);
      if (endings !== "transparent" && endings !== "native") {
        throw new TypeError(`Blob constructor: '${endings}' is not a valid value for 'endings'`);
      }
      this._type = normType(o.type);
      if (parts === undefined) { this._b = EMPTY; return; }
      if (parts === null || typeof parts !== "object" || typeof parts[Symbol.iterator] !== "function") {
        throw new TypeError("Blob constructor: Argument 1 can't be converted to a sequence.");
      }
      const list = [];
      let shared = false; // list[0] is a view of the caller's buffer
      for (const p of parts) {
        if (p instanceof Blob) list.push(p._b);
        else if (isBufferSource(p)) { list.push(viewBytes(p)); shared = list.length === 1; }
        else list.push(utf8(endings === "native" ? String(p).replace(/\r\n?/g, "\n") : p));
      }
      if (list.length === 0) this._b = EMPTY;
      else if (list.length === 1) this._b = shared ? list[0].slice() : list[0];
      else this._b = N.concatBytes(list);
    }
    get size() { return this._b.length; }
    get type() { return this._type; }
    slice(start, end, contentType) {
      const size = this._b.length;
      const from = start === undefined ? 0 : relIndex(start, size);
      const to = end === undefined ? size : relIndex(end, size);
      const b = Object.create(Blob.prototype);
      b._b = to > from ? this._b.slice(from, to) : EMPTY;
      b._type = normType(contentType);
      return b;
    }
    async text() { return decode(this._b); }
    async arrayBuffer() { return this._b.slice().buffer; }
    async bytes() { return this._b.slice(); }
    stream() {
      const bytes = this._b;
      return new g.ReadableStream({
        start(c) { if (bytes.length) c.enqueue(bytes.slice()); c.close(); },
      });
    }
    get [Symbol.toStringTag]() { return "Blob"; }
  }

  class File extends Blob {
    constructor(bits, name, options) {
      if (arguments.length < 2) throw new TypeError(`File constructor: 2 arguments required, but only ${arguments.length} present.`);
      super(bits, options);
      this._name = usv(name);
      const o = options === undefined || options === null ? {} : options;
      const lm = o.lastModified === undefined ? Date.now() : Number(o.lastModified);
      this._lastModified = Number.isFinite(lm) ? Math.trunc(lm) : 0;
    }
    get name() { return this._name; }
    get lastModified() { return this._lastModified; }
    get webkitRelativePath() { return ""; }
    get [Symbol.toStringTag]() { return "File"; }
  }

  // A File from bytes Kiln already owns (no copy).
  function fileOf(bytes, name, type) {
    const f = Object.create(File.prototype);
    f._b = bytes; f._type = normType(type); f._name = String(name); f._lastModified = Date.now();
    return f;
  }

  // The standard's "create an entry": strings are USV-converted, Blobs become Files.
  function entry(name, value, filename, what, argc) {
    name = usv(name);
    if (value instanceof Blob) {
      if (!(value instanceof File) || filename !== undefined) {
        const f = Object.create(File.prototype);
        f._b = value._b; f._type = value._type;
        f._name = filename !== undefined ? usv(filename) : value instanceof File ? value._name : "blob";
        f._lastModified = value instanceof File ? value._lastModified : Date.now();
        value = f;
      }
      return [name, value];
    }
    if (argc > 2) throw new TypeError(`FormData.${what}: Argument 2 is not an object.`);
    return [name, usv(value)];
  }

  class FormData {
    constructor(form) {
      if (form !== undefined) throw new TypeError("FormData constructor: Argument 1 is not an HTMLFormElement (there is no DOM here).");
      this._e = [];
    }
    append(name, value, filename) {
      if (arguments.length < 2) throw new TypeError(`FormData.append: 2 arguments required, but only ${arguments.length} present.`);
      this._e.push(entry(name, value, filename, "append", arguments.length));
    }
    set(name, value, filename) {
      if (arguments.length < 2) throw new TypeError(`FormData.set: 2 arguments required, but only ${arguments.length} present.`);
      const e = entry(name, value, filename, "set", arguments.length);
      const i = this._e.findIndex((x) => x[0] === e[0]);
      if (i < 0) { this._e.push(e); return; }
      this._e[i] = e;
      this._e = this._e.filter((x, j) => j <= i || x[0] !== e[0]);
    }
    get(name) {
      const n = usv(name);
      const e = this._e.find((x) => x[0] === n);
      return e === undefined ? null : e[1];
    }
    getAll(name) { const n = usv(name); return this._e.filter((x) => x[0] === n).map((x) => x[1]); }
    has(name) { const n = usv(name); return this._e.some((x) => x[0] === n); }
    delete(name) { const n = usv(name); this._e = this._e.filter((x) => x[0] !== n); }
    *entries() { for (let i = 0; i < this._e.length; i++) yield [this._e[i][0], this._e[i][1]]; }
    *keys() { for (let i = 0; i < this._e.length; i++) yield this._e[i][0]; }
    *values() { for (let i = 0; i < this._e.length; i++) yield this._e[i][1]; }
    forEach(callback, thisArg) {
      if (typeof callback !== "function") throw new TypeError("FormData.forEach: Argument 1 is not callable");
      for (let i = 0; i < this._e.length; i++) callback.call(thisArg, this._e[i][1], this._e[i][0], this);
    }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }

  // FormData -> [content type with the boundary, multipart bytes] (C: http_multipart_write).
  K.encodeFormData = function (fd) {
    const flat = [];
    for (const [n, v] of fd._e) {
      if (typeof v === "string") flat.push(n, v, null, "");
      else flat.push(n, v._b, v._name, v._type);
    }
    return N.multipartEncode(flat);
  };
  // Parsed multipart entries [name, string | bytes, filename | undefined, type] -> FormData.
  K.formDataOf = function (entries) {
    const fd = new FormData();
    for (const [n, v, fname, type] of entries) {
      fd._e.push([n, fname === undefined ? v : fileOf(v, fname, type || "text/plain")]);
    }
    return fd;
  };

  // context.request.form / formEntries / files of a multipart body (spec/10-http.md §2.2), and
// (which 3) the FormData of context.request.formData():
  // files are Files whose `name` is the form field (aiwebengine's shape), with field, filename
  // (last path component, control characters removed), rawFilename, contentType and lazy
  // bytes / base64 / data.
  function upload(field, bytes, rawFilename, type) {
    const filename = rawFilename.replace(/[\x00-\x1f\x7f]/g, "").split(/[\\/]/).pop();
    const f = fileOf(bytes, filename, type || "application/octet-stream");
    let b64;
    const base64 = () => (b64 === undefined ? (b64 = N.bytesToBase64(bytes)) : b64);
    Object.defineProperties(f, {
      name: { value: field, enumerable: true },
      field: { value: field, enumerable: true },
      filename: { value: filename, enumerable: true },
      rawFilename: { value: rawFilename, enumerable: true },
      contentType: { value: type || "application/octet-stream", enumerable: true },
      bytes: { get: () => bytes.slice(), enumerable: true },
      base64: { get: base64, enumerable: true },
      data: { get: base64, enumerable: true },
    });
    return f;
  }
  K.formFields = function (entries, which) {
    if (which === 3) return K.formDataOf(entries);
    if (which === 0) {
      const o = {};
      for (const [n, v, fname] of entries) if (fname === undefined) o[n] = v;
      return o;
    }
    const out = [];
    for (const [n, v, fname, type] of entries) {
      if (fname === undefined) { if (which === 1) out.push([n, v]); continue; }
      const f = upload(n, v, fname, type);
      out.push(which === 1 ? [n, f] : f);
    }
    return out;
  };

  K.Blob = Blob;
  K.File = File;
  K.FormData = FormData;
  K.copyBytes = copyBytes;
  K.viewBytes = viewBytes;
  K.decodeUtf8 = decode;
  K.usv = usv;
  K.fileOf = fileOf;
  K.utf8 = utf8;
  for (const [n, c] of Object.entries({ Blob, File, FormData })) {
    K.webIDL(c);
    Object.defineProperty(g, n, { value: c, writable: true, configurable: true });
  }
})(globalThis);
