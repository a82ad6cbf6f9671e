// SPDX-License-Identifier: MIT
// structuredClone (HTML's structured clone algorithm, serialise and deserialise in one walk)
// for the types JavaScriptCore has: primitives and their wrappers, Date, RegExp, ArrayBuffer
// (resizable kept), typed arrays, DataView, Map, Set, Error types (name, message, cause,
// stack), arrays (holes and extra properties kept) and plain objects (own enumerable string
// keys; class instances become plain objects), with cycles and shared references preserved.
// Functions, symbols, WeakMap/WeakSet/WeakRef, Promises and other objects with internal state
// throw DataCloneError with V8's message. { transfer: [ArrayBuffer...] } moves the buffers
// (ArrayBuffer.prototype.transfer): the originals are detached.
"use strict";
(function (g) {
  const K = g.__kiln;
  const cloneError = (what) => K.domException(`${what} could not be cloned.`, "DataCloneError");
  const ERRORS = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  const TYPED = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array];
  const UNCLONEABLE = [WeakMap, WeakSet, Promise, typeof WeakRef === "function" ? WeakRef : null,
    typeof FinalizationRegistry === "function" ? FinalizationRegistry : null].filter(Boolean);
  const getTag = (v) => Object.prototype.toString.call(v).slice(8, -1);
  const objectName = (v) => {
    const c = v.constructor;
    return `#<${typeof c === "function" && c.name ? c.name : "Object"}>`;
  };

  function typedCtor(v) {
    for (const C of TYPED) if (v instanceof C) return C;
    return null;
  }

  function cloneBuffer(b) {
    if (b.detached) throw cloneError("An ArrayBuffer is detached and");
    const copy = b.resizable ? new ArrayBuffer(b.byteLength, { maxByteLength: b.maxByteLength })
      : new ArrayBuffer(b.byteLength);
    new Uint8Array(copy).set(new Uint8Array(b));
    return copy;
  }

  function cloneErrorObject(v, memory, walk) {
    const name = v.name;
    const C = Object.prototype.hasOwnProperty.call(ERRORS, name) ? ERRORS[name] : Error;
    const d = Object.getOwnPropertyDescriptor(v, "message");
    const e = d && "value" in d ? new C(String(d.value)) : new C();
    memory.set(v, e);
    const s = Object.getOwnPropertyDescriptor(v, "stack");
    if (s && "value" in s) {
      Object.defineProperty(e, "stack", { value: String(s.value), writable: true, configurable: true });
    }
    if (Object.prototype.hasOwnProperty.call(v, "cause")) {
      Object.defineProperty(e, "cause", { value: walk(v.cause), writable: true, configurable: true });
    }
    return e;
  }

  function copyProps(v, out, walk) {
    for (const k of Object.keys(v)) out[k] = walk(v[k]);
    return out;
  }

  // One walk: copies value; the buffers in moving are transferred instead of copied. A view
  // whose buffer was transferred earlier in the walk reads as empty, so the geometry of every
  // view is taken from views (filled by a first walk with nothing moving) when given.
  function cloneWalk(value, moving, views) {
    const memory = new Map();
    function walk(v) {
      const type = typeof v;
      if (type === "symbol") throw cloneError(String(v));
      if (type === "function") throw cloneError(Function.prototype.toString.call(v));
      if (type !== "object" || v === null) return v;
      if (memory.has(v)) return memory.get(v);
      let out;
      const tag = getTag(v);
      if (Array.isArray(v)) {
        out = new Array(v.length);
        memory.set(v, out);
        return copyProps(v, out, walk);
      }
      if (v instanceof Date) out = new Date(v.getTime());
      else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
      else if (v instanceof ArrayBuffer) out = moving.has(v) ? v.transfer() : cloneBuffer(v);
      else if (ArrayBuffer.isView(v)) {
        const C = typedCtor(v);
        let geo = views.get(v);
        if (geo === undefined) {
          geo = [v.byteOffset, C ? v.length : v.byteLength];
          if (moving.size === 0) views.set(v, geo);
        }
        const buf = walk(v.buffer);
        out = C ? new C(buf, geo[0], geo[1]) : new DataView(buf, geo[0], geo[1]);
      } else if (v instanceof Map) {
        out = new Map();
        memory.set(v, out);
        for (const [k, x] of v) out.set(walk(k), walk(x));
        return out;
      } else if (v instanceof Set) {
        out = new Set();
        memory.set(v, out);
        for (const x of v) out.add(walk(x));
        return out;
      } else if (v instanceof Error || tag === "Error") {
        return cloneErrorObject(v, memory, walk);
      } else if (tag === "Boolean" || tag === "Number" || tag === "String" || tag === "BigInt") {
        out = Object(v.valueOf());
      } else if (tag === "Symbol") {
        throw cloneError("[object Symbol]");
      } else if (UNCLONEABLE.some((C) => v instanceof C)) {
        throw cloneError(objectName(v));
      } else {
        out = {};
        memory.set(v, out);
        return copyProps(v, out, walk);
      }
      memory.set(v, out);
      return out;
    }
    return walk(value);
  }

  function structuredClone(value, options) {
    if (arguments.length === 0) throw new TypeError("The value argument must be specified");
    let transfer = [];
    if (options !== undefined && options !== null) {
      if (typeof options !== "object") throw new TypeError('The "options" argument must be of type object');
      if (options.transfer !== undefined) transfer = Array.from(options.transfer);
    }
    if (transfer.length === 0) return cloneWalk(value, new Set(), new Map());
    const moving = new Set();
    for (const t of transfer) {
      if (!(t instanceof ArrayBuffer) || t.detached) throw new TypeError("Found invalid object in transferList");
      if (moving.has(t)) throw K.domException("Transfer list contains duplicate ArrayBuffer", "DataCloneError");
      moving.add(t);
    }
    // A failing clone must leave the buffers attached: the first walk checks the whole value
    // (and records the views' geometry), the second moves the buffers.
    const views = new Map();
    cloneWalk(value, new Set(), views);
    const result = cloneWalk(value, moving, views);
    for (const t of moving) if (!t.detached) t.transfer(); // given away even if not referenced
    return result;
  }

  Object.defineProperty(g, "structuredClone", { value: structuredClone, writable: true, configurable: true });
})(globalThis);
