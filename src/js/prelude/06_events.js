// SPDX-License-Identifier: MIT
// Event, EventTarget (DOM Standard, without the tree: no capture/bubble path), AbortController
// and AbortSignal (abort, timeout on Kiln's timers, any). Pure glue: no bytes are touched.
"use strict";
(function (g) {
  const K = g.__kiln;
  const { DOMException } = K;
  // WebIDL: operations and attributes of an interface are enumerable on its prototype.
  K.webIDL = (cls) => {
    for (const o of [cls.prototype, cls]) {
      for (const k of Object.getOwnPropertyNames(o)) {
        if (k === "constructor" || k === "prototype" || k === "length" || k === "name" || k.startsWith("_")) continue;
        const d = Object.getOwnPropertyDescriptor(o, k);
        if (d.configurable && (typeof d.value === "function" || d.get)) Object.defineProperty(o, k, { enumerable: true });
      }
    }
  };
  const def = (o, name, value) => Object.defineProperty(o, name, { value, writable: true, configurable: true });
  const internal = Symbol("kiln.event");

  class Event {
    constructor(type, init) {
      if (arguments.length === 0) throw new TypeError("Event constructor: 1 argument required, but only 0 present.");
      const i = init === undefined || init === null ? {} : init;
      if (typeof i !== "object" && typeof i !== "function") throw new TypeError("Event constructor: init must be an object");
      this[internal] = {
        type: String(type), bubbles: !!i.bubbles, cancelable: !!i.cancelable, composed: !!i.composed,
        target: null, currentTarget: null, phase: 0, canceled: false, stop: false, stopNow: false,
        dispatching: false, passive: false, trusted: false,
        timeStamp: g.performance && typeof g.performance.now === "function" ? g.performance.now() : Date.now(),
      };
    }
    get type() { return this[internal].type; }
    get target() { return this[internal].target; }
    get srcElement() { return this[internal].target; }
    get currentTarget() { return this[internal].currentTarget; }
    get eventPhase() { return this[internal].phase; }
    get bubbles() { return this[internal].bubbles; }
    get cancelable() { return this[internal].cancelable; }
    get composed() { return this[internal].composed; }
    get defaultPrevented() { return this[internal].canceled; }
    get returnValue() { return !this[internal].canceled; }
    set returnValue(v) { if (!v) this.preventDefault(); }
    get cancelBubble() { return this[internal].stop; }
    set cancelBubble(v) { if (v) this[internal].stop = true; }
    get isTrusted() { return this[internal].trusted; }
    get timeStamp() { return this[internal].timeStamp; }
    composedPath() { const t = this[internal].currentTarget; return t ? [t] : []; }
    stopPropagation() { this[internal].stop = true; }
    stopImmediatePropagation() { this[internal].stop = true; this[internal].stopNow = true; }
    preventDefault() { const s = this[internal]; if (s.cancelable && !s.passive) s.canceled = true; }
    get [Symbol.toStringTag]() { return "Event"; }
  }
  for (const [n, v] of [["NONE", 0], ["CAPTURING_PHASE", 1], ["AT_TARGET", 2], ["BUBBLING_PHASE", 3]]) {
    Object.defineProperty(Event, n, { value: v, enumerable: true });
    Object.defineProperty(Event.prototype, n, { value: v, enumerable: true });
  }

  const listeners = Symbol("kiln.listeners");
  function flatten(options) {
    if (typeof options === "boolean") return { capture: options };
    if (options === undefined || options === null) return { capture: false };
    return { capture: !!options.capture, once: !!options.once, passive: options.passive, signal: options.signal };
  }

  class EventTarget {
    constructor() { this[listeners] = new Map(); }
    addEventListener(type, callback, options) {
      if (arguments.length < 2) throw new TypeError(`EventTarget.addEventListener: 2 arguments required, but only ${arguments.length} present.`);
      const o = flatten(options);
      if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
        throw new TypeError("EventTarget.addEventListener: 'signal' member of AddEventListenerOptions is not an AbortSignal");
      }
      if (callback === null || callback === undefined) return;
      if (typeof callback !== "function" && typeof callback !== "object") {
        throw new TypeError("EventTarget.addEventListener: listener is not an object");
      }
      if (o.signal && o.signal.aborted) return;
      const map = this[listeners] || (this[listeners] = new Map());
      const t = String(type);
      let list = map.get(t);
      if (!list) map.set(t, (list = []));
      if (list.some((l) => l.callback === callback && l.capture === o.capture)) return;
      const l = { callback, capture: o.capture, once: !!o.once, passive: !!o.passive, removed: false };
      list.push(l);
      if (o.signal) {
        o.signal.addEventListener("abort", () => this.removeEventListener(t, callback, { capture: o.capture }));
      }
    }
    removeEventListener(type, callback, options) {
      const map = this[listeners];
      if (!map) return;
      const o = flatten(options);
      const list = map.get(String(type));
      if (!list) return;
      const i = list.findIndex((l) => l.callback === callback && l.capture === o.capture);
      if (i >= 0) { list[i].removed = true; list.splice(i, 1); }
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError("EventTarget.dispatchEvent: Argument 1 is not an object.");
      const s = event[internal];
      if (s.dispatching) throw new DOMException("The event is already being dispatched.", "InvalidStateError");
      s.dispatching = true;
      s.target = this; s.currentTarget = this; s.phase = 2;
      const map = this[listeners];
      const list = map ? map.get(s.type) : undefined;
      if (list) {
        for (const l of list.slice()) {
          if (l.removed) continue;
          if (l.once) this.removeEventListener(s.type, l.callback, { capture: l.capture });
          s.passive = l.passive;
          try {
            if (typeof l.callback === "function") l.callback.call(this, event);
            else if (typeof l.callback.handleEvent === "function") l.callback.handleEvent(event);
          } catch (e) {
            K.reportError(e, "Uncaught exception in event listener:");
          }
          s.passive = false;
          if (s.stopNow) break;
        }
      }
      s.dispatching = false; s.currentTarget = null; s.phase = 0; s.stop = false; s.stopNow = false;
      return !s.canceled;
    }
    get [Symbol.toStringTag]() { return "EventTarget"; }
  }

  // A listener that throws is reported (script log with the request id), as in browsers and
  // Node, and does not stop the dispatch. Also used for errors of streamed bodies.
  K.reportError = (e, what) => {
    const c = g.console;
    if (c && typeof c.error === "function") c.error(what, e);
  };

  const sig = Symbol("kiln.signal");
  class AbortSignal extends EventTarget {
    constructor(key) {
      if (key !== sig) throw new TypeError("Illegal constructor");
      super();
      this._aborted = false;
      this._reason = undefined;
      this._onabort = null;
    }
    get aborted() { return this._aborted; }
    get reason() { return this._reason; }
    get onabort() { return this._onabort; }
    set onabort(fn) {
      if (this._onabort) this.removeEventListener("abort", this._onabort);
      this._onabort = typeof fn === "function" ? fn : null;
      if (this._onabort) this.addEventListener("abort", this._onabort);
    }
    throwIfAborted() { if (this._aborted) throw this._reason; }
    static abort(reason) {
      const s = new AbortSignal(sig);
      s._aborted = true;
      s._reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
      return s;
    }
    static timeout(ms) {
      const n = Number(ms);
      if (!Number.isFinite(n) || n < 0 || n > Number.MAX_SAFE_INTEGER) {
        throw new TypeError(`AbortSignal.timeout: ${ms} is outside the range of an unsigned long long`);
      }
      const s = new AbortSignal(sig);
      // A weak timer: it does not keep the invocation alive (Node's is unreferenced too).
      const set = typeof K.native.setWeakTimeout === "function" ? K.native.setWeakTimeout : g.setTimeout;
      set(() => signalAbort(s, new DOMException("The operation was aborted due to timeout", "TimeoutError")), Math.trunc(n));
      return s;
    }
    static any(signals) {
      const list = Array.from(signals);
      for (const x of list) if (!(x instanceof AbortSignal)) throw new TypeError("AbortSignal.any: Argument 1 must contain only AbortSignals");
      const s = new AbortSignal(sig);
      for (const x of list) {
        if (x._aborted) { s._aborted = true; s._reason = x._reason; return s; }
      }
      for (const x of list) x.addEventListener("abort", () => signalAbort(s, x._reason), { once: true });
      return s;
    }
    get [Symbol.toStringTag]() { return "AbortSignal"; }
  }

  function signalAbort(s, reason) {
    if (s._aborted) return;
    s._aborted = true;
    s._reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    s.dispatchEvent(new Event("abort"));
  }

  class AbortController {
    constructor() { this._signal = new AbortSignal(sig); }
    get signal() { return this._signal; }
    abort(reason) { signalAbort(this._signal, reason); }
    get [Symbol.toStringTag]() { return "AbortController"; }
  }

  for (const [n, c] of Object.entries({ Event, EventTarget, AbortSignal, AbortController })) { K.webIDL(c); def(g, n, c); }
  K.Event = Event;
  K.EventTarget = EventTarget;
  K.AbortSignal = AbortSignal;
  K.AbortController = AbortController;
})(globalThis);
