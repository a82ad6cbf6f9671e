// SPDX-License-Identifier: MIT
// crypto.getRandomValues and crypto.randomUUID (Web Crypto; the kernel's CSPRNG through
// src/api/api_platform.c) and performance (High Resolution Time + User Timing): now(),
// timeOrigin, mark, measure, getEntries*, clearMarks, clearMeasures, toJSON. Errors are
// Node's DOMExceptions (TypeMismatchError, QuotaExceededError, SyntaxError).
"use strict";
(function (g) {
  const K = g.__kiln;
  const N = K.native;
  if (typeof N.randomFill !== "function") return; // js/ unit tests have no host modules
  const { randomFill, perfNow, perfTimeOrigin } = N;
  const uuid = N.randomUUID;
  const INTEGER_ARRAYS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array,
    Int32Array, Uint32Array, BigInt64Array, BigUint64Array];

  class Crypto {
    getRandomValues(array) {
      if (arguments.length === 0) {
        throw new TypeError("Failed to execute 'getRandomValues' on 'Crypto': 1 argument required, but only 0 present.");
      }
      if (!INTEGER_ARRAYS.some((C) => array instanceof C)) {
        throw K.domException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
      }
      if (array.byteLength > 65536) {
        throw K.domException("The requested length exceeds 65,536 bytes", "QuotaExceededError");
      }
      return randomFill(array);
    }
    randomUUID() { return uuid(); }
  }
  for (const k of ["getRandomValues", "randomUUID"]) Object.defineProperty(Crypto.prototype, k, { enumerable: true });
  Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });
  const crypto = new Crypto();

  // ---------------------------------------------------------------- performance
  const MAX_ENTRIES = 10000; // per context; the oldest go first
  const entries = [];
  const timeOrigin = perfTimeOrigin();

  class PerformanceEntry {
    #name; #type; #start; #duration; #detail;
    constructor(name, type, start, duration, detail) {
      this.#name = name; this.#type = type; this.#start = start; this.#duration = duration;
      this.#detail = detail;
    }
    get name() { return this.#name; }
    get entryType() { return this.#type; }
    get startTime() { return this.#start; }
    get duration() { return this.#duration; }
    get detail() { return this.#detail; }
    toJSON() {
      return { name: this.#name, entryType: this.#type, startTime: this.#start,
        duration: this.#duration, detail: this.#detail };
    }
  }
  class PerformanceMark extends PerformanceEntry {}
  class PerformanceMeasure extends PerformanceEntry {}

  const timestamp = (v) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new TypeError(`${v} is not a valid timestamp`);
    return n;
  };
  const cloneDetail = (d) => (d === undefined || d === null ? null : g.structuredClone(d));
  const record = (e) => {
    if (entries.length >= MAX_ENTRIES) entries.shift();
    entries.push(e);
    return e;
  };
  function markTime(name) {
    for (let i = entries.length - 1; i >= 0; i--) {
      if (entries[i].entryType === "mark" && entries[i].name === name) return entries[i].startTime;
    }
    throw K.domException(`The "${name}" performance mark has not been set`, "SyntaxError");
  }
  const point = (v) => (typeof v === "string" ? markTime(v) : timestamp(v));

  const performance = {
    now() { return perfNow(); },
    get timeOrigin() { return timeOrigin; },
    mark(name, options) {
      if (arguments.length === 0) throw new TypeError('The "name" argument must be specified');
      const o = options || {};
      const start = o.startTime === undefined ? perfNow() : timestamp(o.startTime);
      return record(new PerformanceMark(String(name), "mark", start, 0, cloneDetail(o.detail)));
    },
    measure(name, startOrOptions, endMark) {
      if (arguments.length === 0) throw new TypeError('The "name" argument must be specified');
      let start = 0;
      let end;
      let detail = null;
      if (startOrOptions !== null && typeof startOrOptions === "object") {
        const o = startOrOptions;
        detail = cloneDetail(o.detail);
        end = o.end !== undefined ? point(o.end) : undefined;
        if (o.start !== undefined) start = point(o.start);
        if (o.duration !== undefined) {
          const d = timestamp(o.duration);
          if (o.start !== undefined) end = start + d;
          else if (end !== undefined) start = end - d;
        }
        if (end === undefined) end = perfNow();
      } else {
        if (startOrOptions !== undefined) start = point(startOrOptions);
        end = endMark !== undefined ? point(endMark) : perfNow();
      }
      return record(new PerformanceMeasure(String(name), "measure", start, end - start, detail));
    },
    getEntries() { return entries.slice(); },
    getEntriesByType(type) { return entries.filter((e) => e.entryType === String(type)); },
    getEntriesByName(name, type) {
      return entries.filter((e) => e.name === String(name) && (type === undefined || e.entryType === String(type)));
    },
    clearMarks(name) { clear("mark", name); },
    clearMeasures(name) { clear("measure", name); },
    toJSON() { return { timeOrigin }; },
  };
  function clear(type, name) {
    let w = 0;
    for (const e of entries) {
      if (e.entryType === type && (name === undefined || e.name === String(name))) continue;
      entries[w++] = e;
    }
    entries.length = w;
  }
  for (const [C, tag] of [[PerformanceEntry, "PerformanceEntry"], [PerformanceMark, "PerformanceMark"],
    [PerformanceMeasure, "PerformanceMeasure"]]) {
    Object.defineProperty(C.prototype, Symbol.toStringTag, { value: tag, configurable: true });
  }
  Object.defineProperty(performance, Symbol.toStringTag, { value: "Performance", configurable: true });

  const defs = { crypto, Crypto, performance, PerformanceEntry, PerformanceMark, PerformanceMeasure };
  for (const name of Object.keys(defs)) {
    Object.defineProperty(g, name, { value: defs[name], writable: true, configurable: true });
  }
})(globalThis);
