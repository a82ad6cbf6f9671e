// SPDX-License-Identifier: MIT
// The console helpers built on the native console.* of api/ (spec/70-observability.md §1):
// time/timeEnd, assert, trace, metrics. Without a native console (js/ unit tests) nothing here.
"use strict";
(function (g) {
  const c = g.console;
  if (!c || typeof c.info !== "function") return;
  const timers = new Map();
  const def = (name, fn) => Object.defineProperty(c, name, { value: fn, writable: true, configurable: true });
  def("time", (label) => { timers.set(label === undefined ? "default" : String(label), Date.now()); });
  def("timeEnd", (label) => {
    const l = label === undefined ? "default" : String(label);
    const t0 = timers.get(l);
    if (t0 === undefined) { c.warn(`timer ${l} does not exist`); return; }
    timers.delete(l);
    c.info(`${l}: ${(Date.now() - t0).toFixed(1)} ms`);
  });
  def("assert", (cond, ...args) => {
    if (!cond) c.error("Assertion failed" + (args.length ? ":" : ""), ...args);
  });
  def("trace", (...args) => {
    const stack = String(new Error().stack || "").split("\n").slice(1).join("\n");
    c.debug(...args, stack);
  });
  def("metrics", (fields) => { c.info("metrics", fields === undefined ? {} : fields); });
})(globalThis);
