// SPDX-License-Identifier: MIT
// The minimal ReadableStream: start/pull/cancel, the default reader, async iteration, tee,
// errors, locking.
"use strict";
(function () {
  const N = T.noMsg;
  const all = async (s) => { const out = []; for await (const c of s) out.push(c); return out; };
  T("stream/start enqueue close", async () => all(new ReadableStream({ start(c) { c.enqueue(1); c.enqueue("two"); c.close(); } })));
  T("stream/pull", async () => { let i = 0; return all(new ReadableStream({ pull(c) { if (i < 4) c.enqueue(i++); else c.close(); } })); });
  T("stream/async pull", async () => { let i = 0; return all(new ReadableStream({ async pull(c) { await null; if (i < 3) c.enqueue(i++); else c.close(); } })); });
  T("stream/pull calls", async () => { const calls = []; let i = 0; const s = new ReadableStream({ start() { calls.push("start"); }, pull(c) { calls.push("pull" + i); if (i++ < 2) c.enqueue(i); else c.close(); } }); await all(s); return calls; });
  T("stream/desiredSize", async () => { const sizes = []; const s = new ReadableStream({ start(c) { sizes.push(c.desiredSize); c.enqueue("a"); sizes.push(c.desiredSize); c.enqueue("b"); sizes.push(c.desiredSize); } }, { highWaterMark: 3 }); await null; return sizes; });
  T("stream/size strategy", async () => { let d; new ReadableStream({ start(c) { c.enqueue("abcd"); d = c.desiredSize; } }, { highWaterMark: 10, size: (ch) => ch.length }); return d; });
  T("stream/reader read", async () => { const r = new ReadableStream({ start(c) { c.enqueue("x"); c.close(); } }).getReader(); return [await r.read(), await r.read(), await r.read()]; });
  T("stream/locked", () => { const s = new ReadableStream(); const before = s.locked; const r = s.getReader(); const during = s.locked; r.releaseLock(); return [before, during, s.locked]; });
  N("stream/second reader", () => { const s = new ReadableStream(); s.getReader(); s.getReader(); });
  T("stream/error", async () => { const s = new ReadableStream({ start(c) { c.error(new TypeError("e1")); } }); try { await s.getReader().read(); return "no"; } catch (e) { return [e.name, e.message]; } });
  T("stream/start throws", async () => { const s = new ReadableStream({ start() { throw new RangeError("st"); } }); return "constructed"; });
  T("stream/pull rejects", async () => { const s = new ReadableStream({ pull() { return Promise.reject(new SyntaxError("p")); } }); try { await s.getReader().read(); return "no"; } catch (e) { return e.name; } });
  T("stream/cancel", async () => { const seen = []; const s = new ReadableStream({ start(c) { c.enqueue(1); }, cancel(r) { seen.push(r); } }); await s.cancel("why"); const r = s.getReader(); return [seen, await r.read()]; });
  T("stream/reader cancel", async () => { const seen = []; const s = new ReadableStream({ cancel(r) { seen.push(r); } }); const r = s.getReader(); await r.cancel("rc"); return [seen, await r.read()]; });
  T("stream/closed promise", async () => { const s = new ReadableStream({ start(c) { c.close(); } }); return await s.getReader().closed; });
  N("stream/enqueue after close", () => new ReadableStream({ start(c) { c.close(); c.enqueue(1); } }) && (() => { throw new Error("no throw"); })());
  T("stream/release rejects pending read", async () => { const r = new ReadableStream().getReader(); const p = r.read(); r.releaseLock(); try { await p; return "no"; } catch (e) { return e.name; } });
  T("stream/break in for-await cancels", async () => { const seen = []; const s = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel() { seen.push("cancel"); } }); for await (const x of s) { seen.push(x); break; } return [seen, s.locked]; });
  T("stream/preventCancel", async () => { const seen = []; const s = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel() { seen.push("cancel"); } }); for await (const x of s.values({ preventCancel: true })) { seen.push(x); break; } return [seen, s.locked]; });
  T("stream/tee", async () => { const s = new ReadableStream({ start(c) { c.enqueue("a"); c.enqueue("b"); c.close(); } }); const [a, b] = s.tee(); return [await all(a), await all(b), s.locked]; });
  T("stream/from array", async () => all(ReadableStream.from([1, 2, 3])));
  T("stream/from async generator", async () => all(ReadableStream.from((async function* () { yield "x"; yield "y"; })())));
  N("stream/bad source method", () => new ReadableStream({ pull: 1 }));
  N("stream/bad highWaterMark", () => new ReadableStream({}, { highWaterMark: -1 }));
  T("stream/toStringTag", () => [Object.prototype.toString.call(new ReadableStream()), Object.prototype.toString.call(new ReadableStream().getReader())]);
})();
