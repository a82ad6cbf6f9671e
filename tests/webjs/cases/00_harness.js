// SPDX-License-Identifier: MIT
// The harness itself: values of every kind encode the same on both sides, throws are caught,
// Promises are awaited (tests/webjs/harness.js).
"use strict";
T("harness/primitives", () => [1, -0, NaN, Infinity, -Infinity, "s", true, null, undefined, 10n]);
T("harness/containers", () => ({ a: [1, { b: 2 }], m: new Map([[1, "x"]]), s: new Set(["y"]) }));
T("harness/bytes", () => [new Uint8Array([1, 2]), new Float64Array([0.5]), new ArrayBuffer(2),
  new DataView(new Uint8Array([7, 8, 9]).buffer, 1), new BigInt64Array([5n])]);
T("harness/objects", () => [new Date(0), new Date(NaN), /a+/gi, new RangeError("r"), new (class Foo { constructor() { this.x = 1; } })()]);
T("harness/throw", () => { throw new TypeError("boom"); });
T("harness/throw value", () => { throw 42; });
T.noMsg("harness/throw no message", () => null.x);
T("harness/async", async () => { await null; return "later"; });
T("harness/async throw", async () => { await null; throw new SyntaxError("late"); });
T("harness/queueMicrotask", () => new Promise((resolve) => queueMicrotask(() => resolve("ran"))));
T("harness/cycle", () => { const a = [1]; a.push(a); return a; });
