// SPDX-License-Identifier: MIT
// How console.* and kiln.inspect/kiln.format show values: Node's util.inspect and util.format
// conventions for the common types (quoted nested strings, `[Object]` past depth 2,
// `<ref *1>` ... `[Circular *1]` for cycles, Map/Set/typed arrays/ArrayBuffer/Date/RegExp/
// Error/boxed primitives/functions/classes, getters, symbol keys, null prototypes, the
// nodejs.util.inspect.custom hook), one line when it fits in 80 columns and the value nests at
// most three levels, else one entry per line. Written for Kiln; differences from Node are listed
// in docs/script-api.md (no column grouping of long arrays, Promise state unknown, %o = %O with
// depth 4, JavaScriptCore's stack frames).
"use strict";
(function (g) {
  const K = g.__kiln;
  const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
  const BREAK = 80;
  const MAX_ITEMS = 100;
  const MAX_BYTES = 50;
  const MAX_STRING = 10000;
  const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
  const tagOf = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const TYPED = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array",
    "Int32Array", "Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array"]);

  // A string as a quoted literal: single quotes unless the text has some and no double quotes
  // (then double), or has both and no backquote (then backquotes).
  function quote(s) {
    let q = "'";
    if (s.includes("'")) {
      if (!s.includes('"')) q = '"';
      else if (!s.includes("`") && !s.includes("${")) q = "`";
    }
    let out = q;
    const n = Math.min(s.length, MAX_STRING);
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      const ch = s[i];
      if (ch === q || ch === "\\") out += "\\" + ch;
      else if (c === 10) out += "\\n";
      else if (c === 9) out += "\\t";
      else if (c === 13) out += "\\r";
      else if (c === 8) out += "\\b";
      else if (c === 12) out += "\\f";
      else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
      else if (c >= 0xd800 && c <= 0xdfff) {
        const next = s.charCodeAt(i + 1);
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          out += ch + s[i + 1];
          i++;
        } else {
          out += "\\u" + c.toString(16);
        }
      } else out += ch;
    }
    out += q;
    if (s.length > MAX_STRING) out += `... ${s.length - MAX_STRING} more character${s.length - MAX_STRING > 1 ? "s" : ""}`;
    return out;
  }

  const keyText = (k) => (typeof k === "symbol" ? `[${String(k)}]` : IDENT.test(k) ? k : quote(k));

  function primitive(v) {
    switch (typeof v) {
      case "string": return quote(v);
      case "number": return Object.is(v, -0) ? "-0" : String(v);
      case "bigint": return `${v}n`;
      case "symbol": return String(v);
      case "undefined": return "undefined";
      default: return String(v); // boolean
    }
  }

  function functionBase(f) {
    let src = "";
    try { src = Function.prototype.toString.call(f); } catch (e) { src = ""; }
    const name = typeof f.name === "string" ? f.name : "";
    if (src.startsWith("class")) {
      const sup = Object.getPrototypeOf(f);
      const ext = sup && sup !== Function.prototype && sup.name ? ` extends ${sup.name}` : "";
      return `[class ${name || "(anonymous)"}${ext}]`;
    }
    const kind = tagOf(f) === "Function" ? "Function" : tagOf(f);
    return name ? `[${kind}: ${name}]` : `[${kind} (anonymous)]`;
  }

  function ctorName(v) {
    let o = v;
    while (o !== null) {
      const d = Object.getOwnPropertyDescriptor(o, "constructor");
      if (d !== undefined && typeof d.value === "function" && d.value.name !== "") return d.value.name;
      o = Object.getPrototypeOf(o);
    }
    return null;
  }

  // The prefix before the braces: "Foo", "Map(2)", "[Object: null prototype]", "Object [Tag]".
  function prefix(v, name, fallback, size) {
    // An own enumerable tag is shown as a key instead.
    const tag = Object.prototype.propertyIsEnumerable.call(v, Symbol.toStringTag) ? "" : v[Symbol.toStringTag];
    const sized = size === undefined ? "" : `(${size})`;
    if (name === null) {
      return `[${fallback}${sized}: null prototype]${typeof tag === "string" && tag !== "" && tag !== fallback ? ` [${tag}]` : ""}`;
    }
    const t = typeof tag === "string" && tag !== "" && tag !== name ? ` [${tag}]` : "";
    return `${name}${sized}${t}`;
  }

  function propEntry(ctx, v, k, level) {
    const d = Object.getOwnPropertyDescriptor(v, k);
    let text;
    if (d.get !== undefined || d.set !== undefined) {
      text = d.get !== undefined ? (d.set !== undefined ? "[Getter/Setter]" : "[Getter]") : "[Setter]";
    } else {
      text = formatValue(ctx, d.value, level + 1, false);
    }
    return `${keyText(k)}: ${text}`;
  }

  function ownKeys(v, skipIndices) {
    const keys = Object.keys(v).filter((k) => !skipIndices || !/^(0|[1-9][0-9]*)$/.test(k) || Number(k) >= 4294967295);
    for (const s of Object.getOwnPropertySymbols(v)) {
      if (Object.getOwnPropertyDescriptor(v, s).enumerable) keys.push(s);
    }
    return keys;
  }

  function arrayEntries(ctx, v, level) {
    const out = [];
    const n = v.length;
    let holes = 0;
    const flush = () => {
      if (holes > 0) out.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
      holes = 0;
    };
    let shown = 0;
    for (let i = 0; i < n && shown < MAX_ITEMS; i++) {
      if (!Object.prototype.hasOwnProperty.call(v, i)) {
        holes++;
        continue;
      }
      flush();
      out.push(formatValue(ctx, v[i], level + 1, false));
      shown++;
    }
    flush();
    if (shown >= MAX_ITEMS && n > shown) out.push(`... ${n - shown} more item${n - shown > 1 ? "s" : ""}`);
    return out;
  }

  function bytesText(buf) {
    const u8 = new Uint8Array(buf, 0, Math.min(buf.byteLength, MAX_BYTES));
    let hex = Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join(" ");
    if (buf.byteLength > MAX_BYTES) hex += ` ... ${buf.byteLength - MAX_BYTES} more byte${buf.byteLength - MAX_BYTES > 1 ? "s" : ""}`;
    return `<${hex}>`;
  }

  function errorBase(e) {
    const name = String(e.name === undefined ? "Error" : e.name);
    const message = e.message === undefined ? "" : String(e.message);
    const head = message ? `${name}: ${message}` : name;
    const stack = typeof e.stack === "string" && e.stack !== "" ? e.stack : null;
    if (stack === null) return `[${head}]`;
    // JavaScriptCore's frames are "fn@file:line:col", one per line.
    return `${head}\n${stack.split("\n").filter((l) => l !== "").map((l) => `    at ${l}`).join("\n")}`;
  }

  // Braces, base text and entries of an object, or a finished string.
  function describe(ctx, v, level) {
    const tag = tagOf(v);
    const name = ctorName(v);
    if (Array.isArray(v)) {
      const entries = arrayEntries(ctx, v, level);
      for (const k of ownKeys(v, true)) entries.push(propEntry(ctx, v, k, level));
      const p = name === "Array" ? "" : prefix(v, name, "Array", v.length);
      return { base: p, open: "[", close: "]", entries, array: true };
    }
    if (TYPED.has(tag)) {
      const entries = [];
      const n = Math.min(v.length, MAX_ITEMS);
      for (let i = 0; i < n; i++) entries.push(primitive(v[i]));
      if (v.length > n) entries.push(`... ${v.length - n} more item${v.length - n > 1 ? "s" : ""}`);
      return { base: prefix(v, name, tag, v.length), open: "[", close: "]", entries, array: true };
    }
    if (tag === "ArrayBuffer" || tag === "SharedArrayBuffer") {
      const entries = v.detached ? ["(detached)"] : [`[Uint8Contents]: ${bytesText(v)}`];
      entries.push(`byteLength: ${v.byteLength}`);
      return { base: prefix(v, name, tag), open: "{", close: "}", entries };
    }
    if (tag === "DataView") {
      const entries = [`byteLength: ${v.byteLength}`, `byteOffset: ${v.byteOffset}`,
        `buffer: ${formatValue(ctx, v.buffer, level + 1, false)}`];
      return { base: prefix(v, name, tag), open: "{", close: "}", entries };
    }
    if (v instanceof Map) {
      const entries = [];
      for (const [k, x] of v) {
        if (entries.length >= MAX_ITEMS) break;
        entries.push(`${formatValue(ctx, k, level + 1, false)} => ${formatValue(ctx, x, level + 1, false)}`);
      }
      if (v.size > MAX_ITEMS) entries.push(`... ${v.size - MAX_ITEMS} more item${v.size - MAX_ITEMS > 1 ? "s" : ""}`);
      for (const k of ownKeys(v, false)) entries.push(propEntry(ctx, v, k, level));
      return { base: prefix(v, name, "Map", v.size), open: "{", close: "}", entries };
    }
    if (v instanceof Set) {
      const entries = [];
      for (const x of v) {
        if (entries.length >= MAX_ITEMS) break;
        entries.push(formatValue(ctx, x, level + 1, false));
      }
      if (v.size > MAX_ITEMS) entries.push(`... ${v.size - MAX_ITEMS} more item${v.size - MAX_ITEMS > 1 ? "s" : ""}`);
      for (const k of ownKeys(v, false)) entries.push(propEntry(ctx, v, k, level));
      return { base: prefix(v, name, "Set", v.size), open: "{", close: "}", entries };
    }
    const keys = ownKeys(v, false);
    const props = () => keys.map((k) => propEntry(ctx, v, k, level));
    let base = null;
    if (typeof v === "function") base = functionBase(v);
    else if (v instanceof Error || tag === "Error") {
      base = errorBase(v);
      const i = keys.indexOf("stack");
      if (i >= 0) keys.splice(i, 1);
      const j = keys.indexOf("message");
      if (j >= 0) keys.splice(j, 1);
    } else if (tag === "Date") base = Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
    else if (tag === "RegExp") base = RegExp.prototype.toString.call(v);
    else if (tag === "Number" || tag === "String" || tag === "Boolean" || tag === "BigInt" || tag === "Symbol") {
      base = `[${tag}: ${primitive(v.valueOf())}]`;
      if (tag === "String") keys.splice(0, keys.length, ...keys.filter((k) => !/^[0-9]+$/.test(k)));
    } else if (tag === "Promise") base = "Promise { <unknown> }";
    else if (tag === "WeakMap" || tag === "WeakSet") base = `${tag} { <items unknown> }`;
    if (base !== null) {
      return keys.length === 0 ? base : { base, open: "{", close: "}", entries: props() };
    }
    const full = prefix(v, name, "Object");
    const p = full === "Object" ? "" : full;
    return { base: p, open: "{", close: "}", entries: props() };
  }

  function isEmpty(v) {
    if (v instanceof Map || v instanceof Set) return v.size === 0 && ownKeys(v, false).length === 0;
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer || typeof v === "function") return false;
    return ownKeys(v, false).length === 0 && (!Array.isArray(v) || v.length === 0);
  }

  function formatValue(ctx, v, level, top) {
    if ((typeof v !== "object" || v === null) && typeof v !== "function") {
      return top && typeof v === "string" ? v : primitive(v);
    }
    if (typeof v[CUSTOM] === "function") {
      const r = v[CUSTOM](ctx.depth - level, { depth: ctx.depth - level }, inspect);
      if (r !== v) {
        // A string is indented to this level; another value is shown in its place.
        return typeof r === "string" ? r.replace(/\n/g, `\n${" ".repeat(level * 2)}`) : formatValue(ctx, r, level, false);
      }
    }
    if (ctx.stack.includes(v)) {
      if (!ctx.ids.has(v)) ctx.ids.set(v, ctx.ids.size + 1);
      return `[Circular *${ctx.ids.get(v)}]`;
    }
    if (level > ctx.depth && !isEmpty(v)) {
      if (Array.isArray(v)) return "[Array]";
      const n = ctorName(v);
      return `[${n === null ? "Object: null prototype" : n}]`;
    }
    // ctx.last: the level of the last value with entries, for layout()'s nesting rule.
    const prevLast = ctx.last;
    ctx.last = level;
    ctx.stack.push(v);
    let d;
    try {
      d = describe(ctx, v, level);
    } finally {
      ctx.stack.pop();
    }
    let text;
    if (typeof d === "string" || d.entries.length === 0) ctx.last = prevLast;
    if (typeof d === "string") {
      text = d;
    } else if (d.entries.length === 0) {
      text = `${d.base ? d.base + " " : ""}${d.open}${d.close}`;
    } else {
      text = layout(ctx, d, level);
    }
    if (ctx.ids.has(v)) text = `<ref *${ctx.ids.get(v)}> ${text}`;
    return text;
  }

  // One line when the entries fit in BREAK columns (counting the indentation, the prefix, the
  // braces and a margin) and the value nests at most three levels; else one entry per line.
  function layout(ctx, d, level) {
    const indent = level * 2;
    const entries = d.entries;
    let width = entries.length + indent + d.open.length + d.base.length + 10 + entries.length;
    let multiline = false;
    for (const e of entries) {
      width += e.length;
      if (e.includes("\n")) multiline = true;
    }
    const head = d.base ? `${d.base} ` : "";
    if (!multiline && ctx.last - level < 3 && width <= BREAK && !d.base.includes("\n")) {
      return `${head}${d.open} ${entries.join(", ")} ${d.close}`;
    }
    const pad = " ".repeat(indent);
    return `${head}${d.open}\n${pad}  ${entries.join(`,\n${pad}  `)}\n${pad}${d.close}`;
  }

  function inspect(value, options) {
    const o = options !== null && typeof options === "object" ? options : {};
    const depth = o.depth === null || o.depth === Infinity ? Infinity : typeof o.depth === "number" ? o.depth : 2;
    const ctx = { depth, stack: [], ids: new Map(), last: 0 };
    return formatValue(ctx, value, 0, false);
  }

  // Node's util.format: %s %d %i %f %j %o %O %c %% in a leading string, the rest appended.
  function format(...args) {
    const show = (v) => (typeof v === "string" ? v : inspect(v));
    if (typeof args[0] !== "string") return args.map(show).join(" ");
    const f = args[0];
    let out = "";
    let a = 1;
    let last = 0;
    for (let i = 0; i < f.length - 1; i++) {
      if (f.charCodeAt(i) !== 37) continue; // '%'
      const c = f[i + 1];
      if (c === "%") {
        out += f.slice(last, i) + "%";
        last = i + 2;
        i++;
        continue;
      }
      if (a >= args.length || !"sdifjoOc".includes(c)) continue;
      const v = args[a++];
      let s;
      switch (c) {
        case "s":
          if (typeof v === "bigint") s = `${v}n`;
          else if (typeof v === "number") s = Object.is(v, -0) ? "-0" : String(v);
          else if (typeof v === "symbol") s = String(v);
          else if (v !== null && typeof v === "object") {
            const own = typeof v.toString === "function" && v.toString !== Object.prototype.toString &&
              !(v instanceof Error) && v.toString !== Array.prototype.toString;
            s = own ? String(v) : inspect(v, { depth: 0 });
          } else s = String(v);
          break;
        case "d": s = typeof v === "bigint" ? `${v}n` : typeof v === "symbol" ? "NaN" : primitive(Number(v)); break;
        case "i": s = typeof v === "bigint" ? `${v}n` : typeof v === "symbol" ? "NaN" : primitive(parseInt(v)); break;
        case "f": s = typeof v === "symbol" ? "NaN" : primitive(parseFloat(v)); break;
        case "j":
          try { s = JSON.stringify(v); } catch (e) { s = "[Circular]"; }
          if (s === undefined) s = "undefined";
          break;
        case "o": s = inspect(v, { depth: 4 }); break;
        case "O": s = inspect(v); break;
        default: s = ""; // %c: CSS, ignored
      }
      out += f.slice(last, i) + s;
      last = i + 2;
      i++;
    }
    out += f.slice(last);
    for (; a < args.length; a++) out += " " + show(args[a]);
    return out;
  }

  K.inspect = inspect;
  K.format = format;

  // console.*: format the arguments here; a trailing plain object (with two or more arguments)
  // or a lone one stays structured fields for the native logger (api_console.c).
  const c = g.console;
  if (!c || typeof c.info !== "function") return;
  const isPlain = (v) => v !== null && typeof v === "object" && !Array.isArray(v) &&
    (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);
  for (const level of ["debug", "log", "info", "warn", "error"]) {
    const native = c[level];
    Object.defineProperty(c, level, {
      value: function (...args) {
        if (args.length === 1 && isPlain(args[0])) return native(args[0]);
        if (args.length >= 2 && isPlain(args[args.length - 1])) {
          return native(format(...args.slice(0, -1)), args[args.length - 1]);
        }
        return native(format(...args));
      },
      writable: true, configurable: true,
    });
  }
})(globalThis);
