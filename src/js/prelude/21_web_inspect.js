// SPDX-License-Identifier: MIT
// How console.* shows the Fetch, File API, Streams and DOM event objects: their public state,
// as Node's util.inspect does (Headers { a: '1' }, Blob { size: 1, type: '' }, ...), not Kiln's
// internal _ fields. Uses the nodejs.util.inspect.custom hook that 45_inspect.js honours; no
// getter with side effects is called (a Response's body is described, not materialised).
"use strict";
(function (g) {
  const K = g.__kiln;
  const CUSTOM = Symbol.for("nodejs.util.inspect.custom");
  const classes = new Map();
  // A plain record whose constructor name is `name`, so the inspector prints "name { ... }".
  function view(name, props) {
    let C = classes.get(name);
    if (!C) {
      C = { [name]: class {} }[name];
      classes.set(name, C);
    }
    return Object.assign(new C(), props);
  }
  function define(cls, fn) {
    Object.defineProperty(cls.prototype, CUSTOM, { value: fn, writable: true, configurable: true });
  }
  function headersView(h) {
    const o = {};
    const l = h._l;
    const seen = new Map();
    for (let i = 0; i < l.length; i += 2) {
      const k = l[i].toLowerCase();
      const first = seen.get(k);
      if (first === undefined) { seen.set(k, l[i]); o[l[i]] = l[i + 1]; } else { o[first] += ", " + l[i + 1]; }
    }
    return view("Headers", o);
  }
  const streamView = (s) => view("ReadableStream", {
    locked: s._reader !== null, state: s._state, supportsBYOB: false,
  });
  const bodyView = (b) => (b === null || b === undefined ? null : b instanceof K.ReadableStream ? streamView(b) : view("ReadableStream", { locked: false, state: "readable", supportsBYOB: false }));
  const used = (r) => r._used || (r._body instanceof K.ReadableStream && r._body._disturbed);

  define(K.Headers, function () { return headersView(this); });
  define(K.Blob, function () { return view("Blob", { size: this.size, type: this.type }); });
  define(K.File, function () {
    return view("File", { size: this.size, type: this.type, name: this._name, lastModified: this._lastModified });
  });
  define(K.FormData, function () { return view("FormData", {}); });
  define(K.ReadableStream, function () { return streamView(this); });
  define(K.AbortSignal, function () { return view("AbortSignal", { aborted: this._aborted }); });
  define(K.AbortController, function () { return view("AbortController", { signal: view("AbortSignal", { aborted: this._signal._aborted }) }); });
  define(K.EventTarget, function () { return view(this.constructor && this.constructor.name ? this.constructor.name : "EventTarget", {}); });
  define(K.Event, function () {
    return view("Event", { type: this.type, defaultPrevented: this.defaultPrevented, cancelable: this.cancelable, timeStamp: this.timeStamp });
  });
  define(K.Response, function () {
    return view("Response", {
      status: this._status, statusText: this._statusText, headers: headersView(this._headers), body: bodyView(this._body),
      bodyUsed: used(this), ok: this.ok, redirected: false, type: this.type, url: "",
    });
  });
  define(K.Request, function () {
    return view("Request", {
      method: this._method, url: this._url, headers: headersView(this._headers), destination: "", referrer: this._referrer,
      referrerPolicy: this._referrerPolicy, mode: this._mode, credentials: this._credentials, cache: this._cache,
      redirect: this._redirect, integrity: this._integrity, keepalive: this._keepalive, isReloadNavigation: false,
      isHistoryNavigation: false, signal: view("AbortSignal", { aborted: this._signal._aborted }),
    });
  });
})(globalThis);
