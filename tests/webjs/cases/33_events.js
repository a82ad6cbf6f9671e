// SPDX-License-Identifier: MIT
// Event, EventTarget, AbortController, AbortSignal.
"use strict";
(function () {
  const N = T.noMsg;
  T("event/defaults", () => { const e = new Event("x"); return [e.type, e.bubbles, e.cancelable, e.composed, e.defaultPrevented, e.eventPhase, e.target, e.currentTarget, e.isTrusted, typeof e.timeStamp, e.returnValue, e.cancelBubble]; });
  T("event/init", () => { const e = new Event("y", { bubbles: true, cancelable: true, composed: true }); return [e.bubbles, e.cancelable, e.composed]; });
  N("event/no type", () => new Event());
  T("event/preventDefault", () => { const a = new Event("x"); a.preventDefault(); const b = new Event("x", { cancelable: true }); b.preventDefault(); return [a.defaultPrevented, b.defaultPrevented, b.returnValue]; });
  // The DOM puts the phase constants on Event.prototype too; Node 20 has them only on Event.
  T.kiln("event/constants", () => [Event.NONE, Event.CAPTURING_PHASE, Event.AT_TARGET, Event.BUBBLING_PHASE, new Event("x").AT_TARGET], [0, 1, 2, 3, 2]);
  T("event/toStringTag", () => Object.prototype.toString.call(new Event("x")));
  T("eventtarget/dispatch", () => { const t = new EventTarget(); const seen = []; t.addEventListener("x", (e) => seen.push([e.type, e.target === t, e.currentTarget === t, e.eventPhase])); const r = t.dispatchEvent(new Event("x")); return [seen, r]; });
  T("eventtarget/after dispatch", () => { const t = new EventTarget(); const e = new Event("x"); t.dispatchEvent(e); return [e.target === t, e.currentTarget, e.eventPhase]; });
  T("eventtarget/order and duplicates", () => { const t = new EventTarget(); const seen = []; const f = () => seen.push("f"); t.addEventListener("x", f); t.addEventListener("x", f); t.addEventListener("x", () => seen.push("g")); t.addEventListener("x", f, { capture: true }); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/remove", () => { const t = new EventTarget(); const seen = []; const f = () => seen.push("f"); t.addEventListener("x", f); t.removeEventListener("x", f); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/remove capture mismatch", () => { const t = new EventTarget(); const seen = []; const f = () => seen.push("f"); t.addEventListener("x", f, true); t.removeEventListener("x", f); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/once", () => { const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, { once: true }); t.dispatchEvent(new Event("x")); t.dispatchEvent(new Event("x")); return n; });
  T("eventtarget/signal option", () => { const t = new EventTarget(); const c = new AbortController(); let n = 0; t.addEventListener("x", () => n++, { signal: c.signal }); t.dispatchEvent(new Event("x")); c.abort(); t.dispatchEvent(new Event("x")); return n; });
  T("eventtarget/aborted signal option", () => { const t = new EventTarget(); let n = 0; t.addEventListener("x", () => n++, { signal: AbortSignal.abort() }); t.dispatchEvent(new Event("x")); return n; });
  T("eventtarget/handleEvent object", () => { const t = new EventTarget(); const seen = []; t.addEventListener("x", { handleEvent(e) { seen.push(e.type); } }); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/stopImmediatePropagation", () => { const t = new EventTarget(); const seen = []; t.addEventListener("x", (e) => { seen.push(1); e.stopImmediatePropagation(); }); t.addEventListener("x", () => seen.push(2)); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/canceled", () => { const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault()); return [t.dispatchEvent(new Event("x")), t.dispatchEvent(new Event("x", { cancelable: true }))]; });
  // DOM: preventDefault() in a passive listener is ignored; Node 20 honours it.
  T.kiln("eventtarget/passive", () => { const t = new EventTarget(); t.addEventListener("x", (e) => e.preventDefault(), { passive: true }); const e = new Event("x", { cancelable: true }); return [t.dispatchEvent(e), e.defaultPrevented]; }, [true, false]);
  T("eventtarget/null listener", () => { const t = new EventTarget(); t.addEventListener("x", null); return t.dispatchEvent(new Event("x")); });
  N("eventtarget/dispatch non-event", () => new EventTarget().dispatchEvent({ type: "x" }));
  T("eventtarget/redispatch during dispatch", () => { const t = new EventTarget(); const e = new Event("x"); let err = "none"; t.addEventListener("x", () => { try { t.dispatchEvent(e); } catch (x) { err = x instanceof Error; } }); t.dispatchEvent(e); return err; });
  T("eventtarget/subclass", () => { class C extends EventTarget {} const c = new C(); let n = 0; c.addEventListener("y", () => n++); c.dispatchEvent(new Event("y")); return [n, c instanceof EventTarget]; });
  T("eventtarget/listener added during dispatch not run", () => { const t = new EventTarget(); const seen = []; t.addEventListener("x", () => { seen.push(1); t.addEventListener("x", () => seen.push(2)); }); t.dispatchEvent(new Event("x")); return seen; });
  T("eventtarget/listener removed during dispatch not run", () => { const t = new EventTarget(); const seen = []; const g = () => seen.push(2); t.addEventListener("x", () => { seen.push(1); t.removeEventListener("x", g); }); t.addEventListener("x", g); t.dispatchEvent(new Event("x")); return seen; });

  T("abort/controller", () => { const c = new AbortController(); const s = c.signal; const seen = []; s.addEventListener("abort", (e) => seen.push([e.type, s.aborted])); s.onabort = () => seen.push("onabort"); c.abort(); c.abort(); return [s.aborted, s.reason.name, s.reason.code, s.reason instanceof DOMException, seen, c.signal === s]; });
  T("abort/reason", () => { const c = new AbortController(); c.abort({ why: 1 }); return c.signal.reason; });
  T("abort/throwIfAborted", () => { const c = new AbortController(); c.signal.throwIfAborted(); c.abort(new RangeError("r")); try { c.signal.throwIfAborted(); return "no"; } catch (e) { return [e.name, e.message]; } });
  T("abort/static abort", () => { const s = AbortSignal.abort(); const t = AbortSignal.abort("x"); return [s.aborted, s.reason.name, t.reason]; });
  N("abort/new AbortSignal", () => new AbortSignal());
  T("abort/timeout", async () => { const s = AbortSignal.timeout(10); const before = s.aborted; await Promise.all([new Promise((r) => s.addEventListener("abort", r)), new Promise((r) => setTimeout(r, 50))]); return [before, s.aborted, s.reason.name, s.reason.code]; });
  // WebIDL [EnforceRange] throws a TypeError; Node 20 throws a RangeError.
  T.kiln("abort/timeout negative", () => { try { AbortSignal.timeout(-1); return "no"; } catch (e) { return e.name; } }, "TypeError");
  T("abort/any", () => { const a = new AbortController(); const b = new AbortController(); const s = AbortSignal.any([a.signal, b.signal]); const before = s.aborted; b.abort("b"); a.abort("a"); return [before, s.aborted, s.reason]; });
  T("abort/any already aborted", () => { const s = AbortSignal.any([new AbortController().signal, AbortSignal.abort("x")]); return [s.aborted, s.reason]; });
  T("abort/any empty", () => AbortSignal.any([]).aborted);
  N("abort/any non-signal", () => AbortSignal.any([{}]));
  T("abort/toStringTag", () => [Object.prototype.toString.call(new AbortController()), Object.prototype.toString.call(new AbortController().signal)]);
  T("abort/signal is EventTarget", () => new AbortController().signal instanceof EventTarget);
})();
