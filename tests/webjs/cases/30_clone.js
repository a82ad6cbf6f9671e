// SPDX-License-Identifier: MIT
// structuredClone: every cloneable type, identity (cycles, shared references), what throws
// DataCloneError (with V8's messages), transfer.
"use strict";
(function () {
  const sc = (v) => structuredClone(v);
  T("clone/primitives", () => [1, -0, NaN, "s", true, null, undefined, 12n].map(sc));
  T("clone/wrappers", () => [new Number(3), new String("x"), new Boolean(false), Object(5n)].map((w) => {
    const c = sc(w);
    return [typeof c, Object.prototype.toString.call(c), c.valueOf() === w.valueOf(), c !== w];
  }));
  T("clone/date regexp", () => { const r = /a+b/gimsuy; r.lastIndex = 4; const c = sc(r); return [sc(new Date(123)), sc(new Date(NaN)), String(c), c.lastIndex, c !== r]; });
  T("clone/containers", () => sc({ a: [1, { b: new Map([[{ k: 1 }, new Set([1, "2"])]]) }], s: new Set([[1]]) }));
  T("clone/array holes and props", () => { const a = [1, , 3]; a.extra = "x"; const c = sc(a); return [c.length, 1 in c, c.extra, Object.keys(c)]; });
  T("clone/cycles and sharing", () => {
    const shared = { n: 1 };
    const o = { a: shared, b: shared, list: [shared] };
    o.self = o;
    const m = new Map(); m.set("m", m); o.m = m;
    const c = sc(o);
    return [c.a === c.b, c.list[0] === c.a, c.self === c, c !== o, c.a !== shared, c.m.get("m") === c.m];
  });
  T("clone/buffers", () => {
    const buf = new ArrayBuffer(8);
    const u8 = new Uint8Array(buf); u8.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const o = { buf, a: new Uint16Array(buf, 2, 2), d: new DataView(buf, 4, 4), f: new Float64Array([0.5, -0]), b: new BigInt64Array([-1n]) };
    const c = sc(o);
    return [c.a.buffer === c.buf, c.d.buffer === c.buf, c.buf !== buf, Array.from(c.a), c.d.getUint8(0), c.a.byteOffset, c.f, c.b,
      Object.prototype.toString.call(c.d), new Uint8Array(c.buf)];
  });
  T("clone/resizable buffer", () => { const b = new ArrayBuffer(2, { maxByteLength: 16 }); const c = sc(b); return [c.resizable, c.maxByteLength, c.byteLength]; });
  T("clone/errors", () => [new Error("e"), new TypeError("t"), new RangeError("r", { cause: { c: 1 } }), new SyntaxError(), new URIError("u"), new EvalError("v"), new ReferenceError("x")].map((e) => {
    const c = sc(e);
    return [c.name, c.message, c.constructor.name, c.cause, c instanceof Error, typeof c.stack, Object.prototype.hasOwnProperty.call(c, "message")];
  }));
  T("clone/error renamed and custom", () => {
    const e = new Error("m"); e.name = "TypeError"; e.extra = 1;
    class MyErr extends RangeError {}
    const f = new Error("n"); f.name = "Custom";
    return [sc(e).constructor.name, sc(e).extra, sc(new MyErr("x")).constructor.name, sc(f).name];
  });
  T("clone/class instance becomes plain", () => { class Foo { constructor() { this.a = 1; } m() {} } const c = sc(new Foo()); return [Object.getPrototypeOf(c) === Object.prototype, c]; });
  T("clone/getters run, symbols and non-enumerables skipped", () => {
    const o = { get g() { return 7; }, [Symbol("s")]: 1 };
    Object.defineProperty(o, "hidden", { value: 2, enumerable: false });
    return sc(o);
  });
  T("clone/null prototype", () => { const o = Object.create(null); o.x = 1; const c = sc(o); return [Object.getPrototypeOf(c) === Object.prototype, c.x]; });
  T("clone/function throws", () => sc(function named() { return 1; }));
  T("clone/arrow in object throws", () => sc({ f: () => 1 }));
  T("clone/symbol throws", () => sc(Symbol("sym")));
  T("clone/weakmap throws", () => sc(new WeakMap()));
  T("clone/weakset throws", () => sc([new WeakSet()]));
  T("clone/promise throws", () => sc({ p: Promise.resolve(1) }));
  T("clone/symbol wrapper throws", () => sc(Object(Symbol("w"))));
  T("clone/no args", () => structuredClone());
  T("clone/transfer", () => {
    const ab = new ArrayBuffer(4);
    new Uint8Array(ab)[0] = 9;
    const view = new Uint8Array(ab);
    const c = structuredClone({ ab, view }, { transfer: [ab] });
    return [ab.byteLength, view.length, c.ab.byteLength, c.view.buffer === c.ab, c.view[0], c.view.length];
  });
  T("clone/transfer unreferenced still detaches", () => { const ab = new ArrayBuffer(2); structuredClone(1, { transfer: [ab] }); return ab.byteLength; });
  T("clone/transfer invalid", () => structuredClone(1, { transfer: [new ArrayBuffer(1), 5] }));
  T("clone/transfer duplicate", () => { const ab = new ArrayBuffer(1); return structuredClone(1, { transfer: [ab, ab] }); });
  T("clone/transfer kept on failure", () => { const ab = new ArrayBuffer(3); try { structuredClone({ ab, f() {} }, { transfer: [ab] }); } catch (e) { return [e.name, ab.byteLength]; } return "no throw"; });
})();
