// SPDX-License-Identifier: MIT
// The JS-level differential test of Kiln's Web platform APIs against Node.js (>= 20).
//
//   bash tests/webjs/run_diff.sh [BUILD]      (default debug; needs build/BUILD/kiln: make)
//
// How it works: run_diff.sh concatenates this file, build/BUILD/webjs/web_cases.js (the data of
// tests/web/cases.js, generated) and every tests/webjs/cases/*.js into one script. Node runs it
// directly; Kiln serves it (the real binary on 127.0.0.1, a route GET /__webjs that runs every
// case), and tests/webjs/diff.js compares the two JSON results case by case, printing each
// difference and "N passed, N failed" last.
//
// ADDING CASES: add a file tests/webjs/cases/NN_area.js (or add to one), plain JavaScript that
// runs both in Node and in a Kiln script (no require, no Buffer, no process):
//
//   T("url/basic href", () => new URL("http://a/b?c").href);
//   T("blob/text", async () => await new Blob(["x"]).text());        // a Promise is awaited
//   T.noMsg("atob/bad", () => atob("*"));        // a throw compares the error name only
//   T.kiln("url/idna emoji", () => new URL("https://💩.la").href,
//          { $throws: "TypeError", message: "Invalid URL" });          // documented deviation:
//                                                 // Kiln must give this (encoded) value
//
// - Names are unique ("area/what"); a duplicate name throws when the file loads.
// - Do all the work inside the callback: a throw at the top level of a case file breaks the
//   whole run (and is reported as such).
// - The callback's result is encoded by enc() below, so undefined, NaN, -0, BigInt, typed
//   arrays, ArrayBuffer, Date, RegExp, Map, Set, Error and class instances compare exactly; plain
//   objects and arrays recursively. A throw becomes { $throws: name, message } (+ code when the
//   error has a numeric DOMException code).
// - console formatting: webjsInspect(value, options) and webjsFormat(...args) are Node's
//   util.inspect/util.format in Node and kiln.inspect/kiln.format (what console.* prints) in Kiln.
// - Compare what the standard fixes. Where Kiln deliberately differs from Node, use T.kiln with
//   Kiln's expected result and say why in a comment and in docs (script-api.md).
"use strict";
(function (g) {
  const cases = [];
  const names = new Set();
  const expectKiln = {};

  function add(name, fn, opts) {
    if (typeof name !== "string" || typeof fn !== "function") throw new Error("T(name, fn)");
    if (names.has(name)) throw new Error(`duplicate case name: ${name}`);
    names.add(name);
    cases.push({ name, fn, opts });
  }
  const T = (name, fn) => add(name, fn, {});
  T.noMsg = (name, fn) => add(name, fn, { noMsg: true });
  T.kiln = (name, fn, expected) => {
    add(name, fn, {});
    expectKiln[name] = expected;
  };

  function tagged(tag, v) {
    return v === undefined ? { $: tag } : { $: tag, v };
  }

  function enc(v, depth, seen) {
    if (depth > 40) return tagged("too-deep");
    switch (typeof v) {
      case "undefined":
        return tagged("undefined");
      case "number":
        if (Number.isNaN(v)) return tagged("number", "NaN");
        if (v === Infinity || v === -Infinity) return tagged("number", String(v));
        if (Object.is(v, -0)) return tagged("number", "-0");
        return v;
      case "bigint":
        return tagged("bigint", String(v));
      case "symbol":
        return tagged("symbol", String(v.description));
      case "function":
        return tagged("function");
      case "string":
      case "boolean":
        return v;
    }
    if (v === null) return null;
    if (seen.has(v)) return tagged("cycle");
    seen.add(v);
    try {
      return encObject(v, depth, seen);
    } finally {
      seen.delete(v);
    }
  }

  function encObject(v, depth, seen) {
    const e = (x) => enc(x, depth + 1, seen);
    if (Array.isArray(v)) return v.map(e);
    if (v instanceof ArrayBuffer) return tagged("ArrayBuffer", Array.from(new Uint8Array(v)));
    if (ArrayBuffer.isView(v)) {
      const kind = Object.prototype.toString.call(v).slice(8, -1);
      if (kind === "DataView") {
        return tagged("DataView", Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
      }
      return tagged(kind, Array.from(v, (x) => (typeof x === "bigint" ? String(x) : e(x))));
    }
    if (v instanceof Date) return tagged("Date", Number.isNaN(v.getTime()) ? "Invalid" : v.getTime());
    if (v instanceof RegExp) return tagged("RegExp", String(v));
    if (v instanceof Map) return tagged("Map", Array.from(v, ([k, x]) => [e(k), e(x)]));
    if (v instanceof Set) return tagged("Set", Array.from(v, e));
    if (v instanceof Error) return { $: "Error", name: v.name, message: v.message };
    const out = {};
    for (const k of Object.keys(v)) out[k] = e(v[k]);
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      return { $: "object", ctor: proto && proto.constructor ? proto.constructor.name : "?", v: out };
    }
    return out;
  }

  function encThrow(x) {
    if (x !== null && typeof x === "object") {
      const r = { $throws: String(x.name), message: String(x.message) };
      if (typeof x.code === "number") r.code = x.code;
      return r;
    }
    return { $throws: "value", value: enc(x, 0, new Set()) };
  }

  async function runOne(c) {
    let r;
    try {
      r = enc(await c.fn(), 0, new Set());
    } catch (x) {
      r = encThrow(x);
      if (c.opts.noMsg) delete r.message;
    }
    return r;
  }

  // Run every case; resolves to { results: {name: encoded}, expectKiln: {name: expected} }.
  async function runAll() {
    const results = {};
    for (const c of cases) results[c.name] = await runOne(c);
    return { results, expectKiln };
  }

  g.T = T;
  g.webjsRunAll = runAll;
  // The value formatter that console.* uses: Node's util, Kiln's kiln.inspect/kiln.format.
  const util = typeof require === "function" ? require("util") : null;
  g.webjsInspect = util ? (v, o) => util.inspect(v, o) : (v, o) => g.kiln.inspect(v, o);
  g.webjsFormat = util ? (...a) => util.format(...a) : (...a) => g.kiln.format(...a);
})(globalThis);
