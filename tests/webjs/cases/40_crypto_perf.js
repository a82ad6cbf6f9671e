// SPDX-License-Identifier: MIT
// crypto.getRandomValues / randomUUID (shapes, limits, errors; never values) and performance
// (clock shapes, User Timing entries, errors).
"use strict";
(function () {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  T("crypto/randomUUID shape", () => { const a = crypto.randomUUID(); const b = crypto.randomUUID(); return [UUID.test(a), a !== b, a.length]; });
  T("crypto/getRandomValues types", () => [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
    Uint32Array, BigInt64Array, BigUint64Array].map((C) => { const a = new C(8); const r = crypto.getRandomValues(a); return [r === a, a.length]; }));
  T("crypto/getRandomValues fills", () => { const a = new Uint8Array(4096); crypto.getRandomValues(a); return a.some((x) => x !== 0); });
  T("crypto/getRandomValues subarray", () => { const a = new Uint8Array(64); crypto.getRandomValues(a.subarray(16, 32)); return [a.slice(0, 16).every((x) => x === 0), a.slice(32).every((x) => x === 0)]; });
  T("crypto/getRandomValues 65536 ok", () => crypto.getRandomValues(new Uint32Array(16384)).length);
  T("crypto/getRandomValues too big", () => crypto.getRandomValues(new Uint8Array(65537)));
  T("crypto/getRandomValues float", () => crypto.getRandomValues(new Float32Array(2)));
  T("crypto/getRandomValues dataview", () => crypto.getRandomValues(new DataView(new ArrayBuffer(2))));
  T("crypto/getRandomValues array", () => crypto.getRandomValues([1, 2]));
  T("crypto/getRandomValues none", () => crypto.getRandomValues());
  T("crypto/shape", () => [typeof crypto.getRandomValues, typeof crypto.randomUUID, Object.keys(crypto).filter((k) => k !== "subtle").sort()]);

  T("perf/now and timeOrigin", () => {
    const a = performance.now(); const b = performance.now();
    return [typeof a, a >= 0, b >= a, Math.abs(performance.timeOrigin + a - Date.now()) < 60000];
  });
  T("perf/mark", () => {
    performance.clearMarks(); performance.clearMeasures();
    const m = performance.mark("a", { detail: { x: [1] } });
    const j = m.toJSON();
    return [m.name, m.entryType, m.duration, m.detail, typeof m.startTime, Object.keys(j),
      Object.prototype.toString.call(m), m instanceof PerformanceEntry, performance.mark("s", { startTime: 12.5 }).startTime];
  });
  T("perf/measure", () => {
    performance.clearMarks(); performance.clearMeasures();
    performance.mark("m1", { startTime: 10 });
    performance.mark("m2", { startTime: 25 });
    const a = performance.measure("between", "m1", "m2");
    const b = performance.measure("opts", { start: 1, end: 5, detail: "d" });
    const c = performance.measure("dur", { start: 2, duration: 3 });
    const d = performance.measure("endDur", { end: 20, duration: 4 });
    const e = performance.measure("marks", { start: "m1", end: "m2" });
    return [[a.startTime, a.duration, a.entryType, a.detail], [b.startTime, b.duration, b.detail], [c.startTime, c.duration],
      [d.startTime, d.duration], [e.startTime, e.duration], typeof performance.measure("toNow", "m1").duration];
  });
  T("perf/entries", () => {
    performance.clearMarks(); performance.clearMeasures();
    performance.mark("x", { startTime: 1 }); performance.mark("y", { startTime: 2 }); performance.mark("x", { startTime: 3 });
    performance.measure("x", "x", "y");
    const r = [performance.getEntries().map((e) => [e.name, e.entryType]), performance.getEntriesByType("mark").length,
      performance.getEntriesByName("x").length, performance.getEntriesByName("x", "measure").length];
    performance.clearMarks("x");
    r.push(performance.getEntries().map((e) => e.name));
    performance.clearMarks(); performance.clearMeasures();
    r.push(performance.getEntries().length);
    return r;
  });
  T("perf/measure unknown mark", () => performance.measure("m", "no-such-mark"));
  T("perf/mark negative time", () => performance.mark("n", { startTime: -1 }));
  T("perf/tag", () => [Object.prototype.toString.call(performance), typeof performance.toJSON().timeOrigin]);
})();
