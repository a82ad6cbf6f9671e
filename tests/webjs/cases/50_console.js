// SPDX-License-Identifier: MIT
// What console.* prints (kiln.format/kiln.inspect against Node's util.format/util.inspect),
// for the shapes where Kiln means to match Node. Known differences (docs/script-api.md): long
// arrays are not grouped into columns, Promise state, stack frames, %o.
"use strict";
(function () {
  const I = (v, o) => webjsInspect(v, o);
  const F = (...a) => webjsFormat(...a);
  T("console/primitives", () => [1, -0, NaN, -Infinity, 10n, true, null, undefined, Symbol("s"), Symbol(), "str"].map((v) => I(v)));
  T("console/strings nested", () => [I(["it's"]), I(['say "hi"']), I(["both ' \" "]), I(["a\nb\tc\u0001\u007f"]), I(["\ud800x"]), I("top")]);
  T("console/objects", () => [I({}), I({ a: 1, b: "x" }), I({ "a-b": 1, _ok: 2, $: 3, "1a": 4, [Symbol("k")]: 5 }),
    I({ a: { b: { c: { d: 1 } } } }), I({ a: { b: { c: {} } } }), I({ a: [1, [2, [3, [4]]]] }), I({ a: { b: 1 } }, { depth: 0 })]);
  T("console/getters", () => I({ get a() { return 1; }, set b(x) {}, get c() { return 1; }, set c(x) {} }));
  T("console/arrays", () => [I([]), I([1, 2, 3]), I([, 1, , , 2]), I(new Array(3)), I(Object.assign([1], { extra: "x" })),
    I(["a", "b", "c", "d", "e", "f"]), I([[]]), I([{}, []])]);
  T("console/long object breaks", () => { const o = {}; for (let i = 0; i < 12; i++) o["key" + i] = "value" + i; return I(o); });
  T("console/nested break", () => I({ user: { name: "Ada Lovelace", email: "ada@example.com", roles: ["admin", "editor"] }, ok: true }));
  T("console/circular", () => { const c = { x: 1 }; c.self = c; c.arr = [c]; const m = new Map(); m.set("me", m); return [I(c), I(m)]; });
  T("console/circular two", () => { const a = { name: "a" }; const b = { name: "b", a }; a.b = b; return I([a, b]); });
  T("console/maps sets", () => [I(new Map()), I(new Map([["a", { b: 1 }], [1, [2]]])), I(new Set()), I(new Set([1, "x", [2]])), I(new WeakMap())]);
  T("console/typed and buffers", () => [I(new Uint8Array([1, 2, 3])), I(new Float64Array(0)), I(new BigInt64Array([1n])),
    I(new ArrayBuffer(3)), I(new Uint8Array([255, 0, 16]).buffer), I(new DataView(new ArrayBuffer(2)))]);
  T("console/dates regexps", () => [I(new Date(0)), I(new Date(NaN)), I(/a+b/gi), I({ when: new Date(86400000) })]);
  T("console/errors without stack", () => {
    const e = new RangeError("out"); delete e.stack;
    const f = new Error("with code"); delete f.stack; f.code = "E_X";
    return [I(e), I(f), I({ err: e })];
  });
  T("console/functions and classes", () => {
    class A {}
    class B extends A {}
    return [I(function foo() {}), I(() => 1), I(async function af() {}), I(function* gen() {}), I(A), I(B), I(Object.assign(function f() {}, { x: 1 })), I([Math.max])];
  });
  T("console/instances", () => {
    class Point { constructor() { this.x = 1; this.y = 2; } }
    class Empty {}
    const tagged = { [Symbol.toStringTag]: "Tagged", a: 1 };
    class Tag { get [Symbol.toStringTag]() { return "T"; } }
    const inherits = Object.create({ [Symbol.toStringTag]: "Inh" });
    inherits.z = 1;
    return [I(new Tag()), I(inherits), I(new Point()), I(new Empty()), I(Object.create(null)), I(Object.assign(Object.create(null), { a: 1 })), I(tagged), I([new Point()])];
  });
  T("console/boxed", () => [I(new Number(3)), I(new String("ab")), I(new Boolean(false)), I(Object(2n)), I(Object(Symbol("q")))]);
  T("console/depth", () => [I({ a: { b: { c: { d: {} } } } }, { depth: 1 }), I({ a: { b: { c: { d: {} } } } }, { depth: null }), I([[[[[1]]]]]), I(new Map([[1, new Map([[2, new Map([[3, new Map()]])]])]]))]);
  T("console/custom inspect", () => I({ [Symbol.for("nodejs.util.inspect.custom")]() { return "CUSTOM"; } }));
  T("console/format", () => [F("a %s b", "x"), F("%s", 42), F("%s", -0), F("%s", 5n), F("%s", { a: { b: 1 } }), F("%s", [1, 2]),
    F("%s", { toString() { return "own"; } }), F("%d", "42"), F("%d", 1.5), F("%d", "x"), F("%i", 42.9), F("%f", "1.5e3"),
    F("%j", { a: [1] }), F("%O", { a: { b: { c: { d: 1 } } } }), F("%%s %s", "x"), F("%c styled", "color: red"),
    F("%s %s", "only"), F("no args %s"), F("extra", 1, "two", { t: 3 }), F(1, "a", [2]), F("%x", 1), F("%s", null), F("%s", undefined),
    F("%s", Symbol("f")), F("100%"), F("%d", 10n)]);
  T("console/format circular json", () => { const c = {}; c.c = c; return F("%j", c); });
  T("console/many items", () => [I(Array.from({ length: 120 }, () => 0)).split("\n").pop(), I(new Set(Array.from({ length: 101 }, (_, i) => i))).endsWith("... 1 more item\n}")]);
})();
T("console/url and params", () => [webjsInspect(new URL("https://u:p@a.example:8080/p/q?x=1&y=2#h")),
  webjsInspect(new URLSearchParams("a=1&b=2")), webjsInspect(new URLSearchParams()),
  webjsInspect(new URLSearchParams(Array.from({ length: 12 }, (_, i) => ["key" + i, "value" + i]))),
  webjsInspect({ u: new URL("http://a/") }), webjsFormat("%s", new URLSearchParams("q=1"))]);
